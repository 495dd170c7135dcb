#pragma once
// Differentiable augmentation of stacked (image, mask) pairs, the "DiffAugment"
// of Zhao et al. (NeurIPS 2020): applied to the real and the generated pairs
// alike before the discriminator, in both GAN steps, so that D cannot memorise
// a small training set; being differentiable, its backward pass carries D's
// gradient back to the generator.
//
// A pair is [4, S, S]: channels 0..2 the image, 3 the mask. Per sample, in order:
//   colour (image channels only)
//     brightness  x + b,                               b ~ U[−0.5, 0.5]
//     saturation  (x_c − x̄) · s + x̄,  x̄ the mean of the 3 channels per pixel, s ~ U[0, 2]
//     contrast    (x − x̿) · k + x̿,  x̿ the mean of the sample's image, k ~ U[0.5, 1.5]
//   translation (all 4 channels alike) by (ty, tx), |t| <= S/8, zeros shifted in
//   cutout      (all 4 channels alike) a square of side S/2 set to zero
// Every transform is linear in x, so the backward pass applies the adjoints in
// reverse order.
#include <algorithm>
#include <cstddef>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/core/random.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan {

/// The random parameters of one sample's augmentation.
struct pair_augment_params {
    float brightness = 0, saturation = 1, contrast = 1;
    int shift_y = 0, shift_x = 0;
    int cut_y = 0, cut_x = 0, cut_side = 0;  // cut_side 0: no cutout
};

/// Which parts are on (DiffAugment's "color,translation,cutout" by default).
struct pair_augment_options {
    bool colour = true, translation = true, cutout = true;
};

/// Draws the parameters for n samples of side `side` into `p` (resized; no
/// allocation once it has held n, so a trainer can draw every step).
inline void draw_pair_augment(std::vector<pair_augment_params>& p, std::size_t n, std::size_t side, rng& gen,
                              const pair_augment_options& o = {}) {
    p.assign(n, pair_augment_params{});
    const int s = int(side), shift = s / 8, cut = s / 2;
    for (auto& q : p) {
        if (o.colour) {
            q.brightness = float(gen.uniform(-0.5, 0.5));
            q.saturation = float(gen.uniform(0.0, 2.0));
            q.contrast = float(gen.uniform(0.5, 1.5));
        }
        if (o.translation) {
            q.shift_y = int(gen.below(std::uint64_t(2 * shift + 1))) - shift;
            q.shift_x = int(gen.below(std::uint64_t(2 * shift + 1))) - shift;
        }
        if (o.cutout) {
            q.cut_side = cut;
            q.cut_y = int(gen.below(std::uint64_t(s - cut + 1)));
            q.cut_x = int(gen.below(std::uint64_t(s - cut + 1)));
        }
    }
}

inline std::vector<pair_augment_params> draw_pair_augment(std::size_t n, std::size_t side, rng& gen,
                                                          const pair_augment_options& o = {}) {
    std::vector<pair_augment_params> p;
    draw_pair_augment(p, n, side, gen, o);
    return p;
}

namespace augment_detail {

inline void check(const tensor<cpu>& x, const std::vector<pair_augment_params>& p, const char* op) {
    if (x.c() != 4 || x.h() != x.w() || x.n() == 0)
        throw shape_error(std::string(op) + ": expected [N, 4, S, S] (image, mask) pairs, got " + x.shape().str());
    if (p.size() != x.n())
        throw argument_error(std::string(op) + ": " + std::to_string(p.size()) + " parameter sets for " +
                             std::to_string(x.n()) + " samples");
}

/// dst[c][y][x] = src[c][y − ty][x − tx] (forward: adjoint = false) or its
/// adjoint dst[c][y][x] = src[c][y + ty][x + tx]; zero where out of range.
inline void shift_planes(const float* src, float* dst, std::size_t channels, int side, int ty, int tx, bool adjoint) {
    if (adjoint) ty = -ty, tx = -tx;
    for (std::size_t c = 0; c < channels; ++c)
        for (int y = 0; y < side; ++y) {
            float* out = dst + (c * side + y) * side;
            const int sy = y - ty;
            if (sy < 0 || sy >= side) {
                std::fill_n(out, side, 0.0f);
                continue;
            }
            const float* in = src + (c * side + sy) * side;
            for (int x = 0; x < side; ++x) {
                const int sx = x - tx;
                out[x] = sx >= 0 && sx < side ? in[sx] : 0.0f;
            }
        }
}

/// One sample's scratch, kept per thread so that a training step allocates nothing once warm.
inline std::vector<float>& sample_scratch(std::size_t n) {
    thread_local std::vector<float> tmp;
    tmp.resize(n);
    return tmp;
}

inline void cut(float* x, std::size_t channels, int side, const pair_augment_params& q) {
    if (q.cut_side == 0) return;
    for (std::size_t c = 0; c < channels; ++c)
        for (int y = q.cut_y; y < q.cut_y + q.cut_side; ++y)
            std::fill_n(x + (c * side + y) * side + q.cut_x, q.cut_side, 0.0f);
}

/// The colour transforms on the 3 image planes of one sample, in place. Each
/// is self-adjoint up to its mean term: y = k·x + (1 − k)·mean(x), whose
/// adjoint is dx = k·dy + (1 − k)·mean(dy) broadcast (the same form), so one
/// routine serves both directions, run in reverse order for the backward pass.
inline void saturation(float* x, std::size_t plane, float s) {
    for (std::size_t i = 0; i < plane; ++i) {
        const float m = (x[i] + x[plane + i] + x[2 * plane + i]) / 3.0f;
        for (int c = 0; c < 3; ++c) x[c * plane + i] = (x[c * plane + i] - m) * s + m;
    }
}
inline void contrast(float* x, std::size_t plane, float k) {
    double sum = 0;
    for (std::size_t i = 0; i < 3 * plane; ++i) sum += x[i];
    const float m = float(sum / double(3 * plane));
    for (std::size_t i = 0; i < 3 * plane; ++i) x[i] = (x[i] - m) * k + m;
}

}  // namespace augment_detail

/// y = augment(x) for stacked pairs x [N, 4, S, S] with one parameter set per sample.
inline void pair_augment_forward(const tensor<cpu>& x, const std::vector<pair_augment_params>& p, tensor<cpu>& y) {
    augment_detail::check(x, p, "pair_augment_forward");
    const int side = int(x.h());
    const std::size_t plane = x.h() * x.w();
    y.resize(x.shape());
    std::vector<float>& tmp = augment_detail::sample_scratch(4 * plane);
    for (std::size_t b = 0; b < x.n(); ++b) {
        const auto& q = p[b];
        std::copy_n(x.sample(b), 4 * plane, tmp.data());
        if (q.brightness != 0)
            for (std::size_t i = 0; i < 3 * plane; ++i) tmp[i] += q.brightness;
        if (q.saturation != 1) augment_detail::saturation(tmp.data(), plane, q.saturation);
        if (q.contrast != 1) augment_detail::contrast(tmp.data(), plane, q.contrast);
        augment_detail::shift_planes(tmp.data(), y.sample(b), 4, side, q.shift_y, q.shift_x, false);
        augment_detail::cut(y.sample(b), 4, side, q);
    }
}

/// dx = the gradient with respect to x, given dy, for the same parameters.
inline void pair_augment_backward(const tensor<cpu>& dy, const std::vector<pair_augment_params>& p, tensor<cpu>& dx) {
    augment_detail::check(dy, p, "pair_augment_backward");
    const int side = int(dy.h());
    const std::size_t plane = dy.h() * dy.w();
    dx.resize(dy.shape());
    std::vector<float>& tmp = augment_detail::sample_scratch(4 * plane);
    for (std::size_t b = 0; b < dy.n(); ++b) {
        const auto& q = p[b];
        std::copy_n(dy.sample(b), 4 * plane, tmp.data());
        augment_detail::cut(tmp.data(), 4, side, q);
        augment_detail::shift_planes(tmp.data(), dx.sample(b), 4, side, q.shift_y, q.shift_x, true);
        // The colour adjoints in reverse order; brightness passes dy unchanged.
        if (q.contrast != 1) augment_detail::contrast(dx.sample(b), plane, q.contrast);
        if (q.saturation != 1) augment_detail::saturation(dx.sample(b), plane, q.saturation);
    }
}

}  // namespace isinggan
