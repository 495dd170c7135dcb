#pragma once
// image_mask_set: annotated images as the networks consume them. Images are
// [N, 3, S, S] in [-1, 1] (the range of the generator's tanh), masks are
// [N, 1, S, S] holding exactly 0 or 1, and ids name each sample (the BBBC038
// image id, or a synthetic name).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/core/image.hpp"
#include "isinggan/core/shape.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan::data {

struct image_mask_set {
    tensor<cpu> images;
    tensor<cpu> masks;
    std::vector<std::string> ids;

    std::size_t size() const noexcept { return images.n(); }
    bool empty() const noexcept { return size() == 0; }
    /// The side S of the square samples.
    std::size_t side() const noexcept { return images.h(); }
};

/// Throws shape_error unless images are [N,3,S,S], masks [N,1,S,S] and there are N ids.
inline void require_consistent(const image_mask_set& set, const char* what) {
    const shape4 is = set.images.shape();
    if (is.c != 3 || is.h != is.w)
        throw shape_error(std::string(what) + ": images must be [N, 3, S, S], got " + is.str());
    require_shape(set.masks.shape(), shape4{is.n, 1, is.h, is.w}, what);
    if (set.ids.size() != is.n)
        throw shape_error(std::string(what) + ": " + std::to_string(set.ids.size()) + " ids for " +
                          std::to_string(is.n) + " samples");
}

/// Sample n's image as 8-bit RGB, [-1, 1] mapped to 0..255 (as written to PNG).
inline image8 image8_of(const image_mask_set& set, std::size_t n) {
    const std::size_t s = set.side();
    image8 img(s, s, 3);
    for (std::size_t c = 0; c < 3; ++c)
        for (std::size_t y = 0; y < s; ++y)
            for (std::size_t x = 0; x < s; ++x) {
                const float v = std::clamp(set.images(n, c, y, x), -1.0f, 1.0f);
                img(y, x, c) = static_cast<std::uint8_t>(std::lround((v + 1.0f) * 127.5f));
            }
    return img;
}

/// Copies the samples at `indices` (in that order) into images / masks,
/// resizing them to [indices.size(), ...]: a training batch.
inline void gather(const image_mask_set& set, std::span<const std::size_t> indices, tensor<cpu>& images,
                   tensor<cpu>& masks) {
    const shape4 is = set.images.shape();
    images.resize({indices.size(), is.c, is.h, is.w});
    masks.resize({indices.size(), 1, is.h, is.w});
    for (std::size_t i = 0; i < indices.size(); ++i) {
        if (indices[i] >= is.n)
            throw argument_error("gather: index " + std::to_string(indices[i]) + " is outside a set of " +
                                 std::to_string(is.n) + " samples");
        std::copy(set.images.sample(indices[i]), set.images.sample(indices[i]) + is.sample_size(), images.sample(i));
        std::copy(set.masks.sample(indices[i]), set.masks.sample(indices[i]) + is.plane_size(), masks.sample(i));
    }
}

/// The subset at `indices`, ids included.
inline image_mask_set subset(const image_mask_set& set, std::span<const std::size_t> indices) {
    image_mask_set out;
    gather(set, indices, out.images, out.masks);
    out.ids.reserve(indices.size());
    for (std::size_t i : indices) out.ids.push_back(set.ids.at(i));
    return out;
}

}  // namespace isinggan::data
