#pragma once
// upsample<Scale, Mode>: enlarges each channel plane Scale times, PyTorch's
// nn.Upsample(scale_factor=Scale). Nearest copies the source pixel
// floor(dst / Scale); bilinear (align_corners = False) reads the source at
// (dst + 0.5) / Scale - 0.5, clamped at 0, and blends the two neighbours on
// each axis. Backward spreads each output gradient back with the same weights.
#include <algorithm>

#include "isinggan/layers/layer.hpp"
#include "isinggan/layers/upsample_mode.hpp"

namespace isinggan {

template <int Scale, upsample_mode Mode = upsample_mode::nearest, class Backend = cpu>
class upsample {
    static_assert(Scale >= 1, "upsample<Scale>: the scale must be at least 1");

public:
    using backend_type = Backend;
    static constexpr int in_channels = any_channels;
    static constexpr int out_channels = any_channels;

    /// backward reads the forward input again, so a temporary input (gone by then) is refused.
    const tensor<Backend>& forward(tensor<Backend>&&) = delete;
    const tensor<Backend>& forward(const tensor<Backend>& x) {
        layer_detail::require_backend<Backend>();
        require_nonempty(x.shape(), "upsample");
        input_shape_ = x.shape();
        if constexpr (!std::same_as<Backend, cpu>) {
#ifdef ISINGGAN_CUDA_OPS
            ops::upsample_forward(Backend{}, x, y_, Scale, Mode);
#endif
            return y_;
        } else {
            y_.resize({x.n(), x.c(), x.h() * Scale, x.w() * Scale});
            const long h = long(x.h()), w = long(x.w()), ho = h * Scale, wo = w * Scale;
            cpu_detail::parallel_for(long(x.n() * x.c()), ho * wo * 4, [&](long t) {
                const float* in = x.data() + t * h * w;
                float* out = y_.data() + t * ho * wo;
                for (long oy = 0; oy < ho; ++oy) {
                    const tap ty = tap_of(oy, h);
                    for (long ox = 0; ox < wo; ++ox) {
                        const tap tx = tap_of(ox, w);
                        out[oy * wo + ox] = ty.w0 * (tx.w0 * in[ty.i0 * w + tx.i0] + tx.w1 * in[ty.i0 * w + tx.i1]) +
                                            ty.w1 * (tx.w0 * in[ty.i1 * w + tx.i0] + tx.w1 * in[ty.i1 * w + tx.i1]);
                    }
                }
            });
            return y_;
        }
    }

    const tensor<Backend>& backward(const tensor<Backend>& dy) {
        layer_detail::require_forward_done(y_.empty() ? nullptr : this, "upsample");
        layer_detail::require_grad_shape(dy.shape(), y_.shape(), "upsample");
        if constexpr (!std::same_as<Backend, cpu>) {
#ifdef ISINGGAN_CUDA_OPS
            ops::upsample_backward(Backend{}, dy, input_shape_, dx_, Scale, Mode);
#endif
            return dx_;
        } else {
            dx_.resize(input_shape_);
            dx_.zero();
            const long h = long(input_shape_.h), w = long(input_shape_.w), ho = h * Scale, wo = w * Scale;
            cpu_detail::parallel_for(long(dy.n() * dy.c()), ho * wo * 4, [&](long t) {
                float* d = dx_.data() + t * h * w;
                const float* g = dy.data() + t * ho * wo;
                for (long oy = 0; oy < ho; ++oy) {
                    const tap ty = tap_of(oy, h);
                    for (long ox = 0; ox < wo; ++ox) {
                        const tap tx = tap_of(ox, w);
                        const float v = g[oy * wo + ox];
                        d[ty.i0 * w + tx.i0] += ty.w0 * tx.w0 * v;
                        d[ty.i0 * w + tx.i1] += ty.w0 * tx.w1 * v;
                        d[ty.i1 * w + tx.i0] += ty.w1 * tx.w0 * v;
                        d[ty.i1 * w + tx.i1] += ty.w1 * tx.w1 * v;
                    }
                }
            });
            return dx_;
        }
    }

    void set_training(bool) {}

private:
    /// The two source indices an output index reads on one axis, with weights.
    struct tap {
        long i0, i1;
        float w0, w1;
    };
    static tap tap_of(long dst, long size) {
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

    shape4 input_shape_{};
    tensor<Backend> y_, dx_;
};

}  // namespace isinggan
