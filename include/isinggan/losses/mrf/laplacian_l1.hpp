#pragma once
// laplacian_l1: the paper's implementation of the Ising term (sec. 2, after
// eq. 4): a convolution with the 3×3 Laplacian
//     [[0, 1, 0], [1, −4, 1], [0, 1, 0]]
// followed by an L1 norm,  L(f) = Σ_n Σ_c Σ_p |(Δf)_p|.
//
// Border: replicate (the default) or zero padding. Replicate treats the pixels
// outside the map as copies of the edge, so a constant map costs 0 and, like
// the pairwise losses, no pair crosses the border. Zero padding also charges
// every foreground pixel on the border for each missing neighbour, as if the
// map were surrounded by background; that is F.conv2d(f, k, padding=1).
//
// It is not the pairwise Ising sum of eq. (2). (Δf)_p = Σ_{q∈A(p)} (f_q − f_p)
// adds the signed differences before the absolute value, so they can cancel:
//  - on a binary mask (replicate border) the differences at p all share a sign,
//    so |(Δf)_p| counts p's differing neighbours and L = 2 · ising, exactly:
//    every differing pair is seen from both ends;
//  - on a soft mask L <= 2 · ising, and the two rank maps differently. Worked
//    example, three rows of the 3×3 step [0, 0, 1] and of the ramp [0, ½, 1]:
//        step: ising = 3·1 = 3,          laplacian_l1 = 3·(0 + 1 + 1) = 6
//        ramp: ising = 3·(½ + ½) = 3,    laplacian_l1 = 3·(½ + 0 + ½) = 3
//    ising charges both alike (each row rises by 1); the Laplacian is a
//    second-order prior that lets linear ramps through at half the price and,
//    in the interior, for free. tests/losses/mrf/laplacian_l1.cpp checks these figures.
// At (Δf)_p = 0 the derivative of |·| used is 0.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "isinggan/backend/cpu/threading.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/core/tensor.hpp"
#include "isinggan/losses/mrf/options.hpp"

namespace isinggan {

class laplacian_l1 {
public:
    static constexpr bool enabled = true;
    static constexpr bool needs_guide = false;

    explicit laplacian_l1(mrf_options options = {}, laplacian_border border = laplacian_border::replicate)
        : options_(options), border_(border) {
        mrf_detail::require_valid(options_);
    }

    const mrf_options& options() const noexcept { return options_; }
    laplacian_border border() const noexcept { return border_; }

    /// λ·L(f), reduced (see options.hpp).
    template <class T>
    double forward(const tensor<cpu, T>& f) {
        return run<false>(f, nullptr, gradient_mode::overwrite);
    }

    /// λ·L(f), reduced; writes (or adds) ∂(λL)/∂f into grad_f.
    template <class T>
    double forward_backward(const tensor<cpu, T>& f, tensor<cpu, T>& grad_f,
                            gradient_mode mode = gradient_mode::overwrite) {
        return run<true>(f, &grad_f, mode);
    }

private:
    /// f(y, x) with the border rule applied to an index one step outside the plane.
    template <class T>
    T at(const T* f, std::ptrdiff_t h, std::ptrdiff_t w, std::ptrdiff_t y, std::ptrdiff_t x) const {
        if (y < 0 || y >= h || x < 0 || x >= w) {
            if (border_ == laplacian_border::zero) return T(0);
            y = std::clamp<std::ptrdiff_t>(y, 0, h - 1);
            x = std::clamp<std::ptrdiff_t>(x, 0, w - 1);
        }
        return f[y * w + x];
    }

    /// Writes sign((Δf)_{y,·}) into s and returns Σ_x |(Δf)_{y,x}|.
    template <class T>
    double laplacian_row(const T* f, std::ptrdiff_t h, std::ptrdiff_t w, std::ptrdiff_t y, std::int8_t* s) const {
        auto edge = [&](std::ptrdiff_t x) {
            return at(f, h, w, y - 1, x) + at(f, h, w, y + 1, x) + at(f, h, w, y, x - 1) + at(f, h, w, y, x + 1) -
                   T(4) * f[y * w + x];
        };
        auto record = [&](std::ptrdiff_t x, T l) {
            if (s) s[x] = static_cast<std::int8_t>((l > 0) - (l < 0));
            return std::abs(l);
        };
        T sum = 0;
        if (y > 0 && y < h - 1 && w > 2) {  // interior row: plain loads
            const T* up = f + (y - 1) * w;
            const T* mid = f + y * w;
            const T* down = f + (y + 1) * w;
#pragma omp simd reduction(+ : sum)
            for (std::ptrdiff_t x = 1; x < w - 1; ++x) {
                const T l = up[x] + down[x] + mid[x - 1] + mid[x + 1] - T(4) * mid[x];
                sum += record(x, l);
            }
            sum += record(0, edge(0)) + record(w - 1, edge(w - 1));
        } else {
            for (std::ptrdiff_t x = 0; x < w; ++x) sum += record(x, edge(x));
        }
        return static_cast<double>(sum);
    }

    /// Adds scale · (Δᵀ s)_{y,·} to g: the transpose of the border-aware
    /// Laplacian applied to the sign rows above, at and below y.
    template <class T>
    void gradient_row(const std::int8_t* above, const std::int8_t* at_row, const std::int8_t* below, std::ptrdiff_t w,
                      T scale, T* g) const {
        // With replicate padding, a read past the border lands back on the edge
        // pixel, so the edge pixel also collects the sign of the output that read it.
        const bool replicate = border_ == laplacian_border::replicate;
        const T self = T(-4) + T(replicate && !above) + T(replicate && !below);
        auto column = [&](std::ptrdiff_t x) {
            T t = self * T(at_row[x]);
            if (above) t += T(above[x]);
            if (below) t += T(below[x]);
            if (x > 0) t += T(at_row[x - 1]);
            else if (replicate) t += T(at_row[x]);
            if (x < w - 1) t += T(at_row[x + 1]);
            else if (replicate) t += T(at_row[x]);
            return t;
        };
        g[0] += scale * column(0);
        if (w > 1) g[w - 1] += scale * column(w - 1);
        // Interior columns: the same sum, branch-free so that it vectorises.
        const std::int8_t* up = above ? above : at_row;  // a missing row contributes 0 (its weight below)
        const std::int8_t* down = below ? below : at_row;
        const T up_weight = above ? T(1) : T(0), down_weight = below ? T(1) : T(0);
#pragma omp simd
        for (std::ptrdiff_t x = 1; x < w - 1; ++x)
            g[x] += scale * (self * T(at_row[x]) + up_weight * T(up[x]) + down_weight * T(down[x]) + T(at_row[x - 1]) +
                             T(at_row[x + 1]));
    }

    template <bool WithGradient, class T>
    double run(const tensor<cpu, T>& f, std::type_identity_t<tensor<cpu, T>>* grad_f, gradient_mode mode) {
        require_nonempty(f.shape(), "laplacian_l1 input");
        if constexpr (WithGradient) {
            if (grad_f == &f) throw argument_error("laplacian_l1: the gradient tensor must not be the input tensor");
            if (mode == gradient_mode::overwrite) {
                grad_f->resize(f.shape());
                grad_f->zero();
            } else {
                require_shape(grad_f->shape(), f.shape(), "laplacian_l1 gradient (accumulate mode)");
            }
        }
        const std::ptrdiff_t h = static_cast<std::ptrdiff_t>(f.h()), w = static_cast<std::ptrdiff_t>(f.w());
        const double scale = mrf_detail::output_scale(options_, f.shape());
        sample_energy_.assign(f.n(), 0.0);
        // Three rolling rows of signs per thread (the rows above, at and below y).
        const std::size_t rows_per_thread = 3 * f.w();
        const int slots = cpu_detail::max_threads();
        if constexpr (WithGradient) signs_.resize(rows_per_thread * static_cast<std::size_t>(slots));

        cpu_detail::parallel_for(
            static_cast<std::ptrdiff_t>(f.n()), f.shape().sample_size() * 16, [&](std::ptrdiff_t i) {
                const std::size_t n = static_cast<std::size_t>(i);
                double e = 0.0;
                for (std::size_t c = 0; c < f.c(); ++c) {
                    const T* plane = f.plane(n, c);
                    if constexpr (!WithGradient) {
                        for (std::ptrdiff_t y = 0; y < h; ++y) e += laplacian_row<T>(plane, h, w, y, nullptr);
                    } else {
                        const int slot = std::min(cpu_detail::thread_index(), slots - 1);
                        std::int8_t* base = signs_.data() + rows_per_thread * static_cast<std::size_t>(slot);
                        std::int8_t* rows[3] = {base, base + w, base + 2 * w};  // above, at, below
                        T* g = grad_f->plane(n, c);
                        e += laplacian_row<T>(plane, h, w, 0, rows[1]);
                        if (h > 1) e += laplacian_row<T>(plane, h, w, 1, rows[2]);
                        for (std::ptrdiff_t y = 0; y < h; ++y) {
                            gradient_row<T>(y > 0 ? rows[0] : nullptr, rows[1], y + 1 < h ? rows[2] : nullptr, w,
                                            static_cast<T>(scale), g + y * w);
                            std::rotate(rows, rows + 1, rows + 3);  // at -> above, below -> at
                            if (y + 2 < h) e += laplacian_row<T>(plane, h, w, y + 2, rows[2]);
                        }
                    }
                }
                sample_energy_[n] = e;
            });

        double total = 0.0;  // in sample order: independent of the thread count
        for (double e : sample_energy_) total += e;
        return scale * total;
    }

    mrf_options options_;
    laplacian_border border_;
    std::vector<double> sample_energy_;
    std::vector<std::int8_t> signs_;
};

}  // namespace isinggan
