#pragma once
// no_smoothness: the "no MRF term" choice for a trainer's smoothness-loss
// argument, giving the vanilla GAN and ResGAN of the paper (eq. 1 alone):
//     gan_trainer<generator, discriminator, no_smoothness>
// A trainer tests `Loss::enabled` with `if constexpr` and skips the term
// entirely; called anyway, it contributes nothing.
#include "isinggan/core/tensor.hpp"
#include "isinggan/losses/mrf/options.hpp"

namespace isinggan {

struct no_smoothness {
    static constexpr bool enabled = false;
    static constexpr bool needs_guide = false;

    no_smoothness() = default;
    explicit no_smoothness(const mrf_options&) {}

    template <class T>
    double forward(const tensor<cpu, T>&) {
        return 0.0;
    }

    /// Returns 0; writes a zero gradient (overwrite) or leaves grad_f as it is (accumulate).
    template <class T>
    double forward_backward(const tensor<cpu, T>& f, tensor<cpu, T>& grad_f,
                            gradient_mode mode = gradient_mode::overwrite) {
        if (mode == gradient_mode::overwrite) {
            grad_f.resize(f.shape());
            grad_f.zero();
        } else {
            require_shape(grad_f.shape(), f.shape(), "no_smoothness gradient (accumulate mode)");
        }
        return 0.0;
    }
};

}  // namespace isinggan
