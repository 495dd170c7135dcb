#pragma once
// batch_norm2d<C> and batch_norm1d<C>: batch normalisation with PyTorch's
// definitions. In training, each channel is normalised by the mean and the
// biased variance of the batch (over N, H, W), and the running statistics
// move towards the batch's: running = (1 - momentum) running + momentum batch,
// with the *unbiased* variance for running_var. In evaluation the running
// statistics normalise. momentum 0.1, eps 1e-5 by default.
//
// batch_norm1d takes [N, C, 1, 1] (after a dense layer) or [N, C, L, 1];
// batch_norm2d takes [N, C, H, W]. Parameters "weight" (scale, starts at 1) and
// "bias" (shift, starts at 0), buffers "running_mean" (0) and "running_var"
// (1), each stored as [C, 1, 1, 1]. PyTorch's integer buffer
// num_batches_tracked is not kept (it only matters when momentum is None).
#include <cmath>
#include <string>

#include "isinggan/core/collective.hpp"
#include "isinggan/layers/layer.hpp"

namespace isinggan {

template <int C, int Rank, class Backend = cpu>
class basic_batch_norm {
    static_assert(C > 0, "batch_norm: the channel count must be positive");
    static_assert(Rank == 1 || Rank == 2, "batch_norm: Rank is 1 (batch_norm1d) or 2 (batch_norm2d)");

public:
    using backend_type = Backend;
    static constexpr int in_channels = C;
    static constexpr int out_channels = C;

    explicit basic_batch_norm(float momentum = 0.1f, float eps = 1e-5f) : momentum_(momentum), eps_(eps) {
        if (!(momentum >= 0.0f && momentum <= 1.0f))
            throw argument_error("batch_norm: momentum must be in [0, 1], got " + std::to_string(momentum));
        if (!(eps > 0.0f)) throw argument_error("batch_norm: eps must be positive, got " + std::to_string(eps));
        reset_parameters(default_init_generator());
    }

    /// PyTorch's reset: scale 1, shift 0, running mean 0, running variance 1.
    /// (Draws nothing from `gen`.)
    void reset_parameters(rng&) {
        weight_.value.fill(1.0f);
        bias_.value.zero();
        running_mean_.zero();
        running_var_.fill(1.0f);
    }

    /// backward reads the forward input again, so a temporary input (gone by then) is refused.
    const tensor<Backend>& forward(tensor<Backend>&&) = delete;
    const tensor<Backend>& forward(const tensor<Backend>& x) {
        layer_detail::require_backend<Backend>();
        const char* name = Rank == 1 ? "batch_norm1d" : "batch_norm2d";
        require_nonempty(x.shape(), name);
        layer_detail::require_channels(x.shape(), C, name);
        if (Rank == 1 && x.w() != 1)
            throw shape_error(std::string(name) + ": expects [N, C, 1, 1] or [N, C, L, 1], got " + x.shape().str());
        const std::size_t count = x.n() * x.h() * x.w();
        if (training_ && count < 2)
            throw shape_error(std::string(name) + ": training needs more than one value per channel, got input " +
                              x.shape().str());
        trained_forward_ = training_;
        // Synchronised statistics when a data-parallel trainer asks for them (core/collective.hpp);
        // the backward pass must then sum over the same ranks.
        sync_ = training_ ? batch_norm_sync() : nullptr;
        input_ = &x;
        if (training_)
            ops::batch_norm2d_forward_training(Backend{}, x, weight_.value, bias_.value, running_mean_, running_var_,
                                               momentum_, eps_, y_, mean_, inv_std_, sync_);
        else
            ops::batch_norm2d_forward_inference(Backend{}, x, weight_.value, bias_.value, running_mean_, running_var_,
                                                eps_, y_, mean_, inv_std_);
        return y_;
    }

    // The gradient (formulas in backend/cpu/batch_norm.hpp) recomputes xhat
    // from the input rather than storing it, which saves an activation-sized
    // buffer per batch norm.
    const tensor<Backend>& backward(const tensor<Backend>& dy) {
        const char* name = Rank == 1 ? "batch_norm1d" : "batch_norm2d";
        layer_detail::require_forward_done(input_, name);
        layer_detail::require_grad_shape(dy.shape(), y_.shape(), name);
        ops::batch_norm2d_backward(Backend{}, *input_, dy, weight_.value, mean_, inv_std_, trained_forward_, dx_,
                                   weight_.grad, bias_.grad, sync_);
        return dx_;
    }

    void set_training(bool on) { training_ = on; }
    bool training() const { return training_; }

    template <class F>
    void for_each_param(F&& f) {
        f("weight", weight_);
        f("bias", bias_);
    }
    template <class F>
    void for_each_buffer(F&& f) {
        f("running_mean", running_mean_);
        f("running_var", running_var_);
    }

    parameter<Backend>& weight() { return weight_; }
    parameter<Backend>& bias() { return bias_; }
    tensor<Backend>& running_mean() { return running_mean_; }
    tensor<Backend>& running_var() { return running_var_; }
    float momentum() const { return momentum_; }
    float eps() const { return eps_; }

private:
    static constexpr shape4 vec{std::size_t(C), 1, 1, 1};

    float momentum_, eps_;
    bool training_ = true;
    bool trained_forward_ = true;  // the mode of the forward that backward differentiates
    collective* sync_ = nullptr;   // the communicator of that forward's statistics, if synchronised
    parameter<Backend> weight_{vec}, bias_{vec};
    tensor<Backend> running_mean_{vec}, running_var_{vec};
    tensor<Backend> mean_{vec}, inv_std_{vec};  // statistics of the last forward
    const tensor<Backend>* input_ = nullptr;
    tensor<Backend> y_, dx_;
};

template <int C, class Backend = cpu>
using batch_norm2d = basic_batch_norm<C, 2, Backend>;
template <int C, class Backend = cpu>
using batch_norm1d = basic_batch_norm<C, 1, Backend>;

}  // namespace isinggan
