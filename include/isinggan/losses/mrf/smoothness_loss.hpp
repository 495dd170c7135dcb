#pragma once
// The contract a trainer expects of its smoothness-loss template argument, and
// one call that serves guided and unguided losses alike.
//
//     template <class Generator, class Discriminator, smoothness_loss Smooth>
//     class gan_trainer { ... Smooth smooth_; ...
//         if constexpr (Smooth::enabled)
//             apply_smoothness(smooth_, mask, image, mask_grad, gradient_mode::accumulate);
//     };
#include <concepts>

#include "isinggan/core/tensor.hpp"
#include "isinggan/losses/mrf/options.hpp"

namespace isinggan {

template <class L>
concept smoothness_loss =
    requires {
        { L::enabled } -> std::convertible_to<bool>;
        { L::needs_guide } -> std::convertible_to<bool>;
    } &&
    ((!L::needs_guide &&
      requires(L& loss, const tensor<cpu>& f, tensor<cpu>& g) {
          { loss.forward_backward(f, g, gradient_mode::accumulate) } -> std::convertible_to<double>;
      }) ||
     (L::needs_guide && requires(L& loss, const tensor<cpu>& f, const tensor<cpu>& guide, tensor<cpu>& g) {
         { loss.forward_backward(f, guide, g, gradient_mode::accumulate) } -> std::convertible_to<double>;
     }));

/// loss.forward_backward on `map`, passing `guide` only to losses that use one
/// (image_guided weighting); returns λ·E, reduced.
template <smoothness_loss L, class T>
double apply_smoothness(L& loss, const tensor<cpu, T>& map, const tensor<cpu, T>& guide, tensor<cpu, T>& grad_map,
                        gradient_mode mode) {
    if constexpr (L::needs_guide)
        return loss.forward_backward(map, guide, grad_map, mode);
    else
        return loss.forward_backward(map, grad_map, mode);
}

}  // namespace isinggan
