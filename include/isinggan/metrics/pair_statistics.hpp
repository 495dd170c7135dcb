#pragma once
// How good a set of (image, mask) pairs is, in numbers that need no network.
// A GAN that draws pairs for augmentation fails in a few recognisable ways,
// and each field below exposes one of them; measured on the real pairs too,
// they give the figures a generated set should come close to.
//   - emptiness: masks with little or no foreground (an Ising prior that wins
//     against the discriminator empties them): foreground_fraction, empty_share;
//   - fragmentation: masks broken into specks or full of holes:
//     objects_per_mask, mean_object_area, holes_per_mask (mask_topology.hpp);
//   - a mask that does not outline anything in its image: contrast;
//   - mode collapse: one pair drawn again and again, or masks that barely
//     vary: duplicate_share, pairwise_mask_iou;
//   - modes dropped: BBBC038 mixes dark fluorescence images with bright-field
//     and stained tissue; a GAN that draws only the first has no bright
//     backgrounds and no colour: bright_background_share, colour_share.
//
// Images are [N, 3, H, W] in [-1, 1], masks [N, 1, H, W] in [0, 1]; a mask
// value >= 0.5 is foreground, as everywhere in isinggan.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/core/random.hpp"
#include "isinggan/core/tensor.hpp"
#include "isinggan/metrics/iou.hpp"
#include "isinggan/metrics/mask_topology.hpp"

namespace isinggan {

/// Summary of a set of pairs. Means are over the pairs unless a field says otherwise.
struct pair_statistics {
    std::size_t n = 0;               ///< pairs measured
    double foreground_fraction = 0;  ///< share of a mask's pixels that are foreground
    double empty_share = 0;          ///< share of masks with no foreground pixel at all
    double objects_per_mask = 0;     ///< 4-connected foreground pieces per mask
    /// Foreground pixels of all masks over their objects, 0 when there is none:
    /// many objects of a few pixels each are specks, not nuclei.
    double mean_object_area = 0;
    double holes_per_mask = 0;  ///< background regions enclosed by foreground, per mask
    /// |mean luminance inside − mean luminance outside| (luminance: the mean of
    /// the three channels mapped to [0, 1]), averaged over the pairs whose mask
    /// has both foreground and background; 0 when no pair has both. Near 0 the
    /// mask outlines nothing that is visible in its image.
    double contrast = 0;
    /// Share of pairs whose binarised mask equals, pixel for pixel, that of an
    /// earlier pair: the bluntest sign of collapse.
    double duplicate_share = 0;
    /// Mean IoU of the binarised masks of two different pairs (two empty masks
    /// count as 1): low for a varied set, near 1 for a collapsed one, 1 for a
    /// set of empty masks. Every pair of pairs when there are at most
    /// pair_statistics_max_pairs of them, else that many drawn at random. NaN
    /// when n = 1 (nothing to compare).
    double pairwise_mask_iou = 0;
    /// Share of pairs whose background (mask < 0.5; the whole image when the
    /// mask covers it) has a mean luminance above bright_background_level:
    /// bright-field and tissue images (real BBBC038 pairs: about a fifth).
    double bright_background_share = 0;
    /// Share of pairs whose colour spread (per pixel, the largest minus the
    /// smallest of the three channels mapped to [0, 1], averaged over the
    /// image) exceeds colour_spread_level: stained images (real: about a sixth).
    double colour_share = 0;
};

/// The thresholds of bright_background_share and colour_share.
inline constexpr double bright_background_level = 0.5;
inline constexpr double colour_spread_level = 0.1;

/// The most pairs of pairs pairwise_mask_iou compares.
inline constexpr std::size_t pair_statistics_max_pairs = 500;

namespace pair_statistics_detail {

/// FNV-1a over the bytes of a binarised mask; equal hashes are then compared in full.
inline std::uint64_t hash_bits(const std::uint8_t* bits, std::size_t n) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (std::size_t i = 0; i < n; ++i) {
        h ^= bits[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

}  // namespace pair_statistics_detail

/// The statistics of pairs (images[i], masks[i]). `seed` picks the pairs that
/// pairwise_mask_iou compares when there are too many to compare them all.
/// Throws shape_error when the shapes are not [N, 3, H, W] and [N, 1, H, W]
/// with N, H, W >= 1.
inline pair_statistics measure_pairs(const tensor<cpu>& images, const tensor<cpu>& masks, std::uint64_t seed = 0) {
    const shape4 is = images.shape(), ms = masks.shape();
    if (is.empty() || ms.empty() || is.c != 3 || ms.c != 1 || is.n != ms.n || is.h != ms.h || is.w != ms.w)
        throw shape_error("measure_pairs: images " + is.str() + " and masks " + ms.str() +
                          " do not fit: expected [N, 3, H, W] and [N, 1, H, W] with N, H, W >= 1");
    const std::size_t n = is.n, h = is.h, w = is.w, plane = h * w;

    pair_statistics s;
    s.n = n;
    std::vector<std::uint8_t> bits(n * plane);
    double foreground_total = 0, objects_total = 0, contrast_sum = 0;
    std::size_t contrasted = 0, empty = 0, duplicates = 0, bright = 0, coloured = 0;
    std::unordered_map<std::uint64_t, std::vector<std::size_t>> seen;  // hash -> first pairs with that mask
    for (std::size_t i = 0; i < n; ++i) {
        const float* m = masks.plane(i, 0);
        const float *r = images.plane(i, 0), *g = images.plane(i, 1), *b = images.plane(i, 2);
        std::uint8_t* bi = bits.data() + i * plane;
        std::size_t on = 0;
        double lum_in = 0, lum_out = 0, spread = 0;
        for (std::size_t p = 0; p < plane; ++p) {
            const bool fg = m[p] >= 0.5f;
            const double lum = ((double(r[p]) + double(g[p]) + double(b[p])) / 3.0 + 1.0) / 2.0;
            bi[p] = fg;
            on += fg;
            (fg ? lum_in : lum_out) += lum;
            spread += double(std::max({r[p], g[p], b[p]}) - std::min({r[p], g[p], b[p]})) / 2.0;
        }
        const double background = on < plane ? lum_out / double(plane - on) : lum_in / double(plane);
        bright += background > bright_background_level;
        coloured += spread / double(plane) > colour_spread_level;
        const mask_topology t = measure_mask(m, int(h), int(w));
        s.foreground_fraction += double(on) / double(plane);
        empty += on == 0;
        foreground_total += double(on);
        objects_total += double(t.components);
        s.holes_per_mask += double(t.holes);
        if (on > 0 && on < plane) {
            contrast_sum += std::abs(lum_in / double(on) - lum_out / double(plane - on));
            ++contrasted;
        }
        auto& same_hash = seen[pair_statistics_detail::hash_bits(bi, plane)];
        bool duplicate = false;
        for (std::size_t j : same_hash)
            if (std::equal(bi, bi + plane, bits.data() + j * plane)) {
                duplicate = true;
                break;
            }
        if (duplicate) ++duplicates;
        else same_hash.push_back(i);
    }
    s.foreground_fraction /= double(n);
    s.empty_share = double(empty) / double(n);
    s.objects_per_mask = objects_total / double(n);
    s.mean_object_area = objects_total > 0 ? foreground_total / objects_total : 0.0;
    s.holes_per_mask /= double(n);
    s.contrast = contrasted > 0 ? contrast_sum / double(contrasted) : 0.0;
    s.duplicate_share = double(duplicates) / double(n);
    s.bright_background_share = double(bright) / double(n);
    s.colour_share = double(coloured) / double(n);

    auto iou = [&](std::size_t a, std::size_t b) {
        return metrics::binary_overlap(masks.plane(a, 0), masks.plane(b, 0), plane, 0.5f).iou();
    };
    const std::size_t all_pairs = n * (n - 1) / 2;
    if (all_pairs == 0) {
        s.pairwise_mask_iou = std::numeric_limits<double>::quiet_NaN();
    } else if (all_pairs <= pair_statistics_max_pairs) {
        double sum = 0;
        for (std::size_t a = 0; a < n; ++a)
            for (std::size_t b = a + 1; b < n; ++b) sum += iou(a, b);
        s.pairwise_mask_iou = sum / double(all_pairs);
    } else {
        rng gen(seed);
        double sum = 0;
        for (std::size_t k = 0; k < pair_statistics_max_pairs; ++k) {
            const std::size_t a = gen.below(n);
            std::size_t b = gen.below(n - 1);
            b += b >= a;  // distinct from a, every other pair equally likely
            sum += iou(a, b);
        }
        s.pairwise_mask_iou = sum / double(pair_statistics_max_pairs);
    }
    return s;
}

/// The CSV header matching pair_statistics_csv_row (no line break).
inline std::string pair_statistics_csv_header() {
    return "label,n,foreground_fraction,empty_share,objects_per_mask,mean_object_area,holes_per_mask,contrast,"
           "duplicate_share,pairwise_mask_iou,bright_background_share,colour_share";
}

/// One CSV line (no line break): `label`, quoted when it holds a comma, quote
/// or line break, then the fields in the header's order, each in the shortest
/// form that reads back exactly (NaN as "nan").
inline std::string pair_statistics_csv_row(std::string_view label, const pair_statistics& s) {
    std::string row;
    if (label.find_first_of(",\"\r\n") == std::string_view::npos) {
        row = label;
    } else {
        row = '"';
        for (char c : label) {
            if (c == '"') row += '"';
            row += c;
        }
        row += '"';
    }
    row += ',' + std::to_string(s.n);
    for (double v : {s.foreground_fraction, s.empty_share, s.objects_per_mask, s.mean_object_area, s.holes_per_mask,
                     s.contrast, s.duplicate_share, s.pairwise_mask_iou, s.bright_background_share, s.colour_share}) {
        char buf[32];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        row += ',';
        row.append(buf, r.ptr);
    }
    return row;
}

}  // namespace isinggan
