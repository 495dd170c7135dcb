#pragma once
// Batch normalisation over [N, C, H, W] on the GPU with the CPU layer's
// definitions (layers/batch_norm.hpp, PyTorch's): training normalises by the
// batch mean and biased variance and moves the running statistics (momentum,
// unbiased variance for running_var); evaluation normalises by the running
// statistics. The per-channel vectors (weight, bias, running_mean,
// running_var, and the saved mean and 1/std of the last forward) are
// [C, 1, 1, 1] device tensors, as the layer stores them.
#include <string>

#include "isinggan/backend/cpu/batch_norm.hpp"
#include "isinggan/backend/cuda/reduce.cuh"

namespace isinggan::cuda_detail {

/// Evaluation statistics: mean = running_mean, inv_std = 1 / sqrt(running_var + eps).
ISINGGAN_KERNEL void running_stats_kernel(const float* running_mean, const float* running_var, float eps,
                                          std::size_t channels, float* mean, float* inv_std) {
    ISINGGAN_GRID_STRIDE_LOOP(c, channels) {
        mean[c] = running_mean[c];
        inv_std[c] = float(1.0 / sqrt(double(running_var[c]) + eps));
    }
}

/// y = weight * ((x - mean) * inv_std) + bias, per channel. Index is 32-bit
/// where the tensor allows: 64-bit division is slow on the GPU.
template <class Index>
__global__ void normalize_kernel(const float* x, const float* mean, const float* inv_std, const float* weight,
                                 const float* bias, Index channels, Index plane, Index n, float* y) {
    for (Index i = Index(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += Index(gridDim.x) * blockDim.x) {
        const Index c = (i / plane) % channels;
        y[i] = weight[c] * ((x[i] - mean[c]) * inv_std[c]) + bias[c];
    }
}

/// grid (parts, channels): block (p, c) sums dy and dy * xhat over its run
/// of channel c's values (xhat = (x - mean) s recomputed from the input), in double.
ISINGGAN_KERNEL void batch_norm_grad_sums_kernel(const float* x, const float* dy, const float* mean,
                                                 const float* inv_std, std::size_t channels, std::size_t plane,
                                                 channel_split split, double* sums) {
    const std::size_t c = blockIdx.y, part = blockIdx.x;
    const std::size_t lo = split.begin(part), hi = split.end(part);
    const float mu = mean[c], s = inv_std[c];
    double sd = 0.0, sdx = 0.0;
    for (std::size_t i = lo + threadIdx.x; i < hi; i += blockDim.x) {
        const std::size_t e = channel_element(i, c, channels, plane);
        const float d = dy[e];
        sd += d;
        sdx += double(d) * ((x[e] - mu) * s);
    }
    const double sum_dy = block_sum(sd), sum_dy_xhat = block_sum(sdx);
    if (threadIdx.x == 0) {
        sums[2 * (c * split.parts + part)] = sum_dy;
        sums[2 * (c * split.parts + part) + 1] = sum_dy_xhat;
    }
}

/// One thread per channel: dweight[c] += Σ dy xhat, dbias[c] += Σ dy, and
/// the two coefficients the elementwise pass needs.
ISINGGAN_KERNEL void batch_norm_grad_finish_kernel(const double* sums, unsigned parts, std::size_t channels,
                                                   std::size_t count, bool training, float* weight_grad,
                                                   float* bias_grad, float* coefficients) {
    ISINGGAN_GRID_STRIDE_LOOP(c, channels) {
        double sum_dy = 0.0, sum_dy_xhat = 0.0;
        for (unsigned p = 0; p < parts; ++p) {
            sum_dy += sums[2 * (c * parts + p)];
            sum_dy_xhat += sums[2 * (c * parts + p) + 1];
        }
        weight_grad[c] += float(sum_dy_xhat);
        bias_grad[c] += float(sum_dy);
        coefficients[2 * c] = training ? float(sum_dy / double(count)) : 0.0f;
        coefficients[2 * c + 1] = training ? float(sum_dy_xhat / double(count)) : 0.0f;
    }
}

/// Every element: dx = w s (dy - mean(dy) - xhat mean(dy xhat)) in training,
/// dx = w s dy in evaluation (the coefficients are then zero).
template <class Index>
__global__ void batch_norm_dx_kernel(const float* x, const float* dy, const float* mean, const float* inv_std,
                                     const float* weight, const float* coefficients, Index channels, Index plane,
                                     Index n, float* dx) {
    for (Index i = Index(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += Index(gridDim.x) * blockDim.x) {
        const Index c = (i / plane) % channels;
        const float mu = mean[c], s = inv_std[c];
        dx[i] = weight[c] * s * (dy[i] - coefficients[2 * c] - (x[i] - mu) * s * coefficients[2 * c + 1]);
    }
}

inline void normalize(const tensor<cuda>& x, const tensor<cuda>& mean, const tensor<cuda>& inv_std,
                      const tensor<cuda>& weight, const tensor<cuda>& bias, tensor<cuda>& y) {
    y.resize(x.shape());
    if (x.size() < (std::size_t(1) << 31))
        normalize_kernel<unsigned><<<blocks_for(x.size()), block_threads, 0, current_stream()>>>(
            x.data(), mean.data(), inv_std.data(), weight.data(), bias.data(), unsigned(x.c()), unsigned(x.h() * x.w()),
            unsigned(x.size()), y.data());
    else
        normalize_kernel<std::size_t><<<blocks_for(x.size()), block_threads, 0, current_stream()>>>(
            x.data(), mean.data(), inv_std.data(), weight.data(), bias.data(), x.c(), x.h() * x.w(), x.size(),
            y.data());
    ISINGGAN_CUDA_CHECK_LAUNCH(normalize_kernel);
}

/// Synchronised batch norm is not on the GPU yet: a clear refusal, not per-rank statistics.
inline void refuse_batch_norm_sync(const collective* sync) {
    if (sync) throw argument_error("batch_norm2d: synchronised statistics (sync-bn) run on the cpu backend only, for now");
}

}  // namespace isinggan::cuda_detail

namespace isinggan::ops {

// The contracts of the three ops are written above their CPU overloads
// (backend/cpu/batch_norm.hpp), whose checks these share.

inline void batch_norm2d_forward_training(cuda, const tensor<cuda>& x, const tensor<cuda>& weight,
                                          const tensor<cuda>& bias, tensor<cuda>& running_mean,
                                          tensor<cuda>& running_var, float momentum, float eps, tensor<cuda>& y,
                                          tensor<cuda>& save_mean, tensor<cuda>& save_inv_std,
                                          collective* sync = nullptr) {
    cuda_detail::refuse_batch_norm_sync(sync);
    batch_norm_detail::prepare_forward(x, weight, bias, running_mean, running_var, true, save_mean, save_inv_std);
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

inline void batch_norm2d_forward_inference(cuda, const tensor<cuda>& x, const tensor<cuda>& weight,
                                           const tensor<cuda>& bias, const tensor<cuda>& running_mean,
                                           const tensor<cuda>& running_var, float eps, tensor<cuda>& y,
                                           tensor<cuda>& save_mean, tensor<cuda>& save_inv_std) {
    batch_norm_detail::prepare_forward(x, weight, bias, running_mean, running_var, false, save_mean, save_inv_std);
    cuda_detail::running_stats_kernel<<<cuda_detail::blocks_for(x.c()), cuda_detail::block_threads, 0, current_stream()>>>(
        running_mean.data(), running_var.data(), eps, x.c(), save_mean.data(), save_inv_std.data());
    ISINGGAN_CUDA_CHECK_LAUNCH(running_stats_kernel);
    cuda_detail::normalize(x, save_mean, save_inv_std, weight, bias, y);
}

inline void batch_norm2d_backward(cuda, const tensor<cuda>& x, const tensor<cuda>& dy, const tensor<cuda>& weight,
                                  const tensor<cuda>& save_mean, const tensor<cuda>& save_inv_std, bool training,
                                  tensor<cuda>& dx, tensor<cuda>& weight_grad, tensor<cuda>& bias_grad,
                                  collective* sync = nullptr) {
    cuda_detail::refuse_batch_norm_sync(sync);
    batch_norm_detail::check_backward(x, dy, weight, save_mean, save_inv_std, weight_grad, bias_grad);
    dx.resize(x.shape());
    using namespace cuda_detail;
    const std::size_t plane = x.h() * x.w(), count = x.n() * plane;
    const channel_split split = channel_split::of(count);
    double* scratch = channel_scratch(2 * x.c() * split.parts + x.c());
    double* sums = scratch;
    auto* coefficients = reinterpret_cast<float*>(scratch + 2 * x.c() * split.parts);  // 2 floats per channel
    batch_norm_grad_sums_kernel<<<dim3(split.parts, unsigned(x.c())), block_threads, 0, current_stream()>>>(
        x.data(), dy.data(), save_mean.data(), save_inv_std.data(), x.c(), plane, split, sums);
    ISINGGAN_CUDA_CHECK_LAUNCH(batch_norm_grad_sums_kernel);
    batch_norm_grad_finish_kernel<<<blocks_for(x.c()), block_threads, 0, current_stream()>>>(
        sums, split.parts, x.c(), count, training, weight_grad.data(), bias_grad.data(), coefficients);
    ISINGGAN_CUDA_CHECK_LAUNCH(batch_norm_grad_finish_kernel);
    if (x.size() < (std::size_t(1) << 31))
        batch_norm_dx_kernel<unsigned><<<blocks_for(x.size()), block_threads, 0, current_stream()>>>(
            x.data(), dy.data(), save_mean.data(), save_inv_std.data(), weight.data(), coefficients, unsigned(x.c()),
            unsigned(plane), unsigned(x.size()), dx.data());
    else
        batch_norm_dx_kernel<std::size_t><<<blocks_for(x.size()), block_threads, 0, current_stream()>>>(
            x.data(), dy.data(), save_mean.data(), save_inv_std.data(), weight.data(), coefficients, x.c(), plane,
            x.size(), dx.data());
    ISINGGAN_CUDA_CHECK_LAUNCH(batch_norm_dx_kernel);
}

}  // namespace isinggan::ops
