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
// This header draws the parameters; the kernels that apply them, and their
// backward passes, are ops::pair_augment_forward / _backward of either backend
// (backend/cpu/pair_augment.hpp, backend/cuda/pair_augment.cuh).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "isinggan/core/pair_augment_params.hpp"
#include "isinggan/core/random.hpp"

namespace isinggan {

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

}  // namespace isinggan
