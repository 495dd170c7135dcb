#pragma once
// avg_pool2d<Kernel, Stride = Kernel, Padding = 0>: the mean of each window,
// PyTorch's AvgPool2d with its defaults (count_include_pad = True: zero
// padding counts towards the divisor). global_avg_pool: the mean of each
// channel plane, [N, C, H, W] -> [N, C, 1, 1] (AdaptiveAvgPool2d(1)).
#include <algorithm>

#include "isinggan/layers/pool_geometry.hpp"

namespace isinggan {

template <int Kernel, int Stride = Kernel, int Padding = 0, class Backend = cpu>
class avg_pool2d {
    using geometry = layer_detail::pool_geometry<Kernel, Stride, Padding>;

public:
    using backend_type = Backend;
    static constexpr int in_channels = any_channels;
    static constexpr int out_channels = any_channels;

    /// backward reads the forward input again, so a temporary input (gone by then) is refused.
    const tensor<Backend>& forward(tensor<Backend>&&) = delete;
    const tensor<Backend>& forward(const tensor<Backend>& x) {
        layer_detail::require_backend<Backend>();
        input_shape_ = x.shape();
        if constexpr (!std::same_as<Backend, cpu>) {
#ifdef ISINGGAN_CUDA_OPS
            geometry::output_shape(x.shape(), "avg_pool2d");  // the layer's checks and messages
            ops::avg_pool2d_forward(Backend{}, x, y_, pool_window{Kernel, Stride, Padding});
#endif
            return y_;
        } else {
            y_.resize(geometry::output_shape(x.shape(), "avg_pool2d"));
            const long h = long(x.h()), w = long(x.w()), ho = long(y_.h()), wo = long(y_.w());
            cpu_detail::parallel_for(long(x.n() * x.c()), ho * wo * Kernel * Kernel, [&](long t) {
                const float* in = x.data() + t * h * w;
                float* out = y_.data() + t * ho * wo;
                for (long oy = 0; oy < ho; ++oy)
                    for (long ox = 0; ox < wo; ++ox) {
                        const window win = window_of(oy, ox, h, w);
                        float s = 0.0f;
                        for (long iy = win.y0; iy < win.y1; ++iy)
                            for (long ix = win.x0; ix < win.x1; ++ix) s += in[iy * w + ix];
                        out[oy * wo + ox] = s * win.scale;
                    }
            });
            return y_;
        }
    }

    const tensor<Backend>& backward(const tensor<Backend>& dy) {
        layer_detail::require_forward_done(y_.empty() ? nullptr : this, "avg_pool2d");
        layer_detail::require_grad_shape(dy.shape(), y_.shape(), "avg_pool2d");
        if constexpr (!std::same_as<Backend, cpu>) {
#ifdef ISINGGAN_CUDA_OPS
            ops::avg_pool2d_backward(Backend{}, dy, input_shape_, dx_, pool_window{Kernel, Stride, Padding});
#endif
            return dx_;
        } else {
            dx_.resize(input_shape_);
            dx_.zero();
            const long h = long(input_shape_.h), w = long(input_shape_.w), ho = long(y_.h()), wo = long(y_.w());
            cpu_detail::parallel_for(long(dy.n() * dy.c()), ho * wo * Kernel * Kernel, [&](long t) {
                float* d = dx_.data() + t * h * w;
                const float* g = dy.data() + t * ho * wo;
                for (long oy = 0; oy < ho; ++oy)
                    for (long ox = 0; ox < wo; ++ox) {
                        const window win = window_of(oy, ox, h, w);
                        const float share = g[oy * wo + ox] * win.scale;
                        for (long iy = win.y0; iy < win.y1; ++iy)
                            for (long ix = win.x0; ix < win.x1; ++ix) d[iy * w + ix] += share;
                    }
            });
            return dx_;
        }
    }

    void set_training(bool) {}

private:
    struct window {
        long y0, y1, x0, x1;
        float scale;  // 1 / (window size counting padding, clipped at the padded edge)
    };
    static window window_of(long oy, long ox, long h, long w) {
        long y0 = oy * Stride - Padding, x0 = ox * Stride - Padding;
        long y1 = std::min<long>(y0 + Kernel, h + Padding), x1 = std::min<long>(x0 + Kernel, w + Padding);
        const float scale = 1.0f / float((y1 - y0) * (x1 - x0));
        return {std::max<long>(y0, 0), std::min(y1, h), std::max<long>(x0, 0), std::min(x1, w), scale};
    }

    shape4 input_shape_{};
    tensor<Backend> y_, dx_;
};

template <class Backend = cpu>
class basic_global_avg_pool {
public:
    using backend_type = Backend;
    static constexpr int in_channels = any_channels;
    static constexpr int out_channels = any_channels;

    /// backward reads the forward input again, so a temporary input (gone by then) is refused.
    const tensor<Backend>& forward(tensor<Backend>&&) = delete;
    const tensor<Backend>& forward(const tensor<Backend>& x) {
        layer_detail::require_backend<Backend>();
        require_nonempty(x.shape(), "global_avg_pool");
        input_shape_ = x.shape();
        if constexpr (!std::same_as<Backend, cpu>) {
#ifdef ISINGGAN_CUDA_OPS
            ops::global_avg_pool_forward(Backend{}, x, y_);
#endif
            return y_;
        } else {
            y_.resize({x.n(), x.c(), 1, 1});
            const std::size_t plane = x.shape().plane_size();
            cpu_detail::parallel_for(long(x.n() * x.c()), plane, [&](long t) {
                const float* p = x.data() + t * plane;
                double s = 0.0;
                for (std::size_t i = 0; i < plane; ++i) s += p[i];
                y_.data()[t] = float(s / double(plane));
            });
            return y_;
        }
    }

    const tensor<Backend>& backward(const tensor<Backend>& dy) {
        layer_detail::require_forward_done(y_.empty() ? nullptr : this, "global_avg_pool");
        layer_detail::require_grad_shape(dy.shape(), y_.shape(), "global_avg_pool");
        if constexpr (!std::same_as<Backend, cpu>) {
#ifdef ISINGGAN_CUDA_OPS
            ops::global_avg_pool_backward(Backend{}, dy, input_shape_, dx_);
#endif
            return dx_;
        } else {
            dx_.resize(input_shape_);
            const std::size_t plane = input_shape_.plane_size();
            cpu_detail::parallel_for(long(dy.size()), plane, [&](long t) {
                std::fill_n(dx_.data() + t * plane, plane, dy.data()[t] / float(plane));
            });
            return dx_;
        }
    }

    void set_training(bool) {}

private:
    shape4 input_shape_{};
    tensor<Backend> y_, dx_;
};

using global_avg_pool = basic_global_avg_pool<cpu>;

}  // namespace isinggan
