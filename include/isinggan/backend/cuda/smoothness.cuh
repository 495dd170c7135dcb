#pragma once
// The smoothness policies of losses/mrf (mrf_loss, laplacian_l1,
// no_smoothness) on device maps: the GPU trainer calls these where the host
// trainer calls the policy's own forward / forward_backward. Each forwards to
// the fused kernels of mrf.cuh and laplacian_l1.cuh with the policy's options.
#include "isinggan/backend/cuda/laplacian_l1.cuh"
#include "isinggan/backend/cuda/mrf.cuh"
#include "isinggan/losses/mrf/laplacian_l1.hpp"
#include "isinggan/losses/mrf/mrf_loss.hpp"
#include "isinggan/losses/mrf/no_smoothness.hpp"

namespace isinggan::ops {

/// λ·E(map) and its gradient into grad (written or added, as `mode` says);
/// `guide` is read only by image-guided weightings.
template <pairwise_energy Pairwise, neighborhood Neighborhood, pair_weighting Weighting>
double smoothness_forward_backward(cuda, const mrf_loss<Pairwise, Neighborhood, Weighting>& loss,
                                   const tensor<cuda>& map, const tensor<cuda>& guide, tensor<cuda>& grad,
                                   gradient_mode mode) {
    if constexpr (Weighting::needs_guide)
        return mrf_forward_backward<Pairwise, Neighborhood, Weighting>(cuda{}, map, guide, &grad, loss.options(),
                                                                       mode);
    else
        return mrf_forward_backward<Pairwise, Neighborhood>(cuda{}, map, &grad, loss.options(), mode);
}

inline double smoothness_forward_backward(cuda, const laplacian_l1& loss, const tensor<cuda>& map,
                                          const tensor<cuda>&, tensor<cuda>& grad, gradient_mode mode) {
    return laplacian_l1_forward_backward(cuda{}, map, &grad, loss.options(), loss.border(), mode);
}

inline double smoothness_forward_backward(cuda, const no_smoothness&, const tensor<cuda>& map, const tensor<cuda>&,
                                          tensor<cuda>& grad, gradient_mode mode) {
    if (mode == gradient_mode::overwrite) {
        grad.resize(map.shape());
        grad.zero();
    } else {
        require_shape(grad.shape(), map.shape(), "no_smoothness gradient (accumulate mode)");
    }
    return 0.0;
}

/// λ·E(map), the value only, for a policy without a guide.
template <pairwise_energy Pairwise, neighborhood Neighborhood>
double smoothness_value(cuda, const mrf_loss<Pairwise, Neighborhood, uniform>& loss, const tensor<cuda>& map) {
    return mrf_forward<Pairwise, Neighborhood>(cuda{}, map, loss.options());
}

}  // namespace isinggan::ops
