#pragma once
// The smoothness losses of losses/mrf on device maps: the `cuda` overloads of
// the ops whose CPU overloads are in backend/cpu/smoothness.hpp (the contract
// is written there). On the GPU a loss object is read for its policies and
// options and the fused kernels of mrf.cuh and laplacian_l1.cuh run:
//   - a loss with pairwise, neighbourhood and weighting types (mrf_loss):
//     mrf_forward_backward with them;
//   - a loss with a border (laplacian_l1): laplacian_l1_forward_backward;
//   - a disabled loss (no_smoothness): no energy, a zero gradient.
// Recognised by what a loss has, so this header needs none of losses/.
#include <type_traits>

#include "isinggan/backend/cuda/laplacian_l1.cuh"
#include "isinggan/backend/cuda/mrf.cuh"
#include "isinggan/core/mrf/options.hpp"

namespace isinggan::cuda_detail {

template <class Loss>
concept mrf_policy_loss = requires(const Loss& loss) {
    typename Loss::pairwise_type;
    typename Loss::neighborhood_type;
    typename Loss::weighting_type;
    { loss.options() } -> std::convertible_to<const mrf_options&>;
};

template <class Loss>
concept laplacian_loss = requires(const Loss& loss) {
    { loss.options() } -> std::convertible_to<const mrf_options&>;
    { loss.border() } -> std::convertible_to<laplacian_border>;
};

template <class>
inline constexpr bool no_gpu_kernel = false;

}  // namespace isinggan::cuda_detail

namespace isinggan::ops {

template <class Loss>
double smoothness_forward_backward(cuda, const Loss& loss, const tensor<cuda>& map, const tensor<cuda>& guide,
                                   tensor<cuda>& grad, gradient_mode mode) {
    if constexpr (!Loss::enabled) {
        if (mode == gradient_mode::overwrite) {
            grad.resize(map.shape());
            grad.zero();
        } else {
            require_shape(grad.shape(), map.shape(), "no_smoothness gradient (accumulate mode)");
        }
        return 0.0;
    } else if constexpr (cuda_detail::mrf_policy_loss<Loss>) {
        using P = typename Loss::pairwise_type;
        using N = typename Loss::neighborhood_type;
        using W = typename Loss::weighting_type;
        static_assert(W::needs_guide || std::is_same_v<W, uniform>,
                      "isinggan: on the cuda backend a pair weighting either reads a guide image "
                      "(needs_guide) or is uniform");
        if constexpr (W::needs_guide)
            return mrf_forward_backward<P, N, W>(cuda{}, map, guide, &grad, loss.options(), mode);
        else
            return mrf_forward_backward<P, N>(cuda{}, map, &grad, loss.options(), mode);
    } else if constexpr (cuda_detail::laplacian_loss<Loss>) {
        return laplacian_l1_forward_backward(cuda{}, map, &grad, loss.options(), loss.border(), mode);
    } else {
        static_assert(cuda_detail::no_gpu_kernel<Loss>,
                      "isinggan: this smoothness loss has no GPU kernel: an mrf_loss (any pairwise energy, "
                      "neighbourhood and weighting), laplacian_l1 or no_smoothness runs on the cuda backend");
        return 0.0;
    }
}

template <class Loss>
double smoothness_value(cuda, const Loss& loss, const tensor<cuda>& map) {
    if constexpr (cuda_detail::mrf_policy_loss<Loss> && std::is_same_v<typename Loss::weighting_type, uniform>) {
        return mrf_forward<typename Loss::pairwise_type, typename Loss::neighborhood_type>(cuda{}, map,
                                                                                        loss.options());
    } else {
        static_assert(cuda_detail::no_gpu_kernel<Loss>,
                      "isinggan: smoothness_value on the cuda backend takes an mrf_loss with uniform weights");
        return 0.0;
    }
}

}  // namespace isinggan::ops
