#pragma once
// sequential<L0, L1, ...>: layers applied one after another, PyTorch's
// nn.Sequential. A flat list: nest a sequential only where a block is a unit
// of its own (a residual block, a head).
//
// Parameter names are the child's index and the child's own name: "0.weight",
// "3.running_mean", "4.1.bias" for a nested block, as in PyTorch, where every
// child (activations included) takes an index.
//
// backward(dy) returns the gradient with respect to the sequential's input,
// so networks chain: a GAN generator's backward takes the discriminator's
// input gradient.
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "isinggan/layers/channel_check.hpp"
#include "isinggan/layers/layer.hpp"

namespace isinggan {

template <class... Layers>
class sequential {
    static_assert(sizeof...(Layers) > 0, "sequential needs at least one layer");
    static_assert((layer<Layers> && ...),
                  "sequential: every child must satisfy isinggan::layer (forward, backward, set_training, "
                  "in_channels, out_channels, backend_type); a branch, with several outputs, can only come last "
                  "in a network, outside a sequential");
    static_assert((layer_detail::check_layer<Layers>() && ...));
    static_assert(channel_check::chain_agrees<Layers...>(), "sequential: the layers' channel counts disagree");

public:
    using backend_type = typename std::tuple_element_t<0, std::tuple<Layers...>>::backend_type;
    using tensor_type = tensor<backend_type>;
    static constexpr std::size_t size = sizeof...(Layers);
    static constexpr int in_channels = channel_check::chain_in_channels<Layers...>();
    static constexpr int out_channels = channel_check::chain_out_channels<Layers...>();

    sequential() = default;
    /// Takes configured children (e.g. leaky_relu{0.1f}).
    explicit sequential(Layers... layers) : layers_(std::move(layers)...) {}

    /// backward reads the forward input again, so a temporary input (gone by then) is refused.
    const tensor_type& forward(tensor_type&&) = delete;
    const tensor_type& forward(const tensor_type& x) {
        const tensor_type* t = &x;
        std::apply([&](auto&... l) { ((t = &l.forward(*t)), ...); }, layers_);
        return *t;
    }

    const tensor_type& backward(const tensor_type& dy) {
        const tensor_type* t = &dy;
        backward_from<size>(t);
        return *t;
    }

    /// The input gradient of backward, without parameter gradients where the
    /// children can skip them.
    const tensor_type& backward_input(const tensor_type& dy) {
        const tensor_type* t = &dy;
        backward_input_from<size>(t);
        return *t;
    }

    /// The parameter gradients of backward, without the gradient with respect
    /// to the input (the first layer skips it where it can).
    void backward_params(const tensor_type& dy) {
        const tensor_type* t = &dy;
        backward_from<size, 1>(t);
        isinggan::backward_params(std::get<0>(layers_), *t);
    }

    void set_training(bool on) {
        std::apply([&](auto&... l) { (l.set_training(on), ...); }, layers_);
    }

    template <class F>
    void for_each_param(F&& f) {
        for_each_child([&](std::string_view prefix, auto& l) {
            visit_params(l, [&](std::string_view name, auto& p) { f(join_name(prefix, name), p); });
        });
    }
    template <class F>
    void for_each_buffer(F&& f) {
        for_each_child([&](std::string_view prefix, auto& l) {
            visit_buffers(l, [&](std::string_view name, auto& b) { f(join_name(prefix, name), b); });
        });
    }

    void reset_parameters(rng& gen) {
        std::apply([&](auto&... l) { (isinggan::reset_parameters(l, gen), ...); }, layers_);
    }

    template <std::size_t I>
    auto& get() { return std::get<I>(layers_); }
    template <std::size_t I>
    const auto& get() const { return std::get<I>(layers_); }

private:
    // Children in reverse: I counts the layers still to go, down to Last.
    template <std::size_t I, std::size_t Last = 0>
    void backward_from(const tensor_type*& t) {
        if constexpr (I > Last) {
            t = &std::get<I - 1>(layers_).backward(*t);
            backward_from<I - 1, Last>(t);
        }
    }

    template <std::size_t I>
    void backward_input_from(const tensor_type*& t) {
        if constexpr (I > 0) {
            t = &isinggan::backward_input(std::get<I - 1>(layers_), *t);
            backward_input_from<I - 1>(t);
        }
    }

    template <class F>
    void for_each_child(F&& f) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (f(std::to_string(I), std::get<I>(layers_)), ...);
        }(std::index_sequence_for<Layers...>{});
    }

    std::tuple<Layers...> layers_;
};

}  // namespace isinggan
