#pragma once
// residual<Block>: y = x + Block(x), the identity shortcut of a residual
// network. The block must keep the channel count (and the spatial size).
// Parameter names: "block." followed by the block's names ("block.0.weight").
#include <string_view>

#include "isinggan/layers/layer.hpp"

namespace isinggan {

template <class Block>
class residual {
    static_assert(layer<Block>, "residual<Block>: Block must satisfy isinggan::layer");
    static_assert(layer_detail::check_layer<Block>());
    static_assert(channels_compatible(Block::out_channels, Block::in_channels),
                  "residual<Block>: the block must produce as many channels as it takes, since its output is "
                  "added to its input");

public:
    using backend_type = typename Block::backend_type;
    using tensor_type = tensor<backend_type>;
    static constexpr int in_channels = Block::in_channels >= 0 ? Block::in_channels : Block::out_channels;
    static constexpr int out_channels = in_channels;

    residual() = default;
    explicit residual(Block block) : block_(std::move(block)) {}

    /// backward reads the forward input again, so a temporary input (gone by then) is refused.
    const tensor_type& forward(tensor_type&&) = delete;
    const tensor_type& forward(const tensor_type& x) {
        layer_detail::require_backend<backend_type>();
        const tensor_type& fx = block_.forward(x);
        if (fx.shape() != x.shape())
            throw shape_error("residual: the block maps input " + x.shape().str() + " to " + fx.shape().str() +
                              ", which cannot be added to the input");
        ops::add(backend_type{}, x, fx, y_);
        return y_;
    }

    /// dx = dy + Block'(x)^T dy.
    const tensor_type& backward(const tensor_type& dy) {
        layer_detail::require_grad_shape(dy.shape(), y_.shape(), "residual");
        const tensor_type& dblock = block_.backward(dy);
        ops::add(backend_type{}, dy, dblock, dx_);
        return dx_;
    }

    void set_training(bool on) { block_.set_training(on); }

    template <class F>
    void for_each_param(F&& f) {
        visit_params(block_, [&](std::string_view name, auto& p) { f(join_name("block", name), p); });
    }
    template <class F>
    void for_each_buffer(F&& f) {
        visit_buffers(block_, [&](std::string_view name, auto& b) { f(join_name("block", name), b); });
    }
    void reset_parameters(rng& gen) { isinggan::reset_parameters(block_, gen); }

    Block& block() { return block_; }

private:
    Block block_;
    tensor_type y_, dx_;
};

}  // namespace isinggan
