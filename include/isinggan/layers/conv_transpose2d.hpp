#pragma once
// conv_transpose2d<In, Out, Kernel, Stride, Padding, OutputPadding>: the
// transposed ("fractionally strided") convolution of PyTorch's ConvTranspose2d,
// the generator's upsampling step (k4 s2 p1 doubles the size).
// Weight [In, Out, K, K] (PyTorch's layout for this layer), bias [Out]
// (stored as [Out, 1, 1, 1]); `Bias = false` drops the bias.
// Output size: (H - 1) Stride - 2 Padding + Kernel + OutputPadding.
#include <span>
#include <string>

#include "isinggan/layers/layer.hpp"

namespace isinggan {

template <int In, int Out, int Kernel, int Stride = 1, int Padding = 0, int OutputPadding = 0, bool Bias = true,
          class Backend = cpu>
class conv_transpose2d : public no_buffers {
    static_assert(In > 0 && Out > 0, "conv_transpose2d: channel counts must be positive");
    static_assert(Kernel > 0 && Stride > 0 && Padding >= 0,
                  "conv_transpose2d: kernel and stride must be positive and padding not negative");
    static_assert(OutputPadding >= 0 && OutputPadding < Stride,
                  "conv_transpose2d: output padding must be smaller than the stride (as in PyTorch)");

public:
    using backend_type = Backend;
    static constexpr int in_channels = In;
    static constexpr int out_channels = Out;
    static constexpr conv2d_geometry geometry = conv2d_geometry::square(Kernel, Stride, Padding, OutputPadding);

    conv_transpose2d() {
        weight_.torch_rank = 4;  // PyTorch keeps a 1x1 kernel's unit dimensions
        reset_parameters(default_init_generator());
    }

    /// PyTorch's default: uniform in +-1/sqrt(fan_in), where PyTorch computes
    /// fan_in from the weight's dimension 1 (here Out) times K * K.
    void reset_parameters(rng& gen) {
        const std::size_t fan_in = std::size_t(Out) * Kernel * Kernel;
        layer_detail::fill_fan_in_uniform(weight_.value, fan_in, gen);
        if constexpr (Bias) layer_detail::fill_fan_in_uniform(bias_.value, fan_in, gen);
    }

    /// backward reads the forward input again, so a temporary input (gone by then) is refused.
    const tensor<Backend>& forward(tensor<Backend>&&) = delete;
    const tensor<Backend>& forward(const tensor<Backend>& x) {
        layer_detail::require_backend<Backend>();
        layer_detail::require_channels(x.shape(), In, "conv_transpose2d");
        input_ = &x;
        ops::conv_transpose2d_forward(Backend{}, x, weight_.value, bias_span(), y_, geometry, layer_workspace_on<Backend>());
        return y_;
    }

    const tensor<Backend>& backward(const tensor<Backend>& dy) {
        layer_detail::require_forward_done(input_, "conv_transpose2d");
        layer_detail::require_grad_shape(dy.shape(), y_.shape(), "conv_transpose2d");
        auto& ws = layer_workspace_on<Backend>();
        ops::conv_transpose2d_backward_weights(Backend{}, *input_, dy, weight_.grad, geometry, ws, true);
        if constexpr (Bias) ops::conv_transpose2d_backward_bias(Backend{}, dy, bias_.grad.values(), true);
        ops::conv_transpose2d_backward_data(Backend{}, dy, weight_.value, input_->shape(), dx_, geometry, ws);
        return dx_;
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

    parameter<Backend> weight_{shape4{std::size_t(In), std::size_t(Out), std::size_t(Kernel), std::size_t(Kernel)}};
    parameter<Backend> bias_{Bias ? shape4{std::size_t(Out), 1, 1, 1} : shape4{}};
    const tensor<Backend>* input_ = nullptr;
    tensor<Backend> y_, dx_;
};

}  // namespace isinggan
