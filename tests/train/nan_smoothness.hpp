#pragma once
// A smoothness term that is NaN while `poisoned`, for the tests of the
// trainer's undo: the discriminator's loss stays finite, so its step is taken
// before the generator's loss is known to be non-finite.
#include <cmath>

#include "isinggan/core/tensor.hpp"
#include "isinggan/losses/mrf.hpp"

namespace isinggan::testing {

struct nan_smoothness {
    static constexpr bool enabled = true;
    static constexpr bool needs_guide = false;
    inline static bool poisoned = false;
    nan_smoothness() = default;
    explicit nan_smoothness(const mrf_options&) {}
    double forward_backward(const tensor<cpu>& f, tensor<cpu>& grad, gradient_mode = gradient_mode::overwrite) {
        require_shape(grad.shape(), f.shape(), "nan_smoothness");
        return poisoned ? std::nan("") : 0.0;
    }
};

}  // namespace isinggan::testing
