#pragma once
// The 8 symmetries of a square (the dihedral group D4): rotations by 0, 90,
// 180 and 270 degrees, each with or without a left-right flip. The paper
// trains on its data augmented with these (sec. 3). They move pixels without
// resampling, so a mask stays binary and aligned with its image when both get
// the same transform.
//
// An element is "flip left-right (or not), then rotate counter-clockwise by
// `rotation` quarter turns"; its index is rotation + 4 * flip:
//   0 identity   1 rot90       2 rot180   3 rot270
//   4 flip_lr    5 transpose   6 flip_ud  7 anti_transpose
#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/core/random.hpp"
#include "isinggan/core/tensor.hpp"
#include "isinggan/data/image_mask_set.hpp"

namespace isinggan::data {

struct dihedral {
    unsigned rotation = 0;  ///< counter-clockwise quarter turns, 0..3
    bool flip = false;      ///< left-right flip, applied before the rotation

    static constexpr std::size_t count = 8;

    static constexpr dihedral from_index(std::size_t i) { return {static_cast<unsigned>(i % 4), (i / 4) % 2 == 1}; }
    constexpr std::size_t index() const noexcept { return rotation % 4 + (flip ? 4 : 0); }
    /// Whether it swaps height and width (an odd number of quarter turns).
    constexpr bool swaps_axes() const noexcept { return rotation % 2 == 1; }

    std::string name() const {
        static const char* const names[] = {"identity", "rot90",   "rot180",  "rot270",
                                            "flip_lr",  "transpose", "flip_ud", "anti_transpose"};
        return names[index()];
    }
    friend constexpr bool operator==(dihedral a, dihedral b) noexcept { return a.index() == b.index(); }
};

/// `second` after `first`. Uses F R = R^-1 F (a flip reverses the sense of a rotation).
constexpr dihedral compose(dihedral second, dihedral first) noexcept {
    const unsigned r = second.flip ? (second.rotation + 4 - first.rotation % 4) : (second.rotation + first.rotation);
    return {r % 4, second.flip != first.flip};
}

constexpr dihedral inverse(dihedral d) noexcept {
    return d.flip ? d : dihedral{(4 - d.rotation % 4) % 4, false};  // a flip-and-rotate is its own inverse
}

/// Transforms one h x w plane at `src` into `dst` (w x h when the transform swaps axes).
template <class T>
void transform_plane(dihedral d, const T* src, std::size_t h, std::size_t w, T* dst) {
    const std::size_t out_h = d.swaps_axes() ? w : h, out_w = d.swaps_axes() ? h : w;
    for (std::size_t y = 0; y < out_h; ++y)
        for (std::size_t x = 0; x < out_w; ++x) {
            // Source pixel of output (y, x): undo the rotation, then the flip.
            std::size_t sy, sx;
            switch (d.rotation % 4) {
                case 0: sy = y, sx = x; break;
                case 1: sy = x, sx = w - 1 - y; break;
                case 2: sy = h - 1 - y, sx = w - 1 - x; break;
                default: sy = h - 1 - x, sx = y; break;
            }
            if (d.flip) sx = w - 1 - sx;
            dst[y * out_w + x] = src[sy * w + sx];
        }
}

/// Every sample and channel of `t` transformed.
inline tensor<cpu> transform(dihedral d, const tensor<cpu>& t) {
    const shape4 s = t.shape();
    tensor<cpu> out(d.swaps_axes() ? shape4{s.n, s.c, s.w, s.h} : s);
    for (std::size_t n = 0; n < s.n; ++n)
        for (std::size_t c = 0; c < s.c; ++c) transform_plane(d, t.plane(n, c), s.h, s.w, out.plane(n, c));
    return out;
}

/// The set with every sample in all 8 orientations: sample i becomes 8i..8i+7,
/// in index order; ids get "@<name>" for the 7 non-identity transforms.
inline image_mask_set expand_dihedral(const image_mask_set& set) {
    require_consistent(set, "expand_dihedral");
    const shape4 is = set.images.shape();
    image_mask_set out;
    out.images.resize({is.n * dihedral::count, 3, is.h, is.w});
    out.masks.resize({is.n * dihedral::count, 1, is.h, is.w});
    out.ids.reserve(is.n * dihedral::count);
    for (std::size_t n = 0; n < is.n; ++n)
        for (std::size_t t = 0; t < dihedral::count; ++t) {
            const dihedral d = dihedral::from_index(t);
            const std::size_t o = n * dihedral::count + t;
            for (std::size_t c = 0; c < 3; ++c) transform_plane(d, set.images.plane(n, c), is.h, is.w, out.images.plane(o, c));
            transform_plane(d, set.masks.plane(n, 0), is.h, is.w, out.masks.plane(o, 0));
            out.ids.push_back(t == 0 ? set.ids[n] : set.ids[n] + "@" + d.name());
        }
    return out;
}

/// On-the-fly augmentation of a batch of square samples: each sample gets one
/// of the 8 transforms drawn from `gen`, the same for its image and its mask.
/// Returns the transforms drawn, one per sample.
inline std::vector<dihedral> random_dihedral(tensor<cpu>& images, tensor<cpu>& masks, rng& gen) {
    const shape4 is = images.shape();
    if (is.h != is.w) throw shape_error("random_dihedral: samples must be square, got " + is.str());
    require_shape(masks.shape(), shape4{is.n, masks.c(), is.h, is.w}, "random_dihedral masks");
    std::vector<dihedral> drawn(is.n);
    std::vector<float> scratch(is.plane_size());
    auto apply = [&](dihedral d, float* plane) {
        transform_plane(d, plane, is.h, is.w, scratch.data());
        std::copy(scratch.begin(), scratch.end(), plane);
    };
    for (std::size_t n = 0; n < is.n; ++n) {
        drawn[n] = dihedral::from_index(gen.below(dihedral::count));
        if (drawn[n].index() == 0) continue;
        for (std::size_t c = 0; c < is.c; ++c) apply(drawn[n], images.plane(n, c));
        for (std::size_t c = 0; c < masks.c(); ++c) apply(drawn[n], masks.plane(n, c));
    }
    return drawn;
}

}  // namespace isinggan::data
