#pragma once
// dense<In, Out>: the fully connected layer y = x W^T + b (PyTorch's Linear).
//
// The input is a batch of In-vectors: any [N, C, H, W] with C*H*W == In is
// read sample by sample as a flat vector (so a dense layer may follow a
// flatten), and the output is [N, Out, 1, 1]. The weight has PyTorch's layout
// [Out, In] (stored as shape [Out, In, 1, 1]); the bias is [Out] (stored as
// [Out, 1, 1, 1]).
#include <string>

#include "isinggan/layers/layer.hpp"

namespace isinggan {

template <int In, int Out, class Backend = cpu>
class dense : public no_buffers {
    static_assert(In > 0 && Out > 0, "dense<In, Out>: both sizes must be positive");

public:
    using backend_type = Backend;
    static constexpr int in_channels = In;
    static constexpr int out_channels = Out;

    dense() { reset_parameters(default_init_generator()); }

    /// PyTorch's default: weight and bias uniform in +-1/sqrt(In).
    void reset_parameters(rng& gen) {
        layer_detail::fill_fan_in_uniform(weight_.value, In, gen);
        layer_detail::fill_fan_in_uniform(bias_.value, In, gen);
    }

    /// backward reads the forward input again, so a temporary input (gone by then) is refused.
    const tensor<Backend>& forward(tensor<Backend>&&) = delete;
    const tensor<Backend>& forward(const tensor<Backend>& x) {
        layer_detail::require_backend<Backend>();
        require_nonempty(x.shape(), "dense");
        if (x.shape().sample_size() != std::size_t(In))
            throw shape_error("dense<" + std::to_string(In) + ", " + std::to_string(Out) + ">: input of shape " +
                              x.shape().str() + " has " + std::to_string(x.shape().sample_size()) +
                              " values per sample, expected " + std::to_string(In));
        input_ = &x;
        const int n = int(x.n());
        y_.resize({x.n(), std::size_t(Out), 1, 1});
        ops::gemm(Backend{}, transpose::no, transpose::yes, n, Out, In, 1.0f, x.data(), In, weight_.value.data(), In,
                  0.0f, y_.data(), Out);
        ops::add_bias(Backend{}, y_, bias_.value.values());
        return y_;
    }

    const tensor<Backend>& backward(const tensor<Backend>& dy) {
        layer_detail::require_forward_done(input_, "dense");
        layer_detail::require_grad_shape(dy.shape(), y_.shape(), "dense");
        const tensor<Backend>& x = *input_;
        const int n = int(x.n());
        dx_.resize(x.shape());
        // dx = dy W; dW += dy^T x; db += column sums of dy.
        ops::gemm(Backend{}, transpose::no, transpose::no, n, In, Out, 1.0f, dy.data(), Out, weight_.value.data(), In,
                  0.0f, dx_.data(), In);
        ops::gemm(Backend{}, transpose::yes, transpose::no, Out, In, n, 1.0f, dy.data(), Out, x.data(), In, 1.0f,
                  weight_.grad.data(), In);
        ops::conv2d_backward_bias(Backend{}, dy, bias_.grad.values(), true);
        return dx_;
    }

    void set_training(bool) {}

    template <class F>
    void for_each_param(F&& f) {
        f("weight", weight_);
        f("bias", bias_);
    }

    parameter<Backend>& weight() { return weight_; }
    parameter<Backend>& bias() { return bias_; }

private:
    parameter<Backend> weight_{shape4{std::size_t(Out), std::size_t(In), 1, 1}};
    parameter<Backend> bias_{shape4{std::size_t(Out), 1, 1, 1}};
    const tensor<Backend>* input_ = nullptr;
    tensor<Backend> y_, dx_;
};

}  // namespace isinggan
