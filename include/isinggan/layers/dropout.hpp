#pragma once
// dropout: in training, zeroes each element with probability p and scales the
// survivors by 1 / (1 - p), so the expected output equals the input (PyTorch's
// Dropout); in evaluation it passes values through. The mask comes from the
// layer's own seeded generator, a new one at every forward, so a run is
// reproducible from the seed.
#include <algorithm>
#include <cstdint>
#include <string>

#include "isinggan/layers/layer.hpp"

namespace isinggan {

template <class Backend = cpu>
class basic_dropout : public no_parameters {
public:
    using backend_type = Backend;
    static constexpr int in_channels = any_channels;
    static constexpr int out_channels = any_channels;

    explicit basic_dropout(float p = 0.5f, std::uint64_t seed = 0x0d20b0a7ULL) : p_(p), gen_(seed) {
        if (!(p >= 0.0f && p <= 1.0f))
            throw argument_error("dropout: the probability must be in [0, 1], got " + std::to_string(p));
    }

    /// backward reads the forward input again, so a temporary input (gone by then) is refused.
    const tensor<Backend>& forward(tensor<Backend>&&) = delete;
    const tensor<Backend>& forward(const tensor<Backend>& x) {
        layer_detail::require_cpu<Backend>();
        y_.resize(x.shape());
        mask_.resize(x.shape());
        const std::size_t n = x.size();
        float* mask = mask_.data();
        if (!training_) {
            std::fill_n(mask, n, 1.0f);
        } else {
            // Each 64-bit draw decides two elements: an element is dropped when
            // its 32-bit half is below p * 2^32.
            const float keep = p_ >= 1.0f ? 0.0f : 1.0f / (1.0f - p_);
            const std::uint64_t threshold = static_cast<std::uint64_t>(double(p_) * 4294967296.0);
            for (std::size_t i = 0; i < n; i += 2) {
                const std::uint64_t r = gen_.next();
                mask[i] = (r & 0xffffffffULL) < threshold ? 0.0f : keep;
                if (i + 1 < n) mask[i + 1] = (r >> 32) < threshold ? 0.0f : keep;
            }
        }
        const float* xp = x.data();
        float* yp = y_.data();
        for (std::size_t i = 0; i < n; ++i) yp[i] = xp[i] * mask[i];
        return y_;
    }

    const tensor<Backend>& backward(const tensor<Backend>& dy) {
        layer_detail::require_forward_done(y_.empty() ? nullptr : this, "dropout");
        layer_detail::require_grad_shape(dy.shape(), y_.shape(), "dropout");
        dx_.resize(dy.shape());
        for (std::size_t i = 0; i < dy.size(); ++i) dx_.data()[i] = dy.data()[i] * mask_.data()[i];
        return dx_;
    }

    void set_training(bool on) { training_ = on; }
    void seed(std::uint64_t s) { gen_.seed(s); }
    float probability() const { return p_; }
    /// The multipliers of the last forward (0 or 1 / (1 - p); 1 in evaluation).
    const tensor<Backend>& mask() const { return mask_; }

private:
    float p_;
    rng gen_;
    bool training_ = true;
    tensor<Backend> mask_, y_, dx_;
};

using dropout = basic_dropout<cpu>;

}  // namespace isinggan
