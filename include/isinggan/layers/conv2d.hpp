#pragma once
// conv2d<In, Out, Kernel, Stride, Padding>: 2-d convolution with a square
// kernel and zero padding, PyTorch's Conv2d. Weight [Out, In, K, K], bias
// [Out] (stored as [Out, 1, 1, 1]); `Bias = false` drops the bias, as a
// convolution followed by batch norm often does.
// Output size: floor((H + 2 Padding - Kernel) / Stride) + 1.
#include <span>
#include <string>

#include "isinggan/layers/layer.hpp"

namespace isinggan {

template <int In, int Out, int Kernel, int Stride = 1, int Padding = 0, bool Bias = true, class Backend = cpu>
class conv2d : public no_buffers {
    static_assert(In > 0 && Out > 0, "conv2d: channel counts must be positive");
    static_assert(Kernel > 0 && Stride > 0 && Padding >= 0,
                  "conv2d: kernel and stride must be positive and padding not negative");

public:
    using backend_type = Backend;
    static constexpr int in_channels = In;
    static constexpr int out_channels = Out;
    static constexpr conv2d_geometry geometry = conv2d_geometry::square(Kernel, Stride, Padding);

    conv2d() {
        weight_.torch_rank = 4;  // PyTorch keeps a 1x1 kernel's unit dimensions
        reset_parameters(default_init_generator());
    }

    /// PyTorch's default: weight and bias uniform in +-1/sqrt(In * K * K).
    void reset_parameters(rng& gen) {
        const std::size_t fan_in = std::size_t(In) * Kernel * Kernel;
        layer_detail::fill_fan_in_uniform(weight_.value, fan_in, gen);
        if constexpr (Bias) layer_detail::fill_fan_in_uniform(bias_.value, fan_in, gen);
    }

    /// backward reads the forward input again, so a temporary input (gone by then) is refused.
    const tensor<Backend>& forward(tensor<Backend>&&) = delete;
    const tensor<Backend>& forward(const tensor<Backend>& x) {
        layer_detail::require_backend<Backend>();
        layer_detail::require_channels(x.shape(), In, "conv2d");
        input_ = &x;
        ops::conv2d_forward(Backend{}, x, weight_.value, bias_span(), y_, geometry, layer_workspace_on<Backend>());
        return y_;
    }

    const tensor<Backend>& backward(const tensor<Backend>& dy) {
        backward_params(dy);
        return backward_input(dy);
    }

    /// backward without the parameter gradients (nothing is added to them).
    const tensor<Backend>& backward_input(const tensor<Backend>& dy) {
        layer_detail::require_forward_done(input_, "conv2d");
        layer_detail::require_grad_shape(dy.shape(), y_.shape(), "conv2d");
        ops::conv2d_backward_data(Backend{}, dy, weight_.value, input_->shape(), dx_, geometry,
                                  layer_workspace_on<Backend>());
        return dx_;
    }

    /// backward without the input gradient.
    void backward_params(const tensor<Backend>& dy) {
        layer_detail::require_forward_done(input_, "conv2d");
        layer_detail::require_grad_shape(dy.shape(), y_.shape(), "conv2d");
        auto& ws = layer_workspace_on<Backend>();
        ops::conv2d_backward_weights(Backend{}, *input_, dy, weight_.grad, geometry, ws, true);
        if constexpr (Bias) ops::conv2d_backward_bias(Backend{}, dy, bias_.grad.values(), true);
    }

    void set_training(bool) {}

    template <class F>
    void for_each_param(F&& f) {
        f("weight", weight_);
        if constexpr (Bias) f("bias", bias_);
    }

    parameter<Backend>& weight() { return weight_; }
    parameter<Backend>& bias() requires Bias { return bias_; }

private:
    std::span<const float> bias_span() const {
        if constexpr (Bias) return bias_.value.values();
        else return {};
    }

    parameter<Backend> weight_{shape4{std::size_t(Out), std::size_t(In), std::size_t(Kernel), std::size_t(Kernel)}};
    parameter<Backend> bias_{Bias ? shape4{std::size_t(Out), 1, 1, 1} : shape4{}};
    const tensor<Backend>* input_ = nullptr;
    tensor<Backend> y_, dx_;
};

}  // namespace isinggan
