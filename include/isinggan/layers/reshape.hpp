#pragma once
// reshape<C, H, W> views each sample as a C x H x W block (the generator's
// "z -> 4x4x512" step after its dense layer); flatten views each sample as a
// vector [C*H*W, 1, 1] (before a discriminator's dense layer). Both keep the
// element order, as PyTorch's view/Unflatten/Flatten do, and copy the values
// into a buffer of their own so the output has its own shape.
#include <algorithm>
#include <string>

#include "isinggan/layers/layer.hpp"

namespace isinggan {
namespace layer_detail {

/// What reshape and flatten share: the forward copy under a new shape, and a
/// backward that copies the gradient back under the input's shape.
template <class Backend>
class shape_change {
protected:
    const tensor<Backend>& forward_as(const tensor<Backend>& x, shape4 s) {
        input_shape_ = x.shape();
        copy_as(x, y_, s);
        return y_;
    }
    const tensor<Backend>& backward_as_input(const tensor<Backend>& dy, const char* layer_name) {
        require_forward_done(input_shape_.empty() ? nullptr : this, layer_name);
        require_grad_shape(dy.shape(), y_.shape(), layer_name);
        copy_as(dy, dx_, input_shape_);
        return dx_;
    }

private:
    shape4 input_shape_{};
    tensor<Backend> y_, dx_;
};

}  // namespace layer_detail

template <int C, int H, int W, class Backend = cpu>
class reshape : public no_parameters, layer_detail::shape_change<Backend> {
    static_assert(C > 0 && H > 0 && W > 0, "reshape<C, H, W>: all sizes must be positive");

public:
    using backend_type = Backend;
    static constexpr int in_channels = any_channels;
    static constexpr int out_channels = C;

    /// backward reads the forward input again, so a temporary input (gone by then) is refused.
    const tensor<Backend>& forward(tensor<Backend>&&) = delete;
    const tensor<Backend>& forward(const tensor<Backend>& x) {
        layer_detail::require_backend<Backend>();
        require_nonempty(x.shape(), "reshape");
        if (x.shape().sample_size() != std::size_t(C) * H * W)
            throw shape_error("reshape to [" + std::to_string(C) + ", " + std::to_string(H) + ", " +
                              std::to_string(W) + "]: input of shape " + x.shape().str() + " has " +
                              std::to_string(x.shape().sample_size()) + " values per sample, expected " +
                              std::to_string(C * H * W));
        return this->forward_as(x, {x.n(), std::size_t(C), std::size_t(H), std::size_t(W)});
    }

    const tensor<Backend>& backward(const tensor<Backend>& dy) { return this->backward_as_input(dy, "reshape"); }

    void set_training(bool) {}
};

template <class Backend = cpu>
class basic_flatten : public no_parameters, layer_detail::shape_change<Backend> {
public:
    using backend_type = Backend;
    static constexpr int in_channels = any_channels;
    static constexpr int out_channels = unknown_channels;  // C*H*W, known only at run time

    /// backward reads the forward input again, so a temporary input (gone by then) is refused.
    const tensor<Backend>& forward(tensor<Backend>&&) = delete;
    const tensor<Backend>& forward(const tensor<Backend>& x) {
        layer_detail::require_backend<Backend>();
        require_nonempty(x.shape(), "flatten");
        return this->forward_as(x, {x.n(), x.shape().sample_size(), 1, 1});
    }

    const tensor<Backend>& backward(const tensor<Backend>& dy) { return this->backward_as_input(dy, "flatten"); }

    void set_training(bool) {}
};

using flatten = basic_flatten<cpu>;

}  // namespace isinggan
