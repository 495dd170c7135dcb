#pragma once
// avg_pool2d<Kernel, Stride = Kernel, Padding = 0>: the mean of each window,
// PyTorch's AvgPool2d with its defaults (count_include_pad = True: zero
// padding counts towards the divisor). global_avg_pool: the mean of each
// channel plane, [N, C, H, W] -> [N, C, 1, 1] (AdaptiveAvgPool2d(1)). The
// arithmetic is in backend/cpu/pooling.hpp.
#include "isinggan/backend/cpu/pooling.hpp"
#include "isinggan/layers/layer.hpp"

namespace isinggan {

template <int Kernel, int Stride = Kernel, int Padding = 0, class Backend = cpu>
class avg_pool2d : public no_parameters {
    static_assert(Kernel > 0 && Stride > 0, "avg_pool2d: kernel and stride must be positive");
    static_assert(Padding >= 0 && 2 * Padding <= Kernel,
                  "avg_pool2d: padding must be at most half the kernel (as PyTorch requires)");

public:
    using backend_type = Backend;
    static constexpr int in_channels = any_channels;
    static constexpr int out_channels = any_channels;

    /// backward reads the forward input again, so a temporary input (gone by then) is refused.
    const tensor<Backend>& forward(tensor<Backend>&&) = delete;
    const tensor<Backend>& forward(const tensor<Backend>& x) {
        layer_detail::require_backend<Backend>();
        input_shape_ = x.shape();
        ops::avg_pool2d_forward<Kernel, Stride, Padding>(Backend{}, x, y_);
        return y_;
    }

    const tensor<Backend>& backward(const tensor<Backend>& dy) {
        layer_detail::require_forward_done(y_.empty() ? nullptr : this, "avg_pool2d");
        layer_detail::require_grad_shape(dy.shape(), y_.shape(), "avg_pool2d");
        ops::avg_pool2d_backward<Kernel, Stride, Padding>(Backend{}, dy, input_shape_, dx_);
        return dx_;
    }

    void set_training(bool) {}

private:
    shape4 input_shape_{};
    tensor<Backend> y_, dx_;
};

template <class Backend = cpu>
class basic_global_avg_pool : public no_parameters {
public:
    using backend_type = Backend;
    static constexpr int in_channels = any_channels;
    static constexpr int out_channels = any_channels;

    /// backward reads the forward input again, so a temporary input (gone by then) is refused.
    const tensor<Backend>& forward(tensor<Backend>&&) = delete;
    const tensor<Backend>& forward(const tensor<Backend>& x) {
        layer_detail::require_backend<Backend>();
        input_shape_ = x.shape();
        ops::global_avg_pool_forward(Backend{}, x, y_);
        return y_;
    }

    const tensor<Backend>& backward(const tensor<Backend>& dy) {
        layer_detail::require_forward_done(y_.empty() ? nullptr : this, "global_avg_pool");
        layer_detail::require_grad_shape(dy.shape(), y_.shape(), "global_avg_pool");
        ops::global_avg_pool_backward(Backend{}, dy, input_shape_, dx_);
        return dx_;
    }

    void set_training(bool) {}

private:
    shape4 input_shape_{};
    tensor<Backend> y_, dx_;
};

using global_avg_pool = basic_global_avg_pool<cpu>;

}  // namespace isinggan
