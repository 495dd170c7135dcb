#pragma once
// Per-channel reductions over batch and space on the GPU, as
// backend/cpu/reduce.hpp: channel_sum and channel_mean_var (in double,
// biased variance). A channel's values are split among many blocks, each
// taking two passes over its run, and the runs' moments are merged exactly.
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

/// Element i of channel c's N*H*W values in an NCHW tensor (32-bit division
/// where the sizes allow: 64-bit division is slow on the GPU).
__device__ inline std::size_t channel_element(std::size_t i, std::size_t c, std::size_t channels, std::size_t plane) {
    if ((i >> 32) == 0 && (plane >> 32) == 0) {
        const unsigned q = unsigned(i) / unsigned(plane), r = unsigned(i) - q * unsigned(plane);
        return (std::size_t(q) * channels + c) * plane + r;
    }
    return ((i / plane) * channels + c) * plane + i % plane;
}

/// How a channel's N*H*W values are split among blocks: each block takes a
/// contiguous run of at least `min_chunk` values, so that channels with
/// millions of values (the generator's heads at 128 x 128) still spread over
/// the whole GPU rather than one block each.
struct channel_split {
    std::size_t count = 0;  // values per channel
    unsigned parts = 1;     // blocks per channel
    std::size_t chunk = 0;  // values per block (the last may get fewer)

    static channel_split of(std::size_t count) {
        constexpr std::size_t min_chunk = 8192, max_parts = 256;
        channel_split s;
        s.count = count;
        const std::size_t want = (count + min_chunk - 1) / min_chunk;
        s.parts = unsigned(want < 1 ? 1 : (want > max_parts ? max_parts : want));
        s.chunk = (count + s.parts - 1) / s.parts;
        return s;
    }

    /// First of the values block `part` takes.
    __device__ std::size_t begin(std::size_t part) const { return part * chunk; }
    /// One past the last of them.
    __device__ std::size_t end(std::size_t part) const {
        return (part + 1) * chunk < count ? (part + 1) * chunk : count;
    }
};

/// The partial statistics of one block's run of values: count, mean and the
/// sum of squared deviations from that mean (two passes over the run, which
/// stays in cache), in double. Merged exactly by Chan's formula.
struct moments {
    double n, mean, m2;
};

/// Per-channel scratch for the split reductions: grows to the largest request, then stays.
inline double* channel_scratch(std::size_t doubles) {
    thread_local device_buffer<double> scratch;
    if (scratch.size() < doubles) scratch.resize(doubles);
    return scratch.data();
}

/// grid (parts, channels): block (p, c) writes the moments of its run of channel c.
ISINGGAN_KERNEL void channel_moments_kernel(const float* x, std::size_t channels, std::size_t plane,
                                            channel_split split, moments* out) {
    const std::size_t c = blockIdx.y, part = blockIdx.x;
    const std::size_t lo = split.begin(part), hi = split.end(part);
    double s = 0.0;
    for (std::size_t i = lo + threadIdx.x; i < hi; i += blockDim.x) s += x[channel_element(i, c, channels, plane)];
    const double count = hi > lo ? double(hi - lo) : 0.0;
    const double total = block_sum(s);  // every thread of the block calls it
    const double m = count > 0 ? total / count : 0.0;
    double q = 0.0;
    for (std::size_t i = lo + threadIdx.x; i < hi; i += blockDim.x) {
        const double d = x[channel_element(i, c, channels, plane)] - m;
        q += d * d;
    }
    const double m2 = block_sum(q);
    if (threadIdx.x == 0) out[c * split.parts + part] = moments{count, m, m2};
}

/// One thread per channel: merges the parts' moments and writes the outputs.
ISINGGAN_KERNEL void channel_moments_finish_kernel(const moments* parts, unsigned part_count, std::size_t channels,
                                                   channel_stats_outputs out) {
    ISINGGAN_GRID_STRIDE_LOOP(c, channels) {
        double n = 0.0, mean = 0.0, m2 = 0.0;
        for (unsigned p = 0; p < part_count; ++p) {
            const moments b = parts[c * part_count + p];
            if (b.n == 0.0) continue;
            const double total = n + b.n, delta = b.mean - mean;
            mean += delta * b.n / total;
            m2 += b.m2 + delta * delta * n * b.n / total;
            n = total;
        }
        const double var = m2 / n;
        // The same float/double steps as the CPU batch norm, so both round alike.
        const float mean_f = float(mean), var_f = float(var);
        if (out.mean) out.mean[c] = mean_f;
        if (out.var) out.var[c] = var_f;
        if (out.inv_std) out.inv_std[c] = float(1.0 / sqrt(double(var_f) + out.eps));
        if (out.running_mean) {
            const float mo = out.momentum;
            const double unbias = n / (n - 1.0);
            out.running_mean[c] = (1.0f - mo) * out.running_mean[c] + mo * mean_f;
            out.running_var[c] = float((1.0 - mo) * out.running_var[c] + mo * var_f * unbias);
        }
    }
}

/// grid (parts, channels): block (p, c) sums its run of channel c's values, in double.
ISINGGAN_KERNEL void channel_sum_parts_kernel(const float* x, std::size_t channels, std::size_t plane,
                                              channel_split split, double* parts) {
    const std::size_t c = blockIdx.y, part = blockIdx.x;
    const std::size_t lo = split.begin(part), hi = split.end(part);
    double s = 0.0;
    for (std::size_t i = lo + threadIdx.x; i < hi; i += blockDim.x) s += x[channel_element(i, c, channels, plane)];
    const double total = block_sum(s);
    if (threadIdx.x == 0) parts[c * split.parts + part] = total;
}

/// One thread per channel: out[c] = (accumulate ? out[c] : 0) + the parts' sum.
ISINGGAN_KERNEL void channel_sum_finish_kernel(const double* parts, unsigned part_count, std::size_t channels,
                                               bool accumulate, float* out) {
    ISINGGAN_GRID_STRIDE_LOOP(c, channels) {
        double s = 0.0;
        for (unsigned p = 0; p < part_count; ++p) s += parts[c * part_count + p];
        out[c] = accumulate ? out[c] + float(s) : float(s);
    }
}

/// out[c] (+)= the sum of channel c over batch and space; out is device memory.
inline void channel_sum_into(const tensor<cuda>& x, float* out, bool accumulate) {
    const channel_split split = channel_split::of(x.n() * x.h() * x.w());
    double* parts = channel_scratch(x.c() * split.parts);
    channel_sum_parts_kernel<<<dim3(split.parts, unsigned(x.c())), block_threads, 0, current_stream()>>>(x.data(), x.c(), x.h() * x.w(),
                                                                                   split, parts);
    ISINGGAN_CUDA_CHECK_LAUNCH(channel_sum_parts_kernel);
    channel_sum_finish_kernel<<<blocks_for(x.c()), block_threads, 0, current_stream()>>>(parts, split.parts, x.c(), accumulate, out);
    ISINGGAN_CUDA_CHECK_LAUNCH(channel_sum_finish_kernel);
}

inline void channel_stats(const tensor<cuda>& x, const channel_stats_outputs& out) {
    const channel_split split = channel_split::of(x.n() * x.h() * x.w());
    auto* parts = reinterpret_cast<moments*>(channel_scratch(3 * x.c() * split.parts));
    channel_moments_kernel<<<dim3(split.parts, unsigned(x.c())), block_threads, 0, current_stream()>>>(x.data(), x.c(), x.h() * x.w(),
                                                                                 split, parts);
    ISINGGAN_CUDA_CHECK_LAUNCH(channel_moments_kernel);
    channel_moments_finish_kernel<<<blocks_for(x.c()), block_threads, 0, current_stream()>>>(parts, split.parts, x.c(), out);
    ISINGGAN_CUDA_CHECK_LAUNCH(channel_moments_finish_kernel);
}

}  // namespace isinggan::cuda_detail

namespace isinggan::ops {

/// db (+)= dL/dbias of a convolution: the sum of dy over batch and space,
/// one value per channel; db is device memory.
inline void conv2d_backward_bias(cuda, const tensor<cuda>& dy, std::span<float> db, bool accumulate = true) {
    require_nonempty(dy.shape(), "conv2d_backward_bias");
    if (db.size() != dy.c())
        throw shape_error("conv2d_backward_bias: bias gradient has " + std::to_string(db.size()) + " values for " +
                          std::to_string(dy.c()) + " channels of " + dy.shape().str());
    cuda_detail::channel_sum_into(dy, db.data(), accumulate);
}

/// The same for a transposed convolution (its bias also adds per output channel).
inline void conv_transpose2d_backward_bias(cuda, const tensor<cuda>& dy, std::span<float> db,
                                           bool accumulate = true) {
    conv2d_backward_bias(cuda{}, dy, db, accumulate);
}

/// sum[c] = sum of x[n][c][:][:] over n and space (sum: device memory).
inline void channel_sum(cuda, const tensor<cuda>& x, std::span<float> sum) {
    require_nonempty(x.shape(), "channel_sum");
    if (sum.size() != x.c())
        throw shape_error("channel_sum: need " + std::to_string(x.c()) + " sums for tensor " + x.shape().str());
    cuda_detail::channel_sum_into(x, sum.data(), false);
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
