#pragma once
// skip_concat<Block>: one level of a U-Net, y = concat(x, Block(x)) along
// channels (PyTorch: torch.cat([x, block(x)], 1)). Block is the rest of the
// network below this level (down-sampling, the inner levels, up-sampling back
// to x's spatial size); the concatenation carries x's fine detail past it.
// Output channels: In + Block's output channels. Parameter names: "block.*".
#include <string>
#include <string_view>

#include "isinggan/backend/cpu/channel_concat.hpp"
#include "isinggan/layers/layer.hpp"

namespace isinggan {

template <class Block>
class skip_concat {
    static_assert(layer<Block>, "skip_concat<Block>: Block must satisfy isinggan::layer");
    static_assert(layer_detail::check_layer<Block>());
    static_assert(Block::in_channels >= 0 && Block::out_channels >= 0,
                  "skip_concat<Block>: the block must state its input and output channel counts (its first and "
                  "last layers fix them), so that the concatenation's channel count is known at compile time");

public:
    using backend_type = typename Block::backend_type;
    using tensor_type = tensor<backend_type>;
    static constexpr int in_channels = Block::in_channels;
    static constexpr int out_channels = Block::in_channels + Block::out_channels;

    skip_concat() = default;
    explicit skip_concat(Block block) : block_(std::move(block)) {}

    /// backward reads the forward input again, so a temporary input (gone by then) is refused.
    const tensor_type& forward(tensor_type&&) = delete;
    const tensor_type& forward(const tensor_type& x) {
        layer_detail::require_backend<backend_type>();
        const tensor_type& inner = block_.forward(x);
        if (inner.n() != x.n() || inner.h() != x.h() || inner.w() != x.w())
            throw shape_error("skip_concat: the block maps input " + x.shape().str() + " to " +
                              inner.shape().str() + ", whose batch or spatial size differs from the input's");
        concat_channels(backend_type{}, x, inner, y_);
        return y_;
    }

    /// The first In channels of dy go straight to x; the rest go through the block.
    const tensor_type& backward(const tensor_type& dy) {
        layer_detail::require_forward_done(y_.empty() ? nullptr : this, "skip_concat");
        layer_detail::require_grad_shape(dy.shape(), y_.shape(), "skip_concat");
        split_channels(backend_type{}, dy, std::size_t(In()), d_skip_, d_inner_);
        const tensor_type& dblock = block_.backward(d_inner_);
        ops::add(backend_type{}, d_skip_, dblock, dx_);
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
    static constexpr int In() { return Block::in_channels; }

    Block block_;
    tensor_type y_, d_skip_, d_inner_, dx_;
};

}  // namespace isinggan
