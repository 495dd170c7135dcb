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
        if constexpr (!std::same_as<Backend, cpu>) {
            input_ = &x;
#ifdef ISINGGAN_CUDA_OPS
            if (training_)
                ops::batch_norm2d_forward_training(Backend{}, x, weight_.value, bias_.value, running_mean_,
                                                   running_var_, momentum_, eps_, y_, mean_, inv_std_);
            else
                ops::batch_norm2d_forward_inference(Backend{}, x, weight_.value, bias_.value, running_mean_,
                                                    running_var_, eps_, y_, mean_, inv_std_);
#endif
            return y_;
        } else {
            float* mean = mean_.data();
            float* inv_std = inv_std_.data();
            if (training_) {
                ops::channel_mean_var(cpu{}, x, mean_.values(), var_.values());
                const float m = momentum_;
                const double unbias = double(count) / double(count - 1);
                for (int c = 0; c < C; ++c) {
                    inv_std[c] = float(1.0 / std::sqrt(double(var_.data()[c]) + eps_));
                    running_mean_.data()[c] = (1.0f - m) * running_mean_.data()[c] + m * mean[c];
                    running_var_.data()[c] = float((1.0 - m) * running_var_.data()[c] + m * var_.data()[c] * unbias);
                }
            } else {
                for (int c = 0; c < C; ++c) {
                    mean[c] = running_mean_.data()[c];
                    inv_std[c] = float(1.0 / std::sqrt(double(running_var_.data()[c]) + eps_));
                }
            }
            input_ = &x;
            y_.resize(x.shape());
            const std::size_t plane = x.shape().plane_size();
            cpu_detail::parallel_for(long(x.n() * C), plane * 4, [&](long t) {
                const int c = int(t % C);
                const float mu = mean[c], s = inv_std[c], g = weight_.value.data()[c], b = bias_.value.data()[c];
                const float* xp = x.data() + t * plane;
                float* yp = y_.data() + t * plane;
                for (std::size_t i = 0; i < plane; ++i) yp[i] = g * ((xp[i] - mu) * s) + b;
            });
            return y_;
        }
    }

    // Training: dx = g s / M (M dy - sum(dy) - xhat sum(dy xhat)), the batch
    // statistics depending on x. Evaluation: dx = g s dy. Both: dweight +=
    // sum(dy xhat), dbias += sum(dy), sums per channel over N, H, W (M values).
    // xhat = (x - mean) s is recomputed from the input rather than stored,
    // which saves an activation-sized buffer per batch norm.
    const tensor<Backend>& backward(const tensor<Backend>& dy) {
        const char* name = Rank == 1 ? "batch_norm1d" : "batch_norm2d";
        layer_detail::require_forward_done(input_, name);
        layer_detail::require_grad_shape(dy.shape(), y_.shape(), name);
        if constexpr (!std::same_as<Backend, cpu>) {
#ifdef ISINGGAN_CUDA_OPS
            ops::batch_norm2d_backward(Backend{}, *input_, dy, weight_.value, mean_, inv_std_, trained_forward_, dx_,
                                       weight_.grad, bias_.grad);
#endif
            return dx_;
        } else {
            const std::size_t n = dy.n(), plane = dy.shape().plane_size();
            const double count = double(n * plane);
            dx_.resize(dy.shape());
            cpu_detail::parallel_for(C, n * plane * 6, [&](long c) {
                const float mu = mean_.data()[c], s = inv_std_.data()[c];
                double sum_dy = 0.0, sum_dy_xhat = 0.0;
                for (std::size_t b = 0; b < n; ++b) {
                    const float* d = dy.plane(b, c);
                    const float* xp = input_->plane(b, c);
                    for (std::size_t i = 0; i < plane; ++i) {
                        sum_dy += d[i];
                        sum_dy_xhat += double(d[i]) * ((xp[i] - mu) * s);
                    }
                }
                weight_.grad.data()[c] += float(sum_dy_xhat);
                bias_.grad.data()[c] += float(sum_dy);
                const float k = weight_.value.data()[c] * inv_std_.data()[c];
                const float mean_dy = trained_forward_ ? float(sum_dy / count) : 0.0f;
                const float mean_dy_xhat = trained_forward_ ? float(sum_dy_xhat / count) : 0.0f;
                for (std::size_t b = 0; b < n; ++b) {
                    const float* d = dy.plane(b, c);
                    const float* xp = input_->plane(b, c);
                    float* out = dx_.plane(b, c);
                    for (std::size_t i = 0; i < plane; ++i) out[i] = k * (d[i] - mean_dy - (xp[i] - mu) * s * mean_dy_xhat);
                }
            });
            return dx_;
        }
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
    parameter<Backend> weight_{vec}, bias_{vec};
    tensor<Backend> running_mean_{vec}, running_var_{vec};
    tensor<Backend> mean_{vec}, var_{vec}, inv_std_{vec};  // statistics of the last forward
    const tensor<Backend>* input_ = nullptr;
    tensor<Backend> y_, dx_;
};

template <int C, class Backend = cpu>
using batch_norm2d = basic_batch_norm<C, 2, Backend>;
template <int C, class Backend = cpu>
using batch_norm1d = basic_batch_norm<C, 1, Backend>;

}  // namespace isinggan
