#pragma once
// mrf_loss: the smoothness term λ·L_smooth of eqs. (2) and (4) on a batch of
// N × C × H × W maps (the generator's masks), with its exact gradient.
//
//     L_smooth(f) = Σ_n Σ_{pairs p~q} w_pq · E(f_p, f_q)            (eq. 2)
//
// E is the Pairwise policy (ising, potts<K>, huber<Δ>, ...; eq. 3 is ising on
// binary masks), p~q runs over the Neighborhood's pairs, each unordered pair
// once, and w_pq is the Weighting (uniform, or image_guided<σ> from a guide
// image). See pairwise.hpp, neighborhood.hpp and weighting.hpp, and
// options.hpp for λ and the reduction (the paper's λ = 1.5/(D·N) is there).
//
//     isinggan::mrf_loss<isinggan::ising> smooth({.lambda = 1.5, .reduce = isinggan::reduction::mean});
//     double value = smooth.forward_backward(mask, mask_grad, isinggan::gradient_mode::accumulate);
//
// The loss is a type, so a trainer takes it as a template argument:
// gan_trainer<generator, discriminator, mrf_loss<potts<3>, eight_neighborhood>>.
#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <vector>

#include "isinggan/backend/cpu/threading.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/core/tensor.hpp"
#include "isinggan/losses/mrf/fused_kernel.hpp"
#include "isinggan/losses/mrf/neighborhood.hpp"
#include "isinggan/losses/mrf/options.hpp"
#include "isinggan/losses/mrf/pairwise.hpp"
#include "isinggan/losses/mrf/weighting.hpp"

namespace isinggan {

template <pairwise_energy Pairwise, neighborhood Neighborhood = four_neighborhood, pair_weighting Weighting = uniform>
class mrf_loss {
    static_assert(mrf_detail::offsets_are_forward<Neighborhood>(),
                  "a neighborhood lists each offset pair once, as (dy > 0) or (dy == 0, dx > 0)");

public:
    using pairwise_type = Pairwise;
    using neighborhood_type = Neighborhood;
    using weighting_type = Weighting;
    /// A trainer skips the term altogether when this is false (see no_smoothness).
    static constexpr bool enabled = true;
    /// Whether forward/forward_backward take a guide image.
    static constexpr bool needs_guide = Weighting::needs_guide;

    explicit mrf_loss(mrf_options options = {}) : options_(options) { mrf_detail::require_valid(options_); }

    const mrf_options& options() const noexcept { return options_; }
    void set_options(mrf_options options) {
        mrf_detail::require_valid(options);
        options_ = options;
    }

    /// λ·E(f), reduced: the value only.
    template <class T>
        requires(!needs_guide)
    double forward(const tensor<cpu, T>& f) {
        return run<false>(f, nullptr, nullptr, gradient_mode::overwrite, nullptr);
    }

    /// λ·E(f), reduced; writes (or adds, see gradient_mode) ∂(λE)/∂f into grad_f.
    template <class T>
        requires(!needs_guide)
    double forward_backward(const tensor<cpu, T>& f, tensor<cpu, T>& grad_f,
                            gradient_mode mode = gradient_mode::overwrite) {
        return run<true>(f, nullptr, &grad_f, mode, nullptr);
    }

    /// Guided forms: `guide` is N × G × H × W (any G), e.g. the generated image.
    template <class T>
        requires needs_guide
    double forward(const tensor<cpu, T>& f, const tensor<cpu, T>& guide) {
        return run<false>(f, &guide, nullptr, gradient_mode::overwrite, nullptr);
    }

    /// The guide is a constant unless grad_guide is given: then ∂(λE)/∂guide is
    /// written into it (or added, by the same gradient_mode as grad_f).
    template <class T>
        requires needs_guide
    double forward_backward(const tensor<cpu, T>& f, const tensor<cpu, T>& guide, tensor<cpu, T>& grad_f,
                            gradient_mode mode = gradient_mode::overwrite, tensor<cpu, T>* grad_guide = nullptr) {
        return run<true>(f, &guide, &grad_f, mode, grad_guide);
    }

private:
    template <class T>
    void check_inputs(const tensor<cpu, T>& f, const tensor<cpu, T>* guide) const {
        require_nonempty(f.shape(), "MRF loss input");
        constexpr std::size_t k = mrf_detail::required_channels<Pairwise>();
        if (k != 0 && f.c() != k)
            throw shape_error("MRF loss: this pairwise energy needs " + std::to_string(k) +
                              "-channel probability maps, got shape " + f.shape().str());
        if (guide) {
            require_nonempty(guide->shape(), "MRF loss guide");
            if (guide->n() != f.n() || guide->h() != f.h() || guide->w() != f.w())
                throw shape_error("MRF loss: guide of shape " + guide->shape().str() +
                                  " does not match the batch and size of the map " + f.shape().str());
        }
    }

    /// Prepares a gradient tensor: resized and zeroed, or checked for accumulation.
    template <class T>
    static void prepare_gradient(tensor<cpu, T>& grad, const shape4& s, gradient_mode mode, const char* what) {
        if (mode == gradient_mode::overwrite) {
            grad.resize(s);
            grad.zero();
        } else {
            require_shape(grad.shape(), s, what);
        }
    }

    template <bool WithGradient, class T>
    double run(const tensor<cpu, T>& f, const std::type_identity_t<tensor<cpu, T>>* guide,
               std::type_identity_t<tensor<cpu, T>>* grad_f, gradient_mode mode,
               std::type_identity_t<tensor<cpu, T>>* grad_guide) {
        check_inputs(f, guide);
        if constexpr (WithGradient) {
            if (grad_f == &f || (guide && (grad_f == guide || grad_guide == guide || grad_guide == &f)))
                throw argument_error("MRF loss: a gradient tensor must not be an input tensor");
            prepare_gradient(*grad_f, f.shape(), mode, "MRF loss gradient (accumulate mode)");
            if (grad_guide) {
                if constexpr (!pair_weighting_with_gradient<Weighting>)
                    throw argument_error("MRF loss: this weighting has no weight_gradient, so it cannot give "
                                         "the guide's gradient (pass no grad_guide)");
                prepare_gradient(*grad_guide, guide->shape(), mode, "MRF loss guide gradient");
            }
        }
        const double scale = mrf_detail::output_scale(options_, f.shape());
        const T grad_scale = static_cast<T>(scale);
        const mrf_detail::plane_view view{static_cast<std::ptrdiff_t>(f.h()), static_cast<std::ptrdiff_t>(f.w()),
                                          guide ? guide->c() : 0};
        sample_energy_.assign(f.n(), 0.0);  // capacity is kept between calls
        const std::size_t cost = f.shape().sample_size() * Neighborhood::offsets.size() * (WithGradient ? 12 : 4);
        // Guided weights: one set of planes per thread, reused for every sample it takes.
        const std::size_t weights_per_sample = guide ? Neighborhood::offsets.size() * view.plane_size() : 0;
        const int slots = cpu_detail::max_threads();
        std::vector<T>& weights = weight_scratch<T>();
        weights.resize(weights_per_sample * static_cast<std::size_t>(slots));

        cpu_detail::parallel_for(static_cast<std::ptrdiff_t>(f.n()), cost, [&](std::ptrdiff_t i) {
            const std::size_t n = static_cast<std::size_t>(i);
            const T* g_image = guide ? guide->sample(n) : nullptr;
            T* w = nullptr;
            if constexpr (Weighting::needs_guide) {
                const int slot = std::min(cpu_detail::thread_index(), slots - 1);
                w = weights.data() + weights_per_sample * static_cast<std::size_t>(slot);
                mrf_detail::guide_weights<Neighborhood, Weighting>(g_image, view, w);
            }
            double e = 0.0;
            for (std::size_t c = 0; c < f.c(); ++c) {
                T* g = WithGradient ? grad_f->plane(n, c) : nullptr;
                e += mrf_detail::plane_energy<WithGradient, Pairwise, Neighborhood, Weighting>(
                    f.plane(n, c), g, w, view, grad_scale, c == 0);
            }
            if constexpr (WithGradient && pair_weighting_with_gradient<Weighting>) {
                if (grad_guide)
                    mrf_detail::add_guide_gradient<Pairwise, Neighborhood, Weighting>(
                        f.sample(n), f.c(), g_image, grad_guide->sample(n), view, grad_scale);
            }
            sample_energy_[n] = e;
        });

        double total = 0.0;  // summed in sample order, so the result does not depend on the thread count
        for (double e : sample_energy_) total += e;
        return scale * total;
    }

    template <class T>
    std::vector<T>& weight_scratch() {
        if constexpr (std::is_same_v<T, float>)
            return weights_float_;
        else
            return weights_double_;
    }

    mrf_options options_;
    std::vector<double> sample_energy_;
    std::vector<float> weights_float_;  // guided weights, per thread (see run)
    std::vector<double> weights_double_;
};

}  // namespace isinggan
