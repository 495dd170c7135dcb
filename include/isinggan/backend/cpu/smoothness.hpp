#pragma once
// The smoothness losses of losses/mrf (mrf_loss, laplacian_l1, no_smoothness,
// or a user's own smoothness_loss) on host maps: the CPU overloads of the ops
// the GAN trainer calls for any backend. On the CPU a loss object runs its
// own fused kernel (losses/mrf/fused_kernel.hpp), so these forward to its
// members; the `cuda` overloads (backend/cuda/smoothness.cuh) forward to the
// GPU kernels with the loss's options and policies.
#include "isinggan/core/mrf/options.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan::ops {

/// λ·E(map) and its gradient into grad (written or added, as `mode` says);
/// `guide` is read only by losses whose weighting needs one (Loss::needs_guide).
template <class Loss>
double smoothness_forward_backward(cpu, Loss& loss, const tensor<cpu>& map, const tensor<cpu>& guide,
                                   tensor<cpu>& grad, gradient_mode mode) {
    if constexpr (Loss::needs_guide)
        return loss.forward_backward(map, guide, grad, mode);
    else
        return loss.forward_backward(map, grad, mode);
}

/// λ·E(map), the value only, for a loss without a guide.
template <class Loss>
double smoothness_value(cpu, Loss& loss, const tensor<cpu>& map) {
    return loss.forward(map);
}

}  // namespace isinggan::ops
