#pragma once
// Pooling on the CPU, with PyTorch's definitions:
//   - max_pool2d: the largest value of each window (padding never wins, NaN
//     does, the first maximum on ties); backward routes each output gradient
//     to the element that won its window;
//   - avg_pool2d: the mean of each window, count_include_pad = True (zero
//     padding counts towards the divisor, clipped at the padded edge);
//   - global_avg_pool: the mean of each channel plane, [N, C, H, W] -> [N, C, 1, 1].
// The window is a template argument (Kernel, Stride, Padding), so the loops
// are compiled for it; the `cuda` overloads (backend/cuda/pooling.cuh) take
// the same form. Output size: floor((H + 2 pad − kernel) / stride) + 1.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "isinggan/backend/cpu/threading.hpp"
#include "isinggan/core/aligned_buffer.hpp"
#include "isinggan/core/backend.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan {

namespace pool_detail {

template <int Kernel, int Stride, int Padding>
struct pool_geometry {
    static_assert(Kernel > 0 && Stride > 0, "pooling: kernel and stride must be positive");
    static_assert(Padding >= 0 && 2 * Padding <= Kernel,
                  "pooling: padding must be at most half the kernel (as PyTorch requires)");

    /// Output shape for input x; throws shape_error when x is smaller than a window.
    static shape4 output_shape(const shape4& x, const char* name) {
        require_nonempty(x, name);
        if (x.h + 2 * Padding < std::size_t(Kernel) || x.w + 2 * Padding < std::size_t(Kernel))
            throw shape_error(std::string(name) + ": input " + x.str() + " plus padding is smaller than the " +
                              std::to_string(Kernel) + "x" + std::to_string(Kernel) + " window");
        return {x.n, x.c, (x.h + 2 * Padding - Kernel) / Stride + 1, (x.w + 2 * Padding - Kernel) / Stride + 1};
    }
};

/// An average-pooling window, clipped to the input, with its divisor.
struct avg_window {
    long y0, y1, x0, x1;
    float scale;  // 1 / (window size counting padding, clipped at the padded edge)
};

template <int Kernel, int Stride, int Padding>
avg_window avg_window_of(long oy, long ox, long h, long w) {
    long y0 = oy * Stride - Padding, x0 = ox * Stride - Padding;
    long y1 = std::min<long>(y0 + Kernel, h + Padding), x1 = std::min<long>(x0 + Kernel, w + Padding);
    const float scale = 1.0f / float((y1 - y0) * (x1 - x0));
    return {std::max<long>(y0, 0), std::min(y1, h), std::max<long>(x0, 0), std::min(x1, w), scale};
}

}  // namespace pool_detail

namespace ops {

/// y = max_pool2d(x); argmax receives each window's winner (an offset in its
/// plane) for the backward pass. y and argmax are resized.
template <int Kernel, int Stride, int Padding>
void max_pool2d_forward(cpu, const tensor<cpu>& x, tensor<cpu>& y, aligned_buffer<std::int32_t>& argmax) {
    y.resize(pool_detail::pool_geometry<Kernel, Stride, Padding>::output_shape(x.shape(), "max_pool2d"));
    argmax.resize(y.size());
    const long h = long(x.h()), w = long(x.w()), ho = long(y.h()), wo = long(y.w());
    cpu_detail::parallel_for(long(x.n() * x.c()), ho * wo * Kernel * Kernel, [&](long t) {
        const float* in = x.data() + t * h * w;
        float* out = y.data() + t * ho * wo;
        std::int32_t* arg = argmax.data() + t * ho * wo;
        for (long oy = 0; oy < ho; ++oy)
            for (long ox = 0; ox < wo; ++ox) {
                float best = -std::numeric_limits<float>::infinity();
                long best_at = -1;
                for (long ky = 0; ky < Kernel; ++ky) {
                    const long iy = oy * Stride - Padding + ky;
                    if (iy < 0 || iy >= h) continue;
                    for (long kx = 0; kx < Kernel; ++kx) {
                        const long ix = ox * Stride - Padding + kx;
                        if (ix < 0 || ix >= w) continue;
                        const float v = in[iy * w + ix];
                        if (v > best || best_at < 0 || v != v) {  // NaN wins, as in PyTorch
                            best = v;
                            best_at = iy * w + ix;
                        }
                    }
                }
                out[oy * wo + ox] = best;
                arg[oy * wo + ox] = std::int32_t(best_at);
            }
    });
}

/// dx = dL/dx of max_pool2d; dx is resized to `input_shape`.
template <int Kernel, int Stride, int Padding>
void max_pool2d_backward(cpu, const tensor<cpu>& dy, const aligned_buffer<std::int32_t>& argmax,
                         const shape4& input_shape, tensor<cpu>& dx) {
    require_shape(dy.shape(), pool_detail::pool_geometry<Kernel, Stride, Padding>::output_shape(input_shape, "max_pool2d"),
                  "max_pool2d: output gradient");
    if (argmax.size() != dy.size()) throw argument_error("max_pool2d: backward needs the forward's argmax");
    dx.resize(input_shape);
    dx.zero();
    const long in_plane = long(input_shape.plane_size()), out_plane = long(dy.h() * dy.w());
    cpu_detail::parallel_for(long(dy.n() * dy.c()), out_plane, [&](long t) {
        float* d = dx.data() + t * in_plane;
        const float* g = dy.data() + t * out_plane;
        const std::int32_t* arg = argmax.data() + t * out_plane;
        for (long i = 0; i < out_plane; ++i) d[arg[i]] += g[i];
    });
}

/// y = avg_pool2d(x) (count_include_pad); y is resized.
template <int Kernel, int Stride, int Padding>
void avg_pool2d_forward(cpu, const tensor<cpu>& x, tensor<cpu>& y) {
    y.resize(pool_detail::pool_geometry<Kernel, Stride, Padding>::output_shape(x.shape(), "avg_pool2d"));
    const long h = long(x.h()), w = long(x.w()), ho = long(y.h()), wo = long(y.w());
    cpu_detail::parallel_for(long(x.n() * x.c()), ho * wo * Kernel * Kernel, [&](long t) {
        const float* in = x.data() + t * h * w;
        float* out = y.data() + t * ho * wo;
        for (long oy = 0; oy < ho; ++oy)
            for (long ox = 0; ox < wo; ++ox) {
                const auto win = pool_detail::avg_window_of<Kernel, Stride, Padding>(oy, ox, h, w);
                float s = 0.0f;
                for (long iy = win.y0; iy < win.y1; ++iy)
                    for (long ix = win.x0; ix < win.x1; ++ix) s += in[iy * w + ix];
                out[oy * wo + ox] = s * win.scale;
            }
    });
}

/// dx = dL/dx of avg_pool2d; dx is resized to `input_shape`.
template <int Kernel, int Stride, int Padding>
void avg_pool2d_backward(cpu, const tensor<cpu>& dy, const shape4& input_shape, tensor<cpu>& dx) {
    require_shape(dy.shape(), pool_detail::pool_geometry<Kernel, Stride, Padding>::output_shape(input_shape, "avg_pool2d"),
                  "avg_pool2d: output gradient");
    dx.resize(input_shape);
    dx.zero();
    const long h = long(input_shape.h), w = long(input_shape.w), ho = long(dy.h()), wo = long(dy.w());
    cpu_detail::parallel_for(long(dy.n() * dy.c()), ho * wo * Kernel * Kernel, [&](long t) {
        float* d = dx.data() + t * h * w;
        const float* g = dy.data() + t * ho * wo;
        for (long oy = 0; oy < ho; ++oy)
            for (long ox = 0; ox < wo; ++ox) {
                const auto win = pool_detail::avg_window_of<Kernel, Stride, Padding>(oy, ox, h, w);
                const float share = g[oy * wo + ox] * win.scale;
                for (long iy = win.y0; iy < win.y1; ++iy)
                    for (long ix = win.x0; ix < win.x1; ++ix) d[iy * w + ix] += share;
            }
    });
}

/// y[n][c] = mean of plane (n, c), accumulated in double; y is resized to [N, C, 1, 1].
inline void global_avg_pool_forward(cpu, const tensor<cpu>& x, tensor<cpu>& y) {
    require_nonempty(x.shape(), "global_avg_pool");
    y.resize({x.n(), x.c(), 1, 1});
    const std::size_t plane = x.shape().plane_size();
    cpu_detail::parallel_for(long(x.n() * x.c()), plane, [&](long t) {
        const float* p = x.data() + t * plane;
        double s = 0.0;
        for (std::size_t i = 0; i < plane; ++i) s += p[i];
        y.data()[t] = float(s / double(plane));
    });
}

/// dx = dy / (H W) spread over each plane; dx is resized to `input_shape`.
inline void global_avg_pool_backward(cpu, const tensor<cpu>& dy, const shape4& input_shape, tensor<cpu>& dx) {
    require_nonempty(input_shape, "global_avg_pool");
    require_shape(dy.shape(), {input_shape.n, input_shape.c, 1, 1}, "global_avg_pool: output gradient");
    dx.resize(input_shape);
    const std::size_t plane = input_shape.plane_size();
    cpu_detail::parallel_for(long(dy.size()), plane, [&](long t) {
        std::fill_n(dx.data() + t * plane, plane, dy.data()[t] / float(plane));
    });
}

}  // namespace ops

}  // namespace isinggan
