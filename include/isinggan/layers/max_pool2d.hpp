#pragma once
// max_pool2d<Kernel, Stride = Kernel, Padding = 0>: the largest value of each
// window (padding never wins), PyTorch's MaxPool2d. Backward routes each
// output gradient to the input element that won its window (the first one
// on ties, as PyTorch does).
#include <cstdint>
#include <limits>

#include "isinggan/core/aligned_buffer.hpp"
#include "isinggan/layers/pool_geometry.hpp"

namespace isinggan {

template <int Kernel, int Stride = Kernel, int Padding = 0, class Backend = cpu>
class max_pool2d {
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
            geometry::output_shape(x.shape(), "max_pool2d");  // the layer's checks and messages
            ops::max_pool2d_forward(Backend{}, x, y_, argmax_, pool_window{Kernel, Stride, Padding});
#endif
            return y_;
        } else {
            y_.resize(geometry::output_shape(x.shape(), "max_pool2d"));
            argmax_.resize(y_.size());
            const long h = long(x.h()), w = long(x.w()), ho = long(y_.h()), wo = long(y_.w());
            cpu_detail::parallel_for(long(x.n() * x.c()), ho * wo * Kernel * Kernel, [&](long t) {
                const float* in = x.data() + t * h * w;
                float* out = y_.data() + t * ho * wo;
                std::int32_t* arg = argmax_.data() + t * ho * wo;
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
            return y_;
        }
    }

    const tensor<Backend>& backward(const tensor<Backend>& dy) {
        layer_detail::require_forward_done(y_.empty() ? nullptr : this, "max_pool2d");
        layer_detail::require_grad_shape(dy.shape(), y_.shape(), "max_pool2d");
        if constexpr (!std::same_as<Backend, cpu>) {
#ifdef ISINGGAN_CUDA_OPS
            ops::max_pool2d_backward(Backend{}, dy, argmax_, input_shape_, dx_, pool_window{Kernel, Stride, Padding});
#endif
            return dx_;
        } else {
            dx_.resize(input_shape_);
            dx_.zero();
            const long in_plane = long(input_shape_.plane_size()), out_plane = long(y_.h() * y_.w());
            cpu_detail::parallel_for(long(dy.n() * dy.c()), out_plane, [&](long t) {
                float* d = dx_.data() + t * in_plane;
                const float* g = dy.data() + t * out_plane;
                const std::int32_t* arg = argmax_.data() + t * out_plane;
                for (long i = 0; i < out_plane; ++i) d[arg[i]] += g[i];
            });
            return dx_;
        }
    }

    void set_training(bool) {}

private:
    shape4 input_shape_{};
    tensor<Backend> y_, dx_;
    typename index_buffer_for<Backend>::type argmax_;  // winner of each window, as an offset in its plane
};

}  // namespace isinggan
