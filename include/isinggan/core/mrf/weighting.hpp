#pragma once
// Per-pair weights w_pq in Σ_{p,q} w_pq · E(f_p, f_q).
//
// `uniform` weights every pair 1 (the paper). `image_guided<Sigma>` reads a
// guide image I of the same batch and spatial size (the generated RGB image in
// Ising-GAN) and weights a pair by
//     w_pq = exp(−‖I_p − I_q‖² / (2σ²)),
// so a mask boundary that runs along an edge of the image costs little and one
// that cuts through a flat region costs the full pairwise energy: the mask may
// change where the image changes (the paper's stated future work).
//
// The weight multiplies the neighborhood's own weight (1/√2 on diagonals, say).
//
// A weighting is a struct with
//     static constexpr bool needs_guide;
// and, when it needs a guide, the weight of a pair from the guide's pixels p
// and q (channel planes `stride` elements apart):
//     template <class T> ISINGGAN_HOST_DEVICE
//     static T weight(const T* p, const T* q, std::size_t channels, std::size_t stride);
// and optionally, for the guide's gradient (forward_backward's grad_guide),
// the two partial derivatives with respect to channel c of I_p and of I_q:
//     template <class T> ISINGGAN_HOST_DEVICE
//     static pair_derivative<T> weight_gradient(const T* p, const T* q, std::size_t channels,
//                                               std::size_t stride, std::size_t c);
// Both the CPU and the CUDA kernel call these same functions (see pairwise.hpp).
#include <cmath>
#include <concepts>
#include <cstddef>

#include "isinggan/core/host_device.hpp"
#include "isinggan/core/mrf/pairwise.hpp"

namespace isinggan {

/// The contract of a weighting (checked where it is used).
template <class W>
concept pair_weighting = requires {
    { W::needs_guide } -> std::convertible_to<bool>;
} && (!W::needs_guide || requires(const float* pf, const double* pd, std::size_t n) {
    { W::weight(pf, pf, n, n) } -> std::convertible_to<float>;
    { W::weight(pd, pd, n, n) } -> std::convertible_to<double>;
});

/// A guided weighting that can also give the guide's gradient.
template <class W>
concept pair_weighting_with_gradient =
    pair_weighting<W> && W::needs_guide && requires(const float* pf, const double* pd, std::size_t n) {
        { W::weight_gradient(pf, pf, n, n, n) } -> std::same_as<pair_derivative<float>>;
        { W::weight_gradient(pd, pd, n, n, n) } -> std::same_as<pair_derivative<double>>;
    };

/// w_pq = 1: no guide image.
struct uniform {
    static constexpr bool needs_guide = false;
};

/// w_pq = exp(−‖I_p − I_q‖² / (2 Sigma²)) over the guide's channels.
///
/// The guide is treated as a constant by default: gradients flow into the mask
/// only, so the smoothness term cannot push the generator to blur its image to
/// make mask boundaries cheap. forward_backward takes an optional tensor that
/// receives ∂(λE)/∂I for users who want that coupling.
template <double Sigma>
struct image_guided {
    static_assert(Sigma > 0.0, "image_guided<Sigma> needs Sigma > 0");
    static constexpr bool needs_guide = true;
    static constexpr double sigma = Sigma;

    /// ‖I_p − I_q‖² over `channels` channel planes `stride` elements apart.
    template <class T>
    ISINGGAN_HOST_DEVICE static T squared_distance(const T* p, const T* q, std::size_t channels, std::size_t stride) {
        T s = 0;
        for (std::size_t c = 0; c < channels; ++c) {
            const T d = p[c * stride] - q[c * stride];
            s += d * d;
        }
        return s;
    }

    template <class T>
    ISINGGAN_HOST_DEVICE static T weight(const T* p, const T* q, std::size_t channels, std::size_t stride) {
        return std::exp(-squared_distance(p, q, channels, stride) / static_cast<T>(2.0 * Sigma * Sigma));
    }

    /// ∂w/∂I_p[c] = −w (I_p[c] − I_q[c]) / σ², and the opposite for I_q[c].
    template <class T>
    ISINGGAN_HOST_DEVICE static pair_derivative<T> weight_gradient(const T* p, const T* q, std::size_t channels,
                                                                   std::size_t stride, std::size_t c) {
        const T g = -weight(p, q, channels, stride) * (p[c * stride] - q[c * stride]) * static_cast<T>(1.0 / (Sigma * Sigma));
        return {g, -g};
    }
};

}  // namespace isinggan
