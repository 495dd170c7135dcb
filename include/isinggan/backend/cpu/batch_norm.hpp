#pragma once
// Batch normalisation over [N, C, H, W] on the CPU, with PyTorch's
// definitions (layers/batch_norm.hpp says what the layer does with them); the
// `cuda` overloads are in backend/cuda/batch_norm.cuh. The per-channel
// vectors (weight, bias, running_mean, running_var, and the saved mean and
// 1/std of the last forward) are [C, 1, 1, 1] tensors, as the layer stores them.
//
//   training:    mean, var = the batch's (biased) statistics over N, H, W;
//                running = (1 - momentum) running + momentum batch, the
//                unbiased variance for running_var
//   evaluation:  mean, var = running_mean, running_var
//   both:        y = weight ((x - mean) / sqrt(var + eps)) + bias
//
// Synchronised batch norm (data-parallel training, core/collective.hpp):
// given a communicator, the training forward and the backward take their
// per-channel sums over the whole global batch, all-reduced over the ranks,
// so that R ranks of N/R samples compute what one process of N would.
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "isinggan/backend/cpu/reduce.hpp"
#include "isinggan/backend/cpu/threading.hpp"
#include "isinggan/core/collective.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan::batch_norm_detail {

/// The checks both backends share.
template <class Tensor>
void require_channel_vector(const Tensor& v, std::size_t channels, const char* what) {
    if (v.size() != channels)
        throw shape_error(std::string("batch_norm2d: ") + what + " has " + std::to_string(v.size()) + " values for " +
                          std::to_string(channels) + " channels");
}

template <class Tensor>
void check_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                   const Tensor& running_var, bool training) {
    require_nonempty(x.shape(), "batch_norm2d");
    require_channel_vector(weight, x.c(), "weight");
    require_channel_vector(bias, x.c(), "bias");
    require_channel_vector(running_mean, x.c(), "running_mean");
    require_channel_vector(running_var, x.c(), "running_var");
    if (training && x.n() * x.h() * x.w() < 2)
        throw shape_error("batch_norm2d: training needs more than one value per channel, got input " + x.shape().str());
}

/// The checks of either forward; sizes the saved statistics to [C, 1, 1, 1].
template <class Tensor>
void prepare_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                     const Tensor& running_var, bool training, Tensor& save_mean, Tensor& save_inv_std) {
    check_forward(x, weight, bias, running_mean, running_var, training);
    save_mean.resize({x.c(), 1, 1, 1});
    save_inv_std.resize({x.c(), 1, 1, 1});
}

template <class Tensor>
void check_backward(const Tensor& x, const Tensor& dy, const Tensor& weight, const Tensor& save_mean,
                    const Tensor& save_inv_std, const Tensor& weight_grad, const Tensor& bias_grad) {
    require_nonempty(x.shape(), "batch_norm2d");
    require_shape(dy.shape(), x.shape(), "batch_norm2d: output gradient");
    require_channel_vector(weight, x.c(), "weight");
    require_channel_vector(save_mean, x.c(), "saved mean");
    require_channel_vector(save_inv_std, x.c(), "saved 1/std");
    require_channel_vector(weight_grad, x.c(), "weight gradient");
    require_channel_vector(bias_grad, x.c(), "bias gradient");
}

/// y = weight ((x - mean) inv_std) + bias, per channel.
inline void normalize(const tensor<cpu>& x, const tensor<cpu>& mean, const tensor<cpu>& inv_std,
                      const tensor<cpu>& weight, const tensor<cpu>& bias, tensor<cpu>& y) {
    y.resize(x.shape());
    const std::size_t channels = x.c(), plane = x.shape().plane_size();
    cpu_detail::parallel_for(long(x.n() * channels), plane * 4, [&](long t) {
        const std::size_t c = std::size_t(t) % channels;
        const float mu = mean.data()[c], s = inv_std.data()[c], g = weight.data()[c], b = bias.data()[c];
        const float* xp = x.data() + t * plane;
        float* yp = y.data() + t * plane;
        for (std::size_t i = 0; i < plane; ++i) yp[i] = g * ((xp[i] - mu) * s) + b;
    });
}

/// The biased mean and variance of each channel over the global batch: two
/// passes (the mean, then the squared deviations from it), each a per-channel
/// sum all-reduced over the ranks with the element count, which is returned.
inline double synced_mean_var(const tensor<cpu>& x, collective& sync, float* mean, float* var) {
    const std::size_t channels = x.c(), n = x.n(), plane = x.shape().plane_size();
    thread_local std::vector<double> sums, squares;  // reused: no allocation per step once warm
    sums.assign(channels + 1, 0.0);
    cpu_detail::parallel_for(long(channels), n * plane, [&](long c) {
        double s = 0.0;
        for (std::size_t b = 0; b < n; ++b) {
            const float* p = x.plane(b, std::size_t(c));
            for (std::size_t i = 0; i < plane; ++i) s += p[i];
        }
        sums[std::size_t(c)] = s;
    });
    sums[channels] = double(n * plane);
    sync.all_reduce_sum(std::span<double>(sums));
    const double count = sums[channels];
    squares.assign(channels, 0.0);
    cpu_detail::parallel_for(long(channels), n * plane * 2, [&](long c) {
        const double mu = sums[std::size_t(c)] / count;
        double s = 0.0;
        for (std::size_t b = 0; b < n; ++b) {
            const float* p = x.plane(b, std::size_t(c));
            for (std::size_t i = 0; i < plane; ++i) s += (p[i] - mu) * (p[i] - mu);
        }
        squares[std::size_t(c)] = s;
    });
    sync.all_reduce_sum(std::span<double>(squares));
    for (std::size_t c = 0; c < channels; ++c) {
        mean[c] = float(sums[c] / count);
        var[c] = float(squares[c] / count);
    }
    return count;
}

/// The training backward with the two per-channel sums all-reduced over the ranks.
inline void synced_backward(const tensor<cpu>& x, const tensor<cpu>& dy, const tensor<cpu>& weight,
                            const tensor<cpu>& save_mean, const tensor<cpu>& save_inv_std, collective& sync,
                            tensor<cpu>& dx, tensor<cpu>& weight_grad, tensor<cpu>& bias_grad) {
    const std::size_t channels = x.c(), n = dy.n(), plane = dy.shape().plane_size();
    thread_local std::vector<double> sums;  // Σ dy, Σ dy xhat per channel, then the count
    sums.assign(2 * channels + 1, 0.0);
    cpu_detail::parallel_for(long(channels), n * plane * 4, [&](long c) {
        const float mu = save_mean.data()[c], s = save_inv_std.data()[c];
        double sum_dy = 0.0, sum_dy_xhat = 0.0;
        for (std::size_t b = 0; b < n; ++b) {
            const float* d = dy.plane(b, std::size_t(c));
            const float* xp = x.plane(b, std::size_t(c));
            for (std::size_t i = 0; i < plane; ++i) {
                sum_dy += d[i];
                sum_dy_xhat += double(d[i]) * ((xp[i] - mu) * s);
            }
        }
        weight_grad.data()[c] += float(sum_dy_xhat);
        bias_grad.data()[c] += float(sum_dy);
        sums[std::size_t(c)] = sum_dy;
        sums[channels + std::size_t(c)] = sum_dy_xhat;
    });
    sums[2 * channels] = double(n * plane);
    sync.all_reduce_sum(std::span<double>(sums));
    const double count = sums[2 * channels];
    cpu_detail::parallel_for(long(channels), n * plane * 4, [&](long c) {
        const float mu = save_mean.data()[c], s = save_inv_std.data()[c];
        const float k = weight.data()[c] * s;
        const float mean_dy = float(sums[std::size_t(c)] / count);
        const float mean_dy_xhat = float(sums[channels + std::size_t(c)] / count);
        for (std::size_t b = 0; b < n; ++b) {
            const float* d = dy.plane(b, std::size_t(c));
            const float* xp = x.plane(b, std::size_t(c));
            float* out = dx.plane(b, std::size_t(c));
            for (std::size_t i = 0; i < plane; ++i) out[i] = k * (d[i] - mean_dy - (xp[i] - mu) * s * mean_dy_xhat);
        }
    });
}

}  // namespace isinggan::batch_norm_detail

namespace isinggan::ops {

/// Training forward: y from the batch statistics, which are saved (mean and
/// 1/std, resized to [C, 1, 1, 1]) for the backward pass; the running
/// statistics move by `momentum`. With `sync`, the statistics of the global
/// batch (every rank must then call it, in the same order).
inline void batch_norm2d_forward_training(cpu, const tensor<cpu>& x, const tensor<cpu>& weight,
                                          const tensor<cpu>& bias, tensor<cpu>& running_mean,
                                          tensor<cpu>& running_var, float momentum, float eps, tensor<cpu>& y,
                                          tensor<cpu>& save_mean, tensor<cpu>& save_inv_std,
                                          collective* sync = nullptr) {
    batch_norm_detail::prepare_forward(x, weight, bias, running_mean, running_var, true, save_mean, save_inv_std);
    // The biased variance lands in save_inv_std and is turned into 1/std in place.
    double count = double(x.n() * x.h() * x.w());
    if (sync) {
        count = batch_norm_detail::synced_mean_var(x, *sync, save_mean.data(), save_inv_std.data());
    } else {
        channel_mean_var(cpu{}, x, save_mean.values(), save_inv_std.values());
    }
    const double unbias = count / (count - 1);
    float* mean = save_mean.data();
    float* inv_std = save_inv_std.data();
    for (std::size_t c = 0; c < x.c(); ++c) {
        const float var = inv_std[c];
        inv_std[c] = float(1.0 / std::sqrt(double(var) + eps));
        running_mean.data()[c] = (1.0f - momentum) * running_mean.data()[c] + momentum * mean[c];
        running_var.data()[c] = float((1.0 - momentum) * running_var.data()[c] + momentum * var * unbias);
    }
    batch_norm_detail::normalize(x, save_mean, save_inv_std, weight, bias, y);
}

/// Evaluation forward: y from the running statistics; the mean and 1/std used
/// are saved for the backward pass as in training.
inline void batch_norm2d_forward_inference(cpu, const tensor<cpu>& x, const tensor<cpu>& weight,
                                           const tensor<cpu>& bias, const tensor<cpu>& running_mean,
                                           const tensor<cpu>& running_var, float eps, tensor<cpu>& y,
                                           tensor<cpu>& save_mean, tensor<cpu>& save_inv_std) {
    batch_norm_detail::prepare_forward(x, weight, bias, running_mean, running_var, false, save_mean, save_inv_std);
    for (std::size_t c = 0; c < x.c(); ++c) {
        save_mean.data()[c] = running_mean.data()[c];
        save_inv_std.data()[c] = float(1.0 / std::sqrt(double(running_var.data()[c]) + eps));
    }
    batch_norm_detail::normalize(x, save_mean, save_inv_std, weight, bias, y);
}

/// Backward of either forward (`training` says which one ran): dx is resized
/// to x's shape; weight_grad and bias_grad are added to.
///   training:   dx = w s / M (M dy - Σ dy - xhat Σ dy xhat)
///   evaluation: dx = w s dy
/// with s = 1/std, xhat = (x - mean) s recomputed from the input, sums per
/// channel over N, H, W (M values) in double; dweight += Σ dy xhat, dbias += Σ dy.
/// With `sync` (a synchronised training forward), the two sums run over the
/// global batch; dweight and dbias still add this rank's share only, as every
/// parameter gradient of a data-parallel step (the trainers average them).
inline void batch_norm2d_backward(cpu, const tensor<cpu>& x, const tensor<cpu>& dy, const tensor<cpu>& weight,
                                  const tensor<cpu>& save_mean, const tensor<cpu>& save_inv_std, bool training,
                                  tensor<cpu>& dx, tensor<cpu>& weight_grad, tensor<cpu>& bias_grad,
                                  collective* sync = nullptr) {
    batch_norm_detail::check_backward(x, dy, weight, save_mean, save_inv_std, weight_grad, bias_grad);
    const std::size_t n = dy.n(), plane = dy.shape().plane_size();
    dx.resize(dy.shape());
    if (sync && training) {
        batch_norm_detail::synced_backward(x, dy, weight, save_mean, save_inv_std, *sync, dx, weight_grad, bias_grad);
        return;
    }
    const double count = double(n * plane);
    cpu_detail::parallel_for(long(x.c()), n * plane * 6, [&](long c) {
        const float mu = save_mean.data()[c], s = save_inv_std.data()[c];
        double sum_dy = 0.0, sum_dy_xhat = 0.0;
        for (std::size_t b = 0; b < n; ++b) {
            const float* d = dy.plane(b, c);
            const float* xp = x.plane(b, c);
            for (std::size_t i = 0; i < plane; ++i) {
                sum_dy += d[i];
                sum_dy_xhat += double(d[i]) * ((xp[i] - mu) * s);
            }
        }
        weight_grad.data()[c] += float(sum_dy_xhat);
        bias_grad.data()[c] += float(sum_dy);
        const float k = weight.data()[c] * s;
        const float mean_dy = training ? float(sum_dy / count) : 0.0f;
        const float mean_dy_xhat = training ? float(sum_dy_xhat / count) : 0.0f;
        for (std::size_t b = 0; b < n; ++b) {
            const float* d = dy.plane(b, c);
            const float* xp = x.plane(b, c);
            float* out = dx.plane(b, c);
            for (std::size_t i = 0; i < plane; ++i) out[i] = k * (d[i] - mean_dy - (xp[i] - mu) * s * mean_dy_xhat);
        }
    });
}

}  // namespace isinggan::ops
