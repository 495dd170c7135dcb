#pragma once
// Random windows of (image, mask) pairs: patch training. A GAN built for
// side P learns from random P × P windows of larger images, the same window
// for an image and its mask. With 429 BBBC038 images at 64 px, 32 px windows
// give (64 − 32 + 1)² ≈ 1100 positions per image, so the discriminator
// cannot memorise the few hundred real pairs (docs/gan-recipe.md).
#include <cstddef>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/core/random.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan::data {

/// Copies the window of side `side` at (top, left) of every sample of `in`
/// ([N, C, H, W]) to `out` ([N, C, side, side]); offsets per sample.
inline void crop_windows(const tensor<cpu>& in, std::size_t side, const std::size_t* top, const std::size_t* left,
                         tensor<cpu>& out) {
    const shape4 s = in.shape();
    out.resize({s.n, s.c, side, side});
    for (std::size_t n = 0; n < s.n; ++n) {
        if (top[n] + side > s.h || left[n] + side > s.w)
            throw shape_error("crop_windows: a " + std::to_string(side) + " px window at (" + std::to_string(top[n]) +
                              ", " + std::to_string(left[n]) + ") does not fit in " + s.str());
        for (std::size_t c = 0; c < s.c; ++c) {
            const float* src = in.plane(n, c);
            float* dst = out.plane(n, c);
            for (std::size_t y = 0; y < side; ++y)
                for (std::size_t x = 0; x < side; ++x) dst[y * side + x] = src[(top[n] + y) * s.w + left[n] + x];
        }
    }
}

/// Replaces `images` ([N, 3, H, W]) and `masks` ([N, 1, H, W]) by a random
/// side × side window of each pair, the same window for image and mask,
/// every position equally likely. Draws 2·N numbers from `gen`.
inline void random_crop(tensor<cpu>& images, tensor<cpu>& masks, std::size_t side, rng& gen) {
    const shape4 is = images.shape(), ms = masks.shape();
    if (is.n != ms.n || is.h != ms.h || is.w != ms.w)
        throw shape_error("random_crop: images " + is.str() + " and masks " + ms.str() + " differ in batch or size");
    if (side == 0 || side > is.h || side > is.w)
        throw shape_error("random_crop: cannot cut " + std::to_string(side) + " px windows from " + is.str());
    if (side == is.h && side == is.w) return;
    std::vector<std::size_t> top(is.n), left(is.n);
    for (std::size_t n = 0; n < is.n; ++n) {
        top[n] = std::size_t(gen.below(is.h - side + 1));
        left[n] = std::size_t(gen.below(is.w - side + 1));
    }
    tensor<cpu> cropped;
    crop_windows(images, side, top.data(), left.data(), cropped);
    images = std::move(cropped);
    crop_windows(masks, side, top.data(), left.data(), cropped);
    masks = std::move(cropped);
}

}  // namespace isinggan::data
