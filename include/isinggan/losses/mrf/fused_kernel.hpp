#pragma once
// The fused CPU kernel behind mrf_loss: one pass over a channel plane computes
// the energy Σ_{pairs} w_pq E(f_p, f_q) and adds its scaled gradient.
//
// The gradient is gathered, not scattered: for pixel p and each forward offset
// o, p is the first member of the pair (p, p+o) and the second member of the
// pair (p−o, p), so
//     ∂E/∂f_p = Σ_o [ w · ∂₁E(f_p, f_{p+o}) + w · ∂₂E(f_{p−o}, f_p) ],
// each term present when the other pixel is inside the map. Every output
// element is written by one row loop with no loop-carried dependence, so the
// loops vectorise, and the rows involved stay in L1 cache: the map is read
// once and the gradient written once.
#include <algorithm>
#include <cstddef>

#include "isinggan/losses/mrf/neighborhood.hpp"
#include "isinggan/losses/mrf/pairwise.hpp"
#include "isinggan/losses/mrf/weighting.hpp"

namespace isinggan::mrf_detail {

/// Geometry of one map: its planes are h × w, the guide (if any) has
/// guide_channels planes of the same size.
struct plane_view {
    std::ptrdiff_t h = 0, w = 0;
    std::size_t guide_channels = 0;
    std::size_t plane_size() const noexcept { return static_cast<std::size_t>(h * w); }
};

/// The guided weights of every forward pair of one sample: weights[o·H·W + p]
/// = w(p, p + offsets[o]) where p + offsets[o] is inside the map. Computed
/// once per sample and shared by all channels and by both ends of each pair.
template <class Neighborhood, class Weighting, class T>
void guide_weights(const T* guide, plane_view v, T* weights) {
    const std::size_t stride = v.plane_size();
    for (std::size_t oi = 0; oi < Neighborhood::offsets.size(); ++oi) {
        const neighbor_offset o = Neighborhood::offsets[oi];
        for (std::ptrdiff_t y = 0; y + o.dy < v.h; ++y) {
            const std::ptrdiff_t x0 = std::max<std::ptrdiff_t>(0, -o.dx);
            const std::ptrdiff_t x1 = std::min<std::ptrdiff_t>(v.w, v.w - o.dx);
            const T* gp = guide + y * v.w;
            const T* gq = guide + (y + o.dy) * v.w + o.dx;
            T* w = weights + oi * stride + static_cast<std::size_t>(y * v.w);
            for (std::ptrdiff_t x = x0; x < x1; ++x) w[x] = Weighting::weight(gp + x, gq + x, v.guide_channels, stride);
        }
    }
}

/// Energy of one channel plane f (with the pair constant when add_constant)
/// and, when WithGradient, `scale` times its gradient added into g. `weights`
/// holds the sample's guide_weights (image_guided only; null otherwise).
template <bool WithGradient, class Pairwise, class Neighborhood, class Weighting, class T>
double plane_energy(const T* f, T* g, const T* weights, plane_view v, T scale, bool add_constant) {
    constexpr bool guided = Weighting::needs_guide;
    const T constant = add_constant ? static_cast<T>(pair_constant<Pairwise>()) : T(0);
    const std::size_t stride = v.plane_size();
    double energy = 0.0;

    for (std::ptrdiff_t y = 0; y < v.h; ++y) {
        const T* row = f + y * v.w;
        [[maybe_unused]] T* grow = g + (WithGradient ? y * v.w : 0);
        for (std::size_t oi = 0; oi < Neighborhood::offsets.size(); ++oi) {
            const neighbor_offset o = Neighborhood::offsets[oi];
            const T k = scale * static_cast<T>(o.weight);
            // Pairs (p, p+o) whose first member p lies in row y.
            if (y + o.dy < v.h) {
                const std::ptrdiff_t x0 = std::max<std::ptrdiff_t>(0, -o.dx);
                const std::ptrdiff_t x1 = std::min<std::ptrdiff_t>(v.w, v.w - o.dx);
                const T* q = f + (y + o.dy) * v.w + o.dx;
                [[maybe_unused]] const T* w = guided ? weights + oi * stride + y * v.w : nullptr;
                T e = 0;
#pragma omp simd reduction(+ : e)
                for (std::ptrdiff_t x = x0; x < x1; ++x) {
                    T wx = T(1);
                    if constexpr (guided) wx = w[x];
                    e += wx * (Pairwise::energy(row[x], q[x]) + constant);
                    if constexpr (WithGradient) grow[x] += k * wx * Pairwise::derivative(row[x], q[x]).first;
                }
                energy += o.weight * static_cast<double>(e);
            }
            // Pairs (p−o, p) whose second member p lies in row y: gradient only.
            if constexpr (WithGradient) {
                if (y - o.dy >= 0) {
                    const std::ptrdiff_t x0 = std::max<std::ptrdiff_t>(0, o.dx);
                    const std::ptrdiff_t x1 = std::min<std::ptrdiff_t>(v.w, v.w + o.dx);
                    const T* q = f + (y - o.dy) * v.w;  // the first member is q[x − dx]
                    [[maybe_unused]] const T* w = guided ? weights + oi * stride + (y - o.dy) * v.w : nullptr;
#pragma omp simd
                    for (std::ptrdiff_t x = x0; x < x1; ++x) {
                        T wx = T(1);
                        if constexpr (guided) wx = w[x - o.dx];
                        grow[x] += k * wx * Pairwise::derivative(q[x - o.dx], row[x]).second;
                    }
                }
            }
        }
    }
    return energy;
}

/// Adds `scale` · ∂E/∂I to the guide gradient gg of one sample (guided
/// weightings with weight_gradient only). With E_pq the pair's energy summed
/// over channels, ∂(w_pq E_pq)/∂I_p[c] = E_pq ∂w_pq/∂I_p[c], and likewise for
/// I_q. A plain scatter over pairs: it is asked for rarely and kept simple.
template <class Pairwise, class Neighborhood, class Weighting, class T>
void add_guide_gradient(const T* f, std::size_t channels, const T* guide, T* gg, plane_view v, T scale) {
    const std::size_t stride = v.plane_size();
    for (std::ptrdiff_t y = 0; y < v.h; ++y)
        for (std::ptrdiff_t x = 0; x < v.w; ++x)
            for (const neighbor_offset& o : Neighborhood::offsets) {
                const std::ptrdiff_t qy = y + o.dy, qx = x + o.dx;
                if (qy >= v.h || qx < 0 || qx >= v.w) continue;
                const std::size_t p = static_cast<std::size_t>(y * v.w + x);
                const std::size_t q = static_cast<std::size_t>(qy * v.w + qx);
                T e = static_cast<T>(pair_constant<Pairwise>());
                for (std::size_t c = 0; c < channels; ++c)
                    e += Pairwise::energy(f[c * stride + p], f[c * stride + q]);
                const T k = scale * static_cast<T>(o.weight) * e;
                for (std::size_t c = 0; c < v.guide_channels; ++c) {
                    const pair_derivative<T> dw =
                        Weighting::weight_gradient(guide + p, guide + q, v.guide_channels, stride, c);
                    gg[c * stride + p] += k * dw.first;
                    gg[c * stride + q] += k * dw.second;
                }
            }
}

}  // namespace isinggan::mrf_detail
