#pragma once
// Per-channel reductions over batch and space on the GPU, as
// backend/cpu/reduce.hpp: channel_sum and channel_mean_var (two passes in
// double, biased variance). One block per channel: simple, and enough
// parallelism for the channel counts of the paper's networks.
#include <span>
#include <string>

#include "isinggan/backend/cuda/conv2d.hpp"
#include "isinggan/backend/cuda/launch.cuh"
#include "isinggan/backend/cuda/tensor.hpp"

namespace isinggan::cuda_detail {

/// Where channel_stats_kernel writes; null pointers are skipped. With
/// running_mean/running_var it also moves batch norm's running statistics
/// as PyTorch does (momentum, unbiased variance for running_var).
struct channel_stats_outputs {
    float* mean = nullptr;
    float* var = nullptr;      // biased (divisor N*H*W)
    float* inv_std = nullptr;  // 1 / sqrt(var + eps), computed in double
    float* running_mean = nullptr;
    float* running_var = nullptr;
    float momentum = 0.1f;
    float eps = 1e-5f;
};

/// Element i of channel c's N*H*W values in an NCHW tensor.
__device__ inline std::size_t channel_element(std::size_t i, std::size_t c, std::size_t channels, std::size_t plane) {
    return ((i / plane) * channels + c) * plane + i % plane;
}

/// Block c computes channel c's statistics. Launch with `channels` blocks of block_threads.
ISINGGAN_KERNEL void channel_stats_kernel(const float* x, std::size_t n, std::size_t channels, std::size_t plane,
                                          channel_stats_outputs out) {
    const std::size_t c = blockIdx.x;
    const std::size_t count = n * plane;
    double s = 0.0;
    for (std::size_t i = threadIdx.x; i < count; i += blockDim.x) s += x[channel_element(i, c, channels, plane)];
    const double m = block_sum(s) / double(count);
    double q = 0.0;
    for (std::size_t i = threadIdx.x; i < count; i += blockDim.x) {
        const double d = x[channel_element(i, c, channels, plane)] - m;
        q += d * d;
    }
    const double var = block_sum(q) / double(count);
    if (threadIdx.x != 0) return;
    // The same float/double steps as the CPU batch norm, so both round alike.
    const float mean_f = float(m), var_f = float(var);
    if (out.mean) out.mean[c] = mean_f;
    if (out.var) out.var[c] = var_f;
    if (out.inv_std) out.inv_std[c] = float(1.0 / sqrt(double(var_f) + out.eps));
    if (out.running_mean) {
        const float mo = out.momentum;
        const double unbias = double(count) / double(count - 1);
        out.running_mean[c] = (1.0f - mo) * out.running_mean[c] + mo * mean_f;
        out.running_var[c] = float((1.0 - mo) * out.running_var[c] + mo * var_f * unbias);
    }
}

inline void channel_stats(const tensor<cuda>& x, const channel_stats_outputs& out) {
    channel_stats_kernel<<<unsigned(x.c()), block_threads>>>(x.data(), x.n(), x.c(), x.h() * x.w(), out);
    ISINGGAN_CUDA_CHECK_LAUNCH(channel_stats_kernel);
}

}  // namespace isinggan::cuda_detail

namespace isinggan::ops {

/// sum[c] = sum of x[n][c][:][:] over n and space (sum: device memory).
inline void channel_sum(cuda, const tensor<cuda>& x, std::span<float> sum) {
    conv2d_backward_bias(cuda{}, x, sum, false);
}

/// Per-channel mean and biased variance (divisor N*H*W), two passes in double;
/// mean and var are device memory.
inline void channel_mean_var(cuda, const tensor<cuda>& x, std::span<float> mean, std::span<float> var) {
    require_nonempty(x.shape(), "channel_mean_var");
    if (mean.size() != x.c() || var.size() != x.c())
        throw shape_error("channel_mean_var: need " + std::to_string(x.c()) + " means and variances for tensor " +
                          x.shape().str());
    cuda_detail::channel_stats_outputs out;
    out.mean = mean.data();
    out.var = var.data();
    cuda_detail::channel_stats(x, out);
}

}  // namespace isinggan::ops
