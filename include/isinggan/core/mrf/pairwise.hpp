#pragma once
// Pairwise energies E(f_p, f_q) for the smoothness term of eq. (2).
//
// A pairwise policy is a struct with two static function templates:
//     template <class T> ISINGGAN_HOST_DEVICE static T energy(T a, T b);                    // E(a, b) >= 0
//     template <class T> ISINGGAN_HOST_DEVICE static pair_derivative<T> derivative(T a, T b); // {∂E/∂a, ∂E/∂b}
// and, optionally,
//     static constexpr std::size_t channels;  // required channel count (0 or absent: any)
//     static constexpr double pair_constant;  // added once per pair (absent: 0)
// Multi-channel maps are handled channel by channel: the energy of a pair is
// pair_constant + Σ_c E(f_p[c], f_q[c]). That is how potts<K> fits the same
// fused kernel: 1 − Σ_k p_k q_k = 1 + Σ_k (−p_k q_k).
//
// The same definition runs in the CPU kernel (fused_kernel.hpp) and, marked
// ISINGGAN_HOST_DEVICE (core/host_device.hpp), in the CUDA kernel
// (backend/cuda/mrf.cuh): a policy is written once, for both backends.
//
// On a binary mask, ising, ising_bilinear and ising_squared all give eq. (3)
// exactly: 0 for equal labels, 1 for different ones. They differ on relaxed
// (soft) masks, which is what a sigmoid-activated generator outputs.
#include <cmath>
#include <concepts>
#include <cstddef>

#include "isinggan/core/host_device.hpp"

namespace isinggan {

/// The two partial derivatives of E(a, b).
template <class T>
struct pair_derivative {
    T first;   ///< ∂E/∂a
    T second;  ///< ∂E/∂b
};

/// The contract a pairwise policy satisfies (checked where it is used, so a
/// custom policy with a typo gives one readable error).
template <class P>
concept pairwise_energy = requires(float a, float b, double x, double y) {
    { P::energy(a, b) } -> std::convertible_to<float>;
    { P::energy(x, y) } -> std::convertible_to<double>;
    { P::derivative(a, b) } -> std::same_as<pair_derivative<float>>;
    { P::derivative(x, y) } -> std::same_as<pair_derivative<double>>;
};

/// |f_p − f_q|: eq. (3) on binary masks, its L1 relaxation on soft ones.
/// Not differentiable where f_p = f_q; there the derivative used is 0 (the
/// subgradient PyTorch's abs() also picks).
struct ising {
    template <class T>
    ISINGGAN_HOST_DEVICE static T energy(T a, T b) {
        return std::abs(a - b);
    }
    template <class T>
    ISINGGAN_HOST_DEVICE static pair_derivative<T> derivative(T a, T b) {
        const T s = a > b ? T(1) : (a < b ? T(-1) : T(0));
        return {s, -s};
    }
};

/// f_p(1 − f_q) + f_q(1 − f_p): the probability that two independent Bernoulli
/// labels with these means differ. Exact on binary masks and smooth everywhere.
struct ising_bilinear {
    template <class T>
    ISINGGAN_HOST_DEVICE static T energy(T a, T b) {
        return a * (T(1) - b) + b * (T(1) - a);
    }
    template <class T>
    ISINGGAN_HOST_DEVICE static pair_derivative<T> derivative(T a, T b) {
        return {T(1) - T(2) * b, T(1) - T(2) * a};
    }
};

/// (f_p − f_q)²: exact on binary masks, the Gaussian-MRF (quadratic) prior on soft ones.
struct ising_squared {
    template <class T>
    ISINGGAN_HOST_DEVICE static T energy(T a, T b) {
        const T d = a - b;
        return d * d;
    }
    template <class T>
    ISINGGAN_HOST_DEVICE static pair_derivative<T> derivative(T a, T b) {
        const T g = T(2) * (a - b);
        return {g, -g};
    }
};

/// Potts model on K-class probability maps (K channels, each pixel a
/// distribution over the classes): E = 1 − Σ_k p_k q_k, the probability that
/// independent draws from p and q disagree. On one-hot maps it is 0 for equal
/// labels and 1 otherwise. With K = 2 and channels [p, 1 − p] it equals
/// ising_bilinear on p exactly: 1 − pq − (1−p)(1−q) = p(1−q) + q(1−p).
template <std::size_t K>
struct potts {
    static_assert(K >= 2, "potts<K> needs at least two classes");
    static constexpr std::size_t channels = K;
    static constexpr double pair_constant = 1.0;
    template <class T>
    ISINGGAN_HOST_DEVICE static T energy(T a, T b) {  // one channel's share: −p_k q_k
        return -a * b;
    }
    template <class T>
    ISINGGAN_HOST_DEVICE static pair_derivative<T> derivative(T a, T b) {
        return {-b, -a};
    }
};

/// Huber's robust penalty on d = f_p − f_q, divided by Delta so that its slope
/// is at most 1 (PyTorch's smooth_l1 with beta = Delta):
///     ρ(d) = d² / (2Δ)   for |d| <= Δ,     |d| − Δ/2   otherwise.
/// Quadratic on small differences (soft smoothing of noise), linear on large
/// ones (an edge costs its height, not its square): edge-preserving in the
/// robust-statistics sense. It tends to ising as Δ → 0; on a binary mask each
/// differing pair costs 1 − Δ/2 (Δ <= 1).
template <double Delta>
struct huber {
    static_assert(Delta > 0.0, "huber<Delta> needs Delta > 0");
    template <class T>
    ISINGGAN_HOST_DEVICE static T energy(T a, T b) {
        const T d = std::abs(a - b);
        const T delta = static_cast<T>(Delta);
        return d <= delta ? d * d / (T(2) * delta) : d - delta / T(2);
    }
    template <class T>
    ISINGGAN_HOST_DEVICE static pair_derivative<T> derivative(T a, T b) {
        const T d = a - b;
        const T delta = static_cast<T>(Delta);
        const T g = std::abs(d) <= delta ? d / delta : (d > 0 ? T(1) : T(-1));
        return {g, -g};
    }
};

/// Charbonnier's penalty (a smooth L1) on d = f_p − f_q:
///     ρ(d) = sqrt(d² + ε²) − ε,
/// shifted so that ρ(0) = 0. Smooth everywhere, close to |d| once |d| >> ε.
template <double Eps>
struct charbonnier {
    static_assert(Eps > 0.0, "charbonnier<Eps> needs Eps > 0");
    template <class T>
    ISINGGAN_HOST_DEVICE static T energy(T a, T b) {
        const T d = a - b;
        const T eps = static_cast<T>(Eps);
        return std::sqrt(d * d + eps * eps) - eps;
    }
    template <class T>
    ISINGGAN_HOST_DEVICE static pair_derivative<T> derivative(T a, T b) {
        const T d = a - b;
        const T eps = static_cast<T>(Eps);
        const T g = d / std::sqrt(d * d + eps * eps);
        return {g, -g};
    }
};

namespace mrf_detail {

/// P::channels when the policy declares it, else 0 (any channel count).
template <class P>
constexpr std::size_t required_channels() {
    if constexpr (requires { P::channels; })
        return P::channels;
    else
        return 0;
}

/// P::pair_constant when the policy declares it, else 0.
template <class P>
constexpr double pair_constant() {
    if constexpr (requires { P::pair_constant; })
        return P::pair_constant;
    else
        return 0.0;
}

}  // namespace mrf_detail
}  // namespace isinggan
