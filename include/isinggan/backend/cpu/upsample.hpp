#pragma once
// upsample on the CPU: each channel plane enlarged Scale times, PyTorch's
// nn.Upsample(scale_factor=Scale). Nearest copies the source pixel
// floor(dst / Scale); bilinear (align_corners = False) reads the source at
// (dst + 0.5) / Scale - 0.5, clamped at 0, and blends the two neighbours on
// each axis. Backward spreads each output gradient back with the same
// weights. Scale and mode are template arguments so that the per-pixel
// index arithmetic is compiled for them; the `cuda` overloads
// (backend/cuda/upsample.cuh) take the same form.
#include <algorithm>
#include <cstddef>

#include "isinggan/backend/cpu/threading.hpp"
#include "isinggan/core/backend.hpp"
#include "isinggan/core/tensor.hpp"
#include "isinggan/core/upsample_mode.hpp"

namespace isinggan::ops {

namespace upsample_detail {

/// The two source indices an output index reads on one axis, with weights.
struct tap {
    long i0, i1;
    float w0, w1;
};

template <int Scale, upsample_mode Mode>
tap tap_of(long dst, long size) {
    if constexpr (Mode == upsample_mode::nearest) {
        const long i = std::min(dst / Scale, size - 1);
        return {i, i, 1.0f, 0.0f};
    } else {
        // PyTorch multiplies by 1 / scale_factor rather than dividing.
        constexpr float inv_scale = 1.0f / float(Scale);
        const float src = std::max(0.0f, (float(dst) + 0.5f) * inv_scale - 0.5f);
        const long i0 = std::min(long(src), size - 1);
        const long i1 = std::min(i0 + 1, size - 1);
        const float lambda = src - float(i0);
        return {i0, i1, 1.0f - lambda, lambda};
    }
}

}  // namespace upsample_detail

/// y = upsample(x) by Scale; y is resized to [N, C, H·Scale, W·Scale].
template <int Scale, upsample_mode Mode>
void upsample_forward(cpu, const tensor<cpu>& x, tensor<cpu>& y) {
    static_assert(Scale >= 1, "upsample: the scale must be at least 1");
    using upsample_detail::tap;
    require_nonempty(x.shape(), "upsample");
    y.resize({x.n(), x.c(), x.h() * Scale, x.w() * Scale});
    const long h = long(x.h()), w = long(x.w()), ho = h * Scale, wo = w * Scale;
    cpu_detail::parallel_for(long(x.n() * x.c()), ho * wo * 4, [&](long t) {
        const float* in = x.data() + t * h * w;
        float* out = y.data() + t * ho * wo;
        for (long oy = 0; oy < ho; ++oy) {
            const tap ty = upsample_detail::tap_of<Scale, Mode>(oy, h);
            for (long ox = 0; ox < wo; ++ox) {
                const tap tx = upsample_detail::tap_of<Scale, Mode>(ox, w);
                out[oy * wo + ox] = ty.w0 * (tx.w0 * in[ty.i0 * w + tx.i0] + tx.w1 * in[ty.i0 * w + tx.i1]) +
                                    ty.w1 * (tx.w0 * in[ty.i1 * w + tx.i0] + tx.w1 * in[ty.i1 * w + tx.i1]);
            }
        }
    });
}

/// dx = dL/dx of upsample by Scale; dx is resized to `input_shape`.
template <int Scale, upsample_mode Mode>
void upsample_backward(cpu, const tensor<cpu>& dy, const shape4& input_shape, tensor<cpu>& dx) {
    using upsample_detail::tap;
    require_nonempty(input_shape, "upsample");
    const std::size_t s = std::size_t(Scale);
    require_shape(dy.shape(), {input_shape.n, input_shape.c, input_shape.h * s, input_shape.w * s},
                  "upsample: output gradient");
    dx.resize(input_shape);
    dx.zero();
    const long h = long(input_shape.h), w = long(input_shape.w), ho = h * Scale, wo = w * Scale;
    cpu_detail::parallel_for(long(dy.n() * dy.c()), ho * wo * 4, [&](long t) {
        float* d = dx.data() + t * h * w;
        const float* g = dy.data() + t * ho * wo;
        for (long oy = 0; oy < ho; ++oy) {
            const tap ty = upsample_detail::tap_of<Scale, Mode>(oy, h);
            for (long ox = 0; ox < wo; ++ox) {
                const tap tx = upsample_detail::tap_of<Scale, Mode>(ox, w);
                const float v = g[oy * wo + ox];
                d[ty.i0 * w + tx.i0] += ty.w0 * tx.w0 * v;
                d[ty.i0 * w + tx.i1] += ty.w0 * tx.w1 * v;
                d[ty.i1 * w + tx.i0] += ty.w1 * tx.w0 * v;
                d[ty.i1 * w + tx.i1] += ty.w1 * tx.w1 * v;
            }
        }
    });
}

}  // namespace isinggan::ops
