#pragma once
// branch<Trunk, Heads...>: a shared trunk followed by sibling heads, each
// reading the trunk's output; one output per head. The paper's generator is
// a branch: the trunk maps z to 64 feature maps, one head draws the image
// (tanh) and its sibling the foreground mask (sigmoid).
//
//     auto [image, mask] = generator.forward(z);
//     const auto& dz = generator.backward(d_image, d_mask);
//
// backward takes one gradient per head, in head order; the heads' input
// gradients add up into the trunk's output gradient. Parameter names:
// "trunk.*" and "heads.0.*", "heads.1.*", ... (a PyTorch module with a
// `trunk` and a ModuleList `heads` has the same state_dict keys).
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "isinggan/layers/channel_check.hpp"
#include "isinggan/layers/layer.hpp"

namespace isinggan {

template <class Trunk, class... Heads>
class branch {
    static_assert(sizeof...(Heads) > 0, "branch<Trunk, Heads...> needs at least one head");
    static_assert(layer<Trunk> && (layer<Heads> && ...),
                  "branch: the trunk and every head must satisfy isinggan::layer");
    static_assert(layer_detail::check_layer<Trunk>() && (layer_detail::check_layer<Heads>() && ...));
    static_assert([]<std::size_t... I>(std::index_sequence<I...>) {
        return (channel_check::head_fits_trunk<I, Trunk, Heads>() && ...);
    }(std::index_sequence_for<Heads...>{}), "branch: a head's input channels differ from the trunk's output channels");

public:
    using backend_type = typename Trunk::backend_type;
    using tensor_type = tensor<backend_type>;
    static constexpr std::size_t head_count = sizeof...(Heads);
    static constexpr int in_channels = Trunk::in_channels;
    using outputs = std::tuple<const tensor<typename Heads::backend_type>&...>;

    branch() = default;
    branch(Trunk trunk, Heads... heads) : trunk_(std::move(trunk)), heads_(std::move(heads)...) {}

    /// The heads' outputs, in order; each valid until the next forward.
    /// backward reads the forward input again, so a temporary input (gone by then) is refused.
    outputs forward(tensor_type&&) = delete;
    outputs forward(const tensor_type& x) {
        const tensor_type& features = trunk_.forward(x);
        return std::apply([&](auto&... h) { return outputs(h.forward(features)...); }, heads_);
    }

    /// Takes dL/d(output) of every head and returns dL/dx.
    template <class... Grads>
        requires(sizeof...(Grads) == sizeof...(Heads) && (std::same_as<Grads, tensor_type> && ...))
    const tensor_type& backward(const Grads&... dys) {
        std::tuple<const Grads&...> grads(dys...);
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (add_head_gradient<I>(std::get<I>(grads)), ...);
        }(std::index_sequence_for<Heads...>{});
        return trunk_.backward(d_features_);
    }

    void set_training(bool on) {
        trunk_.set_training(on);
        std::apply([&](auto&... h) { (h.set_training(on), ...); }, heads_);
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
        isinggan::reset_parameters(trunk_, gen);
        std::apply([&](auto&... h) { (isinggan::reset_parameters(h, gen), ...); }, heads_);
    }

    Trunk& trunk() { return trunk_; }
    template <std::size_t I>
    auto& head() { return std::get<I>(heads_); }

private:
    template <std::size_t I>
    void add_head_gradient(const tensor_type& dy) {
        const tensor_type& d = std::get<I>(heads_).backward(dy);
        if constexpr (I == 0) {
            layer_detail::copy_as(d, d_features_, d.shape());
        } else {
            ops::axpy(backend_type{}, 1.0f, d, d_features_);
        }
    }

    template <class F>
    void for_each_child(F&& f) {
        f(std::string("trunk"), trunk_);
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (f("heads." + std::to_string(I), std::get<I>(heads_)), ...);
        }(std::index_sequence_for<Heads...>{});
    }

    Trunk trunk_;
    std::tuple<Heads...> heads_;
    tensor_type d_features_;
};

}  // namespace isinggan
