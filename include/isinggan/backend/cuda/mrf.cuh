#pragma once
// The MRF smoothness term λ·E(f) of losses/mrf (eq. 2) on the GPU, fused:
// one pass over the maps computes the energy and writes (or adds) its
// gradient, for any pairwise policy, neighborhood and weighting: the kernels
// call the very functions the CPU kernel calls (Pairwise::energy and
// ::derivative, Weighting::weight and ::weight_gradient, marked
// ISINGGAN_HOST_DEVICE), so a policy written once runs on both backends.
//
//     double value = ops::mrf_forward_backward<ising>(cuda{}, mask, &mask_grad, {.lambda = 1.5,
//                                                      .reduce = reduction::mean}, gradient_mode::accumulate);
//
// As on the CPU (fused_kernel.hpp) the gradient is gathered, not scattered:
// one thread per pixel p adds, for every forward offset o, ∂₁E(f_p, f_{p+o})
// and ∂₂E(f_{p−o}, f_p), in the CPU's order, so there are no atomics. The
// energy counts each pair once, from its first member. Guided weights are
// recomputed from the guide for each pair rather than stored (the CPU stores
// them per sample: the same values, computed by the same function).
#include <cstddef>
#include <string>

#include "isinggan/backend/cuda/launch.cuh"
#include "isinggan/backend/cuda/tensor.hpp"
#include "isinggan/core/mrf/neighborhood.hpp"
#include "isinggan/core/mrf/options.hpp"
#include "isinggan/core/mrf/pairwise.hpp"
#include "isinggan/core/mrf/weighting.hpp"

namespace isinggan::cuda_detail {

/// A neighborhood's offsets, passed to the kernel by value.
struct offset_table {
    static constexpr int capacity = 8;
    int count = 0;
    int dy[capacity]{}, dx[capacity]{};
    double weight[capacity]{};
};

template <class Neighborhood>
offset_table offsets_of() {
    static_assert(Neighborhood::offsets.size() <= offset_table::capacity, "neighborhood too large for the GPU kernel");
    offset_table t;
    t.count = int(Neighborhood::offsets.size());
    for (int i = 0; i < t.count; ++i) {
        t.dy[i] = Neighborhood::offsets[std::size_t(i)].dy;
        t.dx[i] = Neighborhood::offsets[std::size_t(i)].dx;
        t.weight[i] = Neighborhood::offsets[std::size_t(i)].weight;
    }
    return t;
}

/// The guide image of a guided weighting; data == null: uniform weights.
struct guide_view {
    const float* data = nullptr;  // N x channels x h x w
    int channels = 0;
};

/// w_pq for pixels p, q of one sample's guide (planes `stride` apart): 1, or Weighting::weight.
template <class Weighting>
__device__ inline float pair_weight(const guide_view& g, const float* sample, std::size_t stride, int p, int q) {
    if constexpr (Weighting::needs_guide)
        return Weighting::weight(sample + p, sample + q, std::size_t(g.channels), stride);
    else
        return 1.0f;
}

/// Element i of the N·C planes of h × w maps. partials[block] = the block's
/// share of Σ_pairs w_o w_pq (E + constant on channel 0); grad (if not null)
/// gets scale · ∂E/∂f, written or added.
template <class Pairwise, class Weighting>
__global__ void mrf_kernel(const float* f, std::size_t total, std::size_t channels, int h, int w, offset_table o,
                           guide_view guide, float constant, float scale, float* grad, bool accumulate,
                           double* partials) {
    const std::size_t plane_size = std::size_t(h) * std::size_t(w);
    double energy = 0.0;
    ISINGGAN_GRID_STRIDE_LOOP(i, total) {
        const std::size_t plane = i / plane_size;
        const int p = int(i % plane_size);
        const int y = p / w, x = p % w;
        const float* map = f + plane * plane_size;
        const std::size_t n = plane / channels;
        const float* sample_guide = guide.data ? guide.data + n * guide.channels * plane_size : nullptr;
        const float fp = map[p];
        const float pair_constant = plane % channels == 0 ? constant : 0.0f;
        float g = grad && accumulate ? grad[i] : 0.0f;
        for (int k = 0; k < o.count; ++k) {
            const int dy = o.dy[k], dx = o.dx[k];
            const float step = scale * static_cast<float>(o.weight[k]);
            const int qy = y + dy, qx = x + dx;  // p is the first member of (p, p + o)
            if (qy < h && qx >= 0 && qx < w) {
                const int q = qy * w + qx;
                const float wpq = pair_weight<Weighting>(guide, sample_guide, plane_size, p, q);
                energy += o.weight[k] * double(wpq * (Pairwise::energy(fp, map[q]) + pair_constant));
                if (grad) g += step * wpq * Pairwise::derivative(fp, map[q]).first;
            }
            const int ry = y - dy, rx = x - dx;  // p is the second member of (p − o, p)
            if (grad && ry >= 0 && rx >= 0 && rx < w) {
                const int r = ry * w + rx;
                const float wrp = pair_weight<Weighting>(guide, sample_guide, plane_size, r, p);
                g += step * wrp * Pairwise::derivative(map[r], fp).second;
            }
        }
        if (grad) grad[i] = g;
    }
    const double sum = block_sum(energy);
    if (threadIdx.x == 0) partials[blockIdx.x] = sum;
}

/// scale · ∂E/∂I for the guide, one thread per pixel of each sample. With
/// E_pq the pair's energy over all channels:
///     ∂(w_pq E_pq)/∂I_p[c] = E_pq ∂w_pq/∂I_p[c]   (Weighting::weight_gradient),
/// and likewise for I_q.
template <class Pairwise, class Weighting>
__global__ void mrf_guide_gradient_kernel(const float* f, std::size_t samples, std::size_t channels, int h, int w,
                                          offset_table o, guide_view guide, float constant, float scale, float* gg,
                                          bool accumulate) {
    const std::size_t plane_size = std::size_t(h) * std::size_t(w);
    const std::size_t guide_channels = std::size_t(guide.channels);
    ISINGGAN_GRID_STRIDE_LOOP(i, samples * plane_size) {
        const std::size_t n = i / plane_size;
        const int p = int(i % plane_size);
        const int y = p / w, x = p % w;
        const float* maps = f + n * channels * plane_size;
        const float* image = guide.data + n * guide_channels * plane_size;
        float* out = gg + n * guide_channels * plane_size;
        // The factor of pair (a, b): scale w_o E_ab.
        auto pair_factor = [&](int k, int a, int b) {
            float e = constant;
            for (std::size_t c = 0; c < channels; ++c)
                e += Pairwise::energy(maps[c * plane_size + a], maps[c * plane_size + b]);
            return scale * static_cast<float>(o.weight[k]) * e;
        };
        for (std::size_t c = 0; c < guide_channels; ++c) {
            float acc = accumulate ? out[c * plane_size + p] : 0.0f;
            for (int k = 0; k < o.count; ++k) {
                const int qy = y + o.dy[k], qx = x + o.dx[k];
                if (qy < h && qx >= 0 && qx < w) {  // p is the first member of (p, q)
                    const int q = qy * w + qx;
                    acc += pair_factor(k, p, q) *
                           Weighting::weight_gradient(image + p, image + q, guide_channels, plane_size, c).first;
                }
                const int ry = y - o.dy[k], rx = x - o.dx[k];
                if (ry >= 0 && rx >= 0 && rx < w) {  // p is the second member of (r, p)
                    const int r = ry * w + rx;
                    acc += pair_factor(k, r, p) *
                           Weighting::weight_gradient(image + r, image + p, guide_channels, plane_size, c).second;
                }
            }
            out[c * plane_size + p] = acc;
        }
    }
}

template <class Pairwise, class Neighborhood, class Weighting>
double run_mrf(const tensor<cuda>& f, const tensor<cuda>* guide, tensor<cuda>* grad_f, const mrf_options& options,
               gradient_mode mode, tensor<cuda>* grad_guide) {
    static_assert(mrf_detail::offsets_are_forward<Neighborhood>(),
                  "a neighborhood lists each offset pair once, as (dy > 0) or (dy == 0, dx > 0)");
    mrf_detail::require_valid(options);
    require_nonempty(f.shape(), "MRF loss input");
    constexpr std::size_t k = mrf_detail::required_channels<Pairwise>();
    if (k != 0 && f.c() != k)
        throw shape_error("MRF loss: this pairwise energy needs " + std::to_string(k) +
                          "-channel probability maps, got shape " + f.shape().str());
    if (f.h() > (std::size_t(1) << 30) || f.w() > (std::size_t(1) << 30) || f.h() * f.w() > (std::size_t(1) << 31))
        throw shape_error("MRF loss: maps of " + f.shape().str() + " are too large");
    if (guide) {
        require_nonempty(guide->shape(), "MRF loss guide");
        if (guide->n() != f.n() || guide->h() != f.h() || guide->w() != f.w())
            throw shape_error("MRF loss: guide of shape " + guide->shape().str() +
                              " does not match the batch and size of the map " + f.shape().str());
    }
    if (grad_f) {
        if (grad_f == &f || (guide && (grad_f == guide || grad_guide == guide || grad_guide == &f)))
            throw argument_error("MRF loss: a gradient tensor must not be an input tensor");
        if (mode == gradient_mode::overwrite) grad_f->resize(f.shape());
        else require_shape(grad_f->shape(), f.shape(), "MRF loss gradient (accumulate mode)");
        if (grad_guide) {
            if constexpr (!pair_weighting_with_gradient<Weighting>)
                throw argument_error("MRF loss: this weighting has no weight_gradient, so it cannot give "
                                     "the guide's gradient (pass no grad_guide)");
            if (mode == gradient_mode::overwrite) grad_guide->resize(guide->shape());
            else require_shape(grad_guide->shape(), guide->shape(), "MRF loss guide gradient");
        }
    }
    guide_view view;
    if (guide) {
        view.data = guide->data();
        view.channels = int(guide->c());
    }
    const double scale = mrf_detail::output_scale(options, f.shape());
    const float constant = static_cast<float>(mrf_detail::pair_constant<Pairwise>());
    const offset_table offsets = offsets_of<Neighborhood>();
    const int blocks = blocks_for(f.size());
    double* partials = reduction_partials();
    mrf_kernel<Pairwise, Weighting><<<blocks, block_threads, 0, current_stream()>>>(
        f.data(), f.size(), f.c(), int(f.h()), int(f.w()), offsets, view, constant, static_cast<float>(scale),
        grad_f ? grad_f->data() : nullptr, mode == gradient_mode::accumulate, partials);
    ISINGGAN_CUDA_CHECK_LAUNCH(mrf_kernel);
    if constexpr (pair_weighting_with_gradient<Weighting>) {
        if (grad_f && grad_guide) {
            mrf_guide_gradient_kernel<Pairwise, Weighting><<<blocks_for(f.n() * f.h() * f.w()), block_threads, 0,
                                                              current_stream()>>>(
                f.data(), f.n(), f.c(), int(f.h()), int(f.w()), offsets, view, constant, static_cast<float>(scale),
                grad_guide->data(), mode == gradient_mode::accumulate);
            ISINGGAN_CUDA_CHECK_LAUNCH(mrf_guide_gradient_kernel);
        }
    }
    return scale * sum_partials(partials, blocks);
}

}  // namespace isinggan::cuda_detail

namespace isinggan::ops {

/// λ·E(f) with uniform pair weights, reduced as `options` says; with grad_f,
/// writes (overwrite: resized to f's shape) or adds (accumulate: must have
/// f's shape) ∂(λE)/∂f there.
template <pairwise_energy Pairwise, neighborhood Neighborhood = four_neighborhood>
double mrf_forward_backward(cuda, const tensor<cuda>& f, tensor<cuda>* grad_f, const mrf_options& options,
                            gradient_mode mode = gradient_mode::overwrite) {
    return cuda_detail::run_mrf<Pairwise, Neighborhood, uniform>(f, nullptr, grad_f, options, mode, nullptr);
}

/// λ·E(f) with uniform pair weights, reduced: the value only.
template <pairwise_energy Pairwise, neighborhood Neighborhood = four_neighborhood>
double mrf_forward(cuda, const tensor<cuda>& f, const mrf_options& options) {
    return mrf_forward_backward<Pairwise, Neighborhood>(cuda{}, f, nullptr, options);
}

/// The guided form (Weighting::needs_guide, e.g. image_guided<σ>): `guide` is N × G × H × W.
/// The guide is a constant unless grad_guide is given: then ∂(λE)/∂guide is
/// written into it (or added, by the same gradient_mode as grad_f).
template <pairwise_energy Pairwise, neighborhood Neighborhood, pair_weighting Weighting>
    requires Weighting::needs_guide
double mrf_forward_backward(cuda, const tensor<cuda>& f, const tensor<cuda>& guide, tensor<cuda>* grad_f,
                            const mrf_options& options, gradient_mode mode = gradient_mode::overwrite,
                            tensor<cuda>* grad_guide = nullptr) {
    if (grad_guide && !grad_f) throw argument_error("MRF loss: a guide gradient needs the map gradient too");
    return cuda_detail::run_mrf<Pairwise, Neighborhood, Weighting>(f, &guide, grad_f, options, mode, grad_guide);
}

/// The guided form, value only.
template <pairwise_energy Pairwise, neighborhood Neighborhood, pair_weighting Weighting>
    requires Weighting::needs_guide
double mrf_forward(cuda, const tensor<cuda>& f, const tensor<cuda>& guide, const mrf_options& options) {
    return cuda_detail::run_mrf<Pairwise, Neighborhood, Weighting>(f, &guide, nullptr, options,
                                                                   gradient_mode::overwrite, nullptr);
}

}  // namespace isinggan::ops
