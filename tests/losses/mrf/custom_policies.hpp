#pragma once
// A pairwise energy and a pair weighting that the library does not ship,
// written here as a user writes them: once, marked ISINGGAN_HOST_DEVICE, and
// then used by the CPU kernel (custom_policy.cpp) and by the CUDA kernel
// (backend/cuda/loss_tests.cu) alike.
#include <cmath>
#include <cstddef>

#include "isinggan/core/host_device.hpp"
#include "isinggan/losses/mrf.hpp"

namespace isinggan::testing::mrf {

/// E(a, b) = log(cosh(s·(a − b))) / s with s = 3: quadratic for small
/// differences, linear (slope 1) for large ones; ∂E/∂a = tanh(s·(a − b)).
struct log_cosh {
    static constexpr double s = 3.0;
    template <class T>
    ISINGGAN_HOST_DEVICE static T energy(T a, T b) {
        return std::log(std::cosh(static_cast<T>(s) * (a - b))) / static_cast<T>(s);
    }
    template <class T>
    ISINGGAN_HOST_DEVICE static pair_derivative<T> derivative(T a, T b) {
        const T g = std::tanh(static_cast<T>(s) * (a - b));
        return {g, -g};
    }
};

/// A Lorentzian weight of the guide's luminance L (the mean over its
/// channels): w_pq = 1 / (1 + (L_p − L_q)² / κ²), κ = 0.25, with its gradient
///     ∂w/∂I_p[c] = −w² · 2 (L_p − L_q) / κ² / channels,  and the opposite for I_q[c].
struct luminance_lorentzian {
    static constexpr bool needs_guide = true;
    static constexpr double kappa = 0.25;
    template <class T>
    ISINGGAN_HOST_DEVICE static T luminance_difference(const T* p, const T* q, std::size_t channels,
                                                       std::size_t stride) {
        T d = 0;
        for (std::size_t c = 0; c < channels; ++c) d += p[c * stride] - q[c * stride];
        return d / static_cast<T>(channels);
    }
    template <class T>
    ISINGGAN_HOST_DEVICE static T weight(const T* p, const T* q, std::size_t channels, std::size_t stride) {
        const T d = luminance_difference(p, q, channels, stride);
        return T(1) / (T(1) + d * d / static_cast<T>(kappa * kappa));
    }
    template <class T>
    ISINGGAN_HOST_DEVICE static pair_derivative<T> weight_gradient(const T* p, const T* q, std::size_t channels,
                                                                   std::size_t stride, std::size_t) {
        const T d = luminance_difference(p, q, channels, stride);
        const T w = T(1) / (T(1) + d * d / static_cast<T>(kappa * kappa));
        const T g = -w * w * T(2) * d / static_cast<T>(kappa * kappa) / static_cast<T>(channels);
        return {g, -g};
    }
};

/// The same weight without weight_gradient: usable, but it cannot give the guide's gradient.
struct luminance_lorentzian_without_gradient {
    static constexpr bool needs_guide = true;
    template <class T>
    ISINGGAN_HOST_DEVICE static T weight(const T* p, const T* q, std::size_t channels, std::size_t stride) {
        return luminance_lorentzian::weight(p, q, channels, stride);
    }
};

}  // namespace isinggan::testing::mrf
