#pragma once
// Batch normalisation over [N, C, H, W] on the GPU with the CPU layer's
// definitions (layers/batch_norm.hpp, PyTorch's): training normalises by the
// batch mean and biased variance and moves the running statistics (momentum,
// unbiased variance for running_var); evaluation normalises by the running
// statistics. The per-channel vectors (weight, bias, running_mean,
// running_var, and the saved mean and 1/std of the last forward) are
// [C, 1, 1, 1] device tensors, as the layer stores them.
#include <string>

#include "isinggan/backend/cuda/reduce.cuh"

namespace isinggan::cuda_detail {

inline void require_channel_vector(const tensor<cuda>& v, std::size_t channels, const char* op, const char* what) {
    if (v.size() != channels)
        throw shape_error(std::string(op) + ": " + what + " has " + std::to_string(v.size()) + " values for " +
                          std::to_string(channels) + " channels");
}

/// Evaluation statistics: mean = running_mean, inv_std = 1 / sqrt(running_var + eps).
ISINGGAN_KERNEL void running_stats_kernel(const float* running_mean, const float* running_var, float eps,
                                          std::size_t channels, float* mean, float* inv_std) {
    ISINGGAN_GRID_STRIDE_LOOP(c, channels) {
        mean[c] = running_mean[c];
        inv_std[c] = float(1.0 / sqrt(double(running_var[c]) + eps));
    }
}

/// y = weight * ((x - mean) * inv_std) + bias, per channel.
ISINGGAN_KERNEL void normalize_kernel(const float* x, const float* mean, const float* inv_std, const float* weight,
                                      const float* bias, std::size_t channels, std::size_t plane, std::size_t n,
                                      float* y) {
    ISINGGAN_GRID_STRIDE_LOOP(i, n) {
        const std::size_t c = (i / plane) % channels;
        y[i] = weight[c] * ((x[i] - mean[c]) * inv_std[c]) + bias[c];
    }
}

/// Block c: dweight[c] += Σ dy xhat, dbias[c] += Σ dy, and dx for channel c:
///   training:   dx = w s (dy - mean(dy) - xhat mean(dy xhat))
///   evaluation: dx = w s dy
/// with xhat = (x - mean) s recomputed from the input, sums in double.
ISINGGAN_KERNEL void batch_norm_backward_kernel(const float* x, const float* dy, const float* mean,
                                                const float* inv_std, const float* weight, bool training,
                                                std::size_t n, std::size_t channels, std::size_t plane, float* dx,
                                                float* weight_grad, float* bias_grad) {
    const std::size_t c = blockIdx.x;
    const std::size_t count = n * plane;
    const float mu = mean[c], s = inv_std[c];
    double sd = 0.0, sdx = 0.0;
    for (std::size_t i = threadIdx.x; i < count; i += blockDim.x) {
        const std::size_t e = channel_element(i, c, channels, plane);
        const float d = dy[e];
        sd += d;
        sdx += double(d) * ((x[e] - mu) * s);
    }
    const double sum_dy = block_sum(sd), sum_dy_xhat = block_sum(sdx);
    if (threadIdx.x == 0) {
        weight_grad[c] += float(sum_dy_xhat);
        bias_grad[c] += float(sum_dy);
    }
    const float k = weight[c] * s;
    const float mean_dy = training ? float(sum_dy / double(count)) : 0.0f;
    const float mean_dy_xhat = training ? float(sum_dy_xhat / double(count)) : 0.0f;
    for (std::size_t i = threadIdx.x; i < count; i += blockDim.x) {
        const std::size_t e = channel_element(i, c, channels, plane);
        dx[e] = k * (dy[e] - mean_dy - (x[e] - mu) * s * mean_dy_xhat);
    }
}

inline void normalize(const tensor<cuda>& x, const tensor<cuda>& mean, const tensor<cuda>& inv_std,
                      const tensor<cuda>& weight, const tensor<cuda>& bias, tensor<cuda>& y) {
    y.resize(x.shape());
    normalize_kernel<<<blocks_for(x.size()), block_threads>>>(x.data(), mean.data(), inv_std.data(), weight.data(),
                                                              bias.data(), x.c(), x.h() * x.w(), x.size(), y.data());
    ISINGGAN_CUDA_CHECK_LAUNCH(normalize_kernel);
}

inline void check_batch_norm_inputs(const tensor<cuda>& x, const tensor<cuda>& weight, const tensor<cuda>& bias,
                                    const tensor<cuda>& running_mean, const tensor<cuda>& running_var,
                                    const char* op) {
    require_nonempty(x.shape(), op);
    require_channel_vector(weight, x.c(), op, "weight");
    require_channel_vector(bias, x.c(), op, "bias");
    require_channel_vector(running_mean, x.c(), op, "running_mean");
    require_channel_vector(running_var, x.c(), op, "running_var");
}

}  // namespace isinggan::cuda_detail

namespace isinggan::ops {

/// Training forward: y from the batch statistics, which are saved (mean and
/// 1/std, resized to [C, 1, 1, 1]) for the backward pass; the running
/// statistics move by `momentum`.
inline void batch_norm2d_forward_training(cuda, const tensor<cuda>& x, const tensor<cuda>& weight,
                                          const tensor<cuda>& bias, tensor<cuda>& running_mean,
                                          tensor<cuda>& running_var, float momentum, float eps, tensor<cuda>& y,
                                          tensor<cuda>& save_mean, tensor<cuda>& save_inv_std) {
    const char* op = "batch_norm2d";
    cuda_detail::check_batch_norm_inputs(x, weight, bias, running_mean, running_var, op);
    if (x.n() * x.h() * x.w() < 2)
        throw shape_error(std::string(op) + ": training needs more than one value per channel, got input " +
                          x.shape().str());
    const shape4 vec{x.c(), 1, 1, 1};
    save_mean.resize(vec);
    save_inv_std.resize(vec);
    cuda_detail::channel_stats_outputs out;
    out.mean = save_mean.data();
    out.inv_std = save_inv_std.data();
    out.running_mean = running_mean.data();
    out.running_var = running_var.data();
    out.momentum = momentum;
    out.eps = eps;
    cuda_detail::channel_stats(x, out);
    cuda_detail::normalize(x, save_mean, save_inv_std, weight, bias, y);
}

/// Evaluation forward: y from the running statistics; the mean and 1/std used
/// are saved for the backward pass as in training.
inline void batch_norm2d_forward_inference(cuda, const tensor<cuda>& x, const tensor<cuda>& weight,
                                           const tensor<cuda>& bias, const tensor<cuda>& running_mean,
                                           const tensor<cuda>& running_var, float eps, tensor<cuda>& y,
                                           tensor<cuda>& save_mean, tensor<cuda>& save_inv_std) {
    cuda_detail::check_batch_norm_inputs(x, weight, bias, running_mean, running_var, "batch_norm2d");
    const shape4 vec{x.c(), 1, 1, 1};
    save_mean.resize(vec);
    save_inv_std.resize(vec);
    cuda_detail::running_stats_kernel<<<cuda_detail::blocks_for(x.c()), cuda_detail::block_threads>>>(
        running_mean.data(), running_var.data(), eps, x.c(), save_mean.data(), save_inv_std.data());
    ISINGGAN_CUDA_CHECK_LAUNCH(running_stats_kernel);
    cuda_detail::normalize(x, save_mean, save_inv_std, weight, bias, y);
}

/// Backward of either forward (`training` says which one ran): dx is resized
/// to x's shape; weight_grad and bias_grad are added to.
inline void batch_norm2d_backward(cuda, const tensor<cuda>& x, const tensor<cuda>& dy, const tensor<cuda>& weight,
                                  const tensor<cuda>& save_mean, const tensor<cuda>& save_inv_std, bool training,
                                  tensor<cuda>& dx, tensor<cuda>& weight_grad, tensor<cuda>& bias_grad) {
    const char* op = "batch_norm2d";
    require_nonempty(x.shape(), op);
    require_shape(dy.shape(), x.shape(), "batch_norm2d: output gradient");
    cuda_detail::require_channel_vector(weight, x.c(), op, "weight");
    cuda_detail::require_channel_vector(save_mean, x.c(), op, "saved mean");
    cuda_detail::require_channel_vector(save_inv_std, x.c(), op, "saved 1/std");
    cuda_detail::require_channel_vector(weight_grad, x.c(), op, "weight gradient");
    cuda_detail::require_channel_vector(bias_grad, x.c(), op, "bias gradient");
    dx.resize(x.shape());
    cuda_detail::batch_norm_backward_kernel<<<unsigned(x.c()), cuda_detail::block_threads>>>(
        x.data(), dy.data(), save_mean.data(), save_inv_std.data(), weight.data(), training, x.n(), x.c(),
        x.h() * x.w(), dx.data(), weight_grad.data(), bias_grad.data());
    ISINGGAN_CUDA_CHECK_LAUNCH(batch_norm_backward_kernel);
}

}  // namespace isinggan::ops
