#pragma once
// Pooling on the GPU with the CPU definitions (backend/cpu/pooling.hpp): max_pool2d (the first maximum of each window wins, NaN
// wins, padding never does), avg_pool2d (count_include_pad, the divisor
// clipped at the padded edge) and global_avg_pool. The window is given at run
// time. Backward passes gather: one thread per input element adds up the
// windows that contain it in output order, as the CPU loop does, so there
// are no atomics.
#include <cstdint>
#include <string>

#include "isinggan/backend/cpu/pooling.hpp"  // pool_geometry: the checks and messages
#include "isinggan/backend/cuda/launch.cuh"
#include "isinggan/backend/cuda/tensor.hpp"

namespace isinggan {

/// A square pooling window: kernel, stride and zero padding.
struct pool_window {
    int kernel = 2, stride = 2, padding = 0;
};

namespace cuda_detail {

/// The pooled shape, with pool_geometry's checks and messages.
inline shape4 pooled_shape(const shape4& x, const pool_window& p, const char* name) {
    if (p.kernel < 1 || p.stride < 1 || p.padding < 0 || 2 * p.padding > p.kernel)
        throw argument_error(std::string(name) +
                             ": kernel and stride must be positive and padding at most half the kernel");
    require_nonempty(x, name);
    const std::size_t k = std::size_t(p.kernel), pad = std::size_t(p.padding), s = std::size_t(p.stride);
    if (x.h + 2 * pad < k || x.w + 2 * pad < k)
        throw shape_error(std::string(name) + ": input " + x.str() + " plus padding is smaller than the " +
                          std::to_string(k) + "x" + std::to_string(k) + " window");
    return {x.n, x.c, (x.h + 2 * pad - k) / s + 1, (x.w + 2 * pad - k) / s + 1};
}

/// Planes of h x w inputs and ho x wo outputs.
struct pool_dims {
    long h, w, ho, wo;
};

/// The outputs o whose window covers input index i on one axis: o*stride -
/// padding <= i <= o*stride - padding + kernel - 1, clipped to [0, outputs).
__device__ inline void covering_outputs(long i, long outputs, pool_window p, long& first, long& last) {
    const long lo = i + p.padding - p.kernel + 1;
    first = lo <= 0 ? 0 : (lo + p.stride - 1) / p.stride;
    last = (i + p.padding) / p.stride;
    if (last > outputs - 1) last = outputs - 1;
}

ISINGGAN_KERNEL void max_pool_forward_kernel(const float* x, float* y, std::int32_t* argmax, pool_window p,
                                             pool_dims d, std::size_t total) {
    ISINGGAN_GRID_STRIDE_LOOP(i, total) {
        const std::size_t plane = i / std::size_t(d.ho * d.wo);
        const long o = long(i % std::size_t(d.ho * d.wo)), oy = o / d.wo, ox = o % d.wo;
        const float* in = x + plane * std::size_t(d.h * d.w);
        float best = -INFINITY;
        long best_at = -1;
        for (long ky = 0; ky < p.kernel; ++ky) {
            const long iy = oy * p.stride - p.padding + ky;
            if (iy < 0 || iy >= d.h) continue;
            for (long kx = 0; kx < p.kernel; ++kx) {
                const long ix = ox * p.stride - p.padding + kx;
                if (ix < 0 || ix >= d.w) continue;
                const float v = in[iy * d.w + ix];
                if (v > best || best_at < 0 || v != v) {
                    best = v;
                    best_at = iy * d.w + ix;
                }
            }
        }
        y[i] = best;
        argmax[i] = std::int32_t(best_at);
    }
}

ISINGGAN_KERNEL void max_pool_backward_kernel(const float* dy, const std::int32_t* argmax, float* dx, pool_window p,
                                              pool_dims d, std::size_t total) {
    ISINGGAN_GRID_STRIDE_LOOP(i, total) {
        const std::size_t plane = i / std::size_t(d.h * d.w);
        const long at = long(i % std::size_t(d.h * d.w)), iy = at / d.w, ix = at % d.w;
        const float* g = dy + plane * std::size_t(d.ho * d.wo);
        const std::int32_t* arg = argmax + plane * std::size_t(d.ho * d.wo);
        long oy0, oy1, ox0, ox1;
        covering_outputs(iy, d.ho, p, oy0, oy1);
        covering_outputs(ix, d.wo, p, ox0, ox1);
        float s = 0.0f;
        for (long oy = oy0; oy <= oy1; ++oy)
            for (long ox = ox0; ox <= ox1; ++ox)
                if (arg[oy * d.wo + ox] == at) s += g[oy * d.wo + ox];
        dx[i] = s;
    }
}

/// avg_pool2d's window of output (oy, ox), clipped to the input, and its
/// 1 / size counting padding (the same arithmetic as the CPU layer).
struct avg_window {
    long y0, y1, x0, x1;
    float scale;
};

__device__ inline avg_window avg_window_of(long oy, long ox, pool_window p, pool_dims d) {
    const long y0 = oy * p.stride - p.padding, x0 = ox * p.stride - p.padding;
    const long y1 = min(y0 + p.kernel, d.h + p.padding), x1 = min(x0 + p.kernel, d.w + p.padding);
    const float scale = 1.0f / float((y1 - y0) * (x1 - x0));
    return {max(y0, 0L), min(y1, d.h), max(x0, 0L), min(x1, d.w), scale};
}

ISINGGAN_KERNEL void avg_pool_forward_kernel(const float* x, float* y, pool_window p, pool_dims d,
                                             std::size_t total) {
    ISINGGAN_GRID_STRIDE_LOOP(i, total) {
        const std::size_t plane = i / std::size_t(d.ho * d.wo);
        const long o = long(i % std::size_t(d.ho * d.wo)), oy = o / d.wo, ox = o % d.wo;
        const float* in = x + plane * std::size_t(d.h * d.w);
        const avg_window win = avg_window_of(oy, ox, p, d);
        float s = 0.0f;
        for (long iy = win.y0; iy < win.y1; ++iy)
            for (long ix = win.x0; ix < win.x1; ++ix) s += in[iy * d.w + ix];
        y[i] = s * win.scale;
    }
}

ISINGGAN_KERNEL void avg_pool_backward_kernel(const float* dy, float* dx, pool_window p, pool_dims d,
                                              std::size_t total) {
    ISINGGAN_GRID_STRIDE_LOOP(i, total) {
        const std::size_t plane = i / std::size_t(d.h * d.w);
        const long at = long(i % std::size_t(d.h * d.w)), iy = at / d.w, ix = at % d.w;
        const float* g = dy + plane * std::size_t(d.ho * d.wo);
        long oy0, oy1, ox0, ox1;
        covering_outputs(iy, d.ho, p, oy0, oy1);
        covering_outputs(ix, d.wo, p, ox0, ox1);
        float s = 0.0f;
        for (long oy = oy0; oy <= oy1; ++oy)
            for (long ox = ox0; ox <= ox1; ++ox) s += g[oy * d.wo + ox] * avg_window_of(oy, ox, p, d).scale;
        dx[i] = s;
    }
}

/// Block t: y[t] = mean of plane t, summed in double.
ISINGGAN_KERNEL void plane_mean_kernel(const float* x, std::size_t plane, float* y) {
    const float* p = x + std::size_t(blockIdx.x) * plane;
    double s = 0.0;
    for (std::size_t i = threadIdx.x; i < plane; i += blockDim.x) s += p[i];
    const double total = block_sum(s);
    if (threadIdx.x == 0) y[blockIdx.x] = float(total / double(plane));
}

ISINGGAN_KERNEL void plane_spread_kernel(const float* dy, std::size_t plane, float* dx, std::size_t total) {
    ISINGGAN_GRID_STRIDE_LOOP(i, total) dx[i] = dy[i / plane] / float(plane);
}

inline pool_dims dims_of(const shape4& x, const shape4& y) { return {long(x.h), long(x.w), long(y.h), long(y.w)}; }

}  // namespace cuda_detail

namespace ops {

/// y = max_pool2d(x); argmax receives each window's winner (an offset in its
/// plane) for the backward pass. y and argmax are resized.
inline void max_pool2d_forward(cuda, const tensor<cuda>& x, tensor<cuda>& y, device_buffer<std::int32_t>& argmax,
                               const pool_window& p) {
    y.resize(cuda_detail::pooled_shape(x.shape(), p, "max_pool2d"));
    argmax.resize(y.size());
    cuda_detail::max_pool_forward_kernel<<<cuda_detail::blocks_for(y.size()), cuda_detail::block_threads, 0, current_stream()>>>(
        x.data(), y.data(), argmax.data(), p, cuda_detail::dims_of(x.shape(), y.shape()), y.size());
    ISINGGAN_CUDA_CHECK_LAUNCH(max_pool_forward_kernel);
}

/// dx = dL/dx of max_pool2d; dx is resized to `input_shape`.
inline void max_pool2d_backward(cuda, const tensor<cuda>& dy, const device_buffer<std::int32_t>& argmax,
                                const shape4& input_shape, tensor<cuda>& dx, const pool_window& p) {
    require_shape(dy.shape(), cuda_detail::pooled_shape(input_shape, p, "max_pool2d"), "max_pool2d: output gradient");
    if (argmax.size() != dy.size()) throw argument_error("max_pool2d: backward needs the forward's argmax");
    dx.resize(input_shape);
    cuda_detail::max_pool_backward_kernel<<<cuda_detail::blocks_for(dx.size()), cuda_detail::block_threads, 0, current_stream()>>>(
        dy.data(), argmax.data(), dx.data(), p, cuda_detail::dims_of(input_shape, dy.shape()), dx.size());
    ISINGGAN_CUDA_CHECK_LAUNCH(max_pool_backward_kernel);
}

/// y = avg_pool2d(x) (count_include_pad); y is resized.
inline void avg_pool2d_forward(cuda, const tensor<cuda>& x, tensor<cuda>& y, const pool_window& p) {
    y.resize(cuda_detail::pooled_shape(x.shape(), p, "avg_pool2d"));
    cuda_detail::avg_pool_forward_kernel<<<cuda_detail::blocks_for(y.size()), cuda_detail::block_threads, 0, current_stream()>>>(
        x.data(), y.data(), p, cuda_detail::dims_of(x.shape(), y.shape()), y.size());
    ISINGGAN_CUDA_CHECK_LAUNCH(avg_pool_forward_kernel);
}

/// dx = dL/dx of avg_pool2d; dx is resized to `input_shape`.
inline void avg_pool2d_backward(cuda, const tensor<cuda>& dy, const shape4& input_shape, tensor<cuda>& dx,
                                const pool_window& p) {
    require_shape(dy.shape(), cuda_detail::pooled_shape(input_shape, p, "avg_pool2d"), "avg_pool2d: output gradient");
    dx.resize(input_shape);
    cuda_detail::avg_pool_backward_kernel<<<cuda_detail::blocks_for(dx.size()), cuda_detail::block_threads, 0, current_stream()>>>(
        dy.data(), dx.data(), p, cuda_detail::dims_of(input_shape, dy.shape()), dx.size());
    ISINGGAN_CUDA_CHECK_LAUNCH(avg_pool_backward_kernel);
}

/// y[n][c] = mean of plane (n, c); y is resized to [N, C, 1, 1].
inline void global_avg_pool_forward(cuda, const tensor<cuda>& x, tensor<cuda>& y) {
    require_nonempty(x.shape(), "global_avg_pool");
    y.resize({x.n(), x.c(), 1, 1});
    cuda_detail::plane_mean_kernel<<<unsigned(x.n() * x.c()), cuda_detail::block_threads, 0, current_stream()>>>(
        x.data(), x.shape().plane_size(), y.data());
    ISINGGAN_CUDA_CHECK_LAUNCH(plane_mean_kernel);
}

/// dx = dy / (H W) spread over each plane; dx is resized to `input_shape`.
inline void global_avg_pool_backward(cuda, const tensor<cuda>& dy, const shape4& input_shape, tensor<cuda>& dx) {
    require_nonempty(input_shape, "global_avg_pool");
    require_shape(dy.shape(), {input_shape.n, input_shape.c, 1, 1}, "global_avg_pool: output gradient");
    dx.resize(input_shape);
    cuda_detail::plane_spread_kernel<<<cuda_detail::blocks_for(dx.size()), cuda_detail::block_threads, 0, current_stream()>>>(
        dy.data(), input_shape.plane_size(), dx.data(), dx.size());
    ISINGGAN_CUDA_CHECK_LAUNCH(plane_spread_kernel);
}

/// The forms the pooling layers call on any backend (backend/cpu/pooling.hpp):
/// the window as template arguments, checked with the CPU's messages.
template <int Kernel, int Stride, int Padding>
void max_pool2d_forward(cuda, const tensor<cuda>& x, tensor<cuda>& y, device_buffer<std::int32_t>& argmax) {
    pool_detail::pool_geometry<Kernel, Stride, Padding>::output_shape(x.shape(), "max_pool2d");
    max_pool2d_forward(cuda{}, x, y, argmax, pool_window{Kernel, Stride, Padding});
}
template <int Kernel, int Stride, int Padding>
void max_pool2d_backward(cuda, const tensor<cuda>& dy, const device_buffer<std::int32_t>& argmax,
                         const shape4& input_shape, tensor<cuda>& dx) {
    max_pool2d_backward(cuda{}, dy, argmax, input_shape, dx, pool_window{Kernel, Stride, Padding});
}
template <int Kernel, int Stride, int Padding>
void avg_pool2d_forward(cuda, const tensor<cuda>& x, tensor<cuda>& y) {
    pool_detail::pool_geometry<Kernel, Stride, Padding>::output_shape(x.shape(), "avg_pool2d");
    avg_pool2d_forward(cuda{}, x, y, pool_window{Kernel, Stride, Padding});
}
template <int Kernel, int Stride, int Padding>
void avg_pool2d_backward(cuda, const tensor<cuda>& dy, const shape4& input_shape, tensor<cuda>& dx) {
    avg_pool2d_backward(cuda{}, dy, input_shape, dx, pool_window{Kernel, Stride, Padding});
}

}  // namespace ops
}  // namespace isinggan
