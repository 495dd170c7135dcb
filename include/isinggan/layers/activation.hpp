#pragma once
// Elementwise activations: relu, leaky_relu, tanh, sigmoid. They work on any
// number of channels and have no parameters. basic_activation turns a
// function of core/activation_fn.hpp into a layer.
#include <cmath>
#include <string>

#include "isinggan/backend/cpu/activation.hpp"
#include "isinggan/core/activation_fn.hpp"
#include "isinggan/layers/layer.hpp"

namespace isinggan {

template <class Fn, class Backend = cpu>
class basic_activation : public no_parameters {
public:
    using backend_type = Backend;
    static constexpr int in_channels = any_channels;
    static constexpr int out_channels = any_channels;

    basic_activation() = default;
    explicit basic_activation(Fn fn) : fn_(fn) {}

    /// backward reads the forward input again, so a temporary input (gone by then) is refused.
    const tensor<Backend>& forward(tensor<Backend>&&) = delete;
    const tensor<Backend>& forward(const tensor<Backend>& x) {
        layer_detail::require_backend<Backend>();
        input_ = &x;
        ops::activation_forward(Backend{}, fn_, x, y_);
        return y_;
    }

    const tensor<Backend>& backward(const tensor<Backend>& dy) {
        layer_detail::require_forward_done(input_, Fn::name);
        layer_detail::require_grad_shape(dy.shape(), y_.shape(), Fn::name);
        ops::activation_backward(Backend{}, fn_, *input_, y_, dy, dx_);
        return dx_;
    }

    void set_training(bool) {}

    const Fn& function() const { return fn_; }

private:
    Fn fn_{};
    const tensor<Backend>* input_ = nullptr;
    tensor<Backend> y_, dx_;
};

using relu = basic_activation<activation_fn::relu>;
using tanh = basic_activation<activation_fn::tanh>;
using sigmoid = basic_activation<activation_fn::sigmoid>;

/// leaky_relu{} has slope 0.2 (the paper's); leaky_relu{0.01f} is PyTorch's default.
template <class Backend = cpu>
class basic_leaky_relu : public basic_activation<activation_fn::leaky_relu, Backend> {
public:
    explicit basic_leaky_relu(float slope = 0.2f)
        : basic_activation<activation_fn::leaky_relu, Backend>(activation_fn::leaky_relu{slope}) {}
    float slope() const { return this->function().slope; }
};

using leaky_relu = basic_leaky_relu<cpu>;

}  // namespace isinggan
