#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "isinggan/metrics/pair_statistics.hpp"
#include "support/error_message.hpp"
#include "support/mask_from_rows.hpp"

using namespace isinggan;

namespace {

using rows = std::initializer_list<std::string>;

/// Masks drawn as text, stacked into [N, 1, H, W].
tensor<cpu> masks_of(std::initializer_list<rows> drawings) {
    std::vector<tensor<cpu>> planes;
    for (const rows& r : drawings) planes.push_back(testing::mask_from_rows(r));
    tensor<cpu> m({planes.size(), 1, planes[0].h(), planes[0].w()});
    for (std::size_t i = 0; i < planes.size(); ++i)
        std::copy(planes[i].begin(), planes[i].end(), m.sample(i));
    return m;
}

/// Images [N, 3, H, W] holding `value` in every channel.
tensor<cpu> flat_images(const tensor<cpu>& masks, float value = 0.0f) {
    return tensor<cpu>({masks.n(), 3, masks.h(), masks.w()}, value);
}

/// n masks [n, 1, h, w] with one foreground pixel, at pixel index pixel_of(i).
template <class F>
tensor<cpu> single_pixel_masks(std::size_t n, std::size_t h, std::size_t w, F pixel_of) {
    tensor<cpu> m({n, 1, h, w});
    for (std::size_t i = 0; i < n; ++i) m.plane(i, 0)[pixel_of(i)] = 1.0f;
    return m;
}

const rows two_squares{"##....", "##....", "......", "...###", "...###", "...###"};  // 4 + 9 px, 2 objects
const rows ring{"......", ".###..", ".#.#..", ".###..", "......", "......"};          // 8 px, 1 object, 1 hole
const rows empty6{"......", "......", "......", "......", "......", "......"};

}  // namespace

TEST_CASE("pair statistics: emptiness and fragmentation of hand-drawn masks") {
    const tensor<cpu> masks = masks_of({two_squares, ring, empty6});
    const pair_statistics s = measure_pairs(flat_images(masks), masks);
    CHECK(s.n == 3);
    CHECK(s.foreground_fraction == doctest::Approx((13.0 + 8.0) / 36.0 / 3.0).epsilon(1e-12));
    CHECK(s.empty_share == doctest::Approx(1.0 / 3.0).epsilon(1e-12));
    CHECK(s.objects_per_mask == 1.0);  // 2 + 1 + 0 objects
    // Pooled: 21 px over 3 objects; the mean of per-mask areas would be (6.5 + 8) / 2.
    CHECK(s.mean_object_area == 7.0);
    CHECK(s.holes_per_mask == doctest::Approx(1.0 / 3.0).epsilon(1e-12));
    CHECK(s.duplicate_share == 0.0);
    // Squares against ring: they share (1,1) and (3,3), union 13 + 8 - 2; each against the empty mask: 0.
    CHECK(s.pairwise_mask_iou == doctest::Approx((2.0 / 19.0) / 3.0).epsilon(1e-12));
    // Flat images: nothing inside differs from outside.
    CHECK(s.contrast == 0.0);
}

TEST_CASE("pair statistics: a set with no objects") {
    const tensor<cpu> masks = masks_of({empty6, empty6});
    const pair_statistics s = measure_pairs(flat_images(masks, 0.5f), masks);
    CHECK(s.foreground_fraction == 0.0);
    CHECK(s.empty_share == 1.0);
    CHECK(s.objects_per_mask == 0.0);
    CHECK(s.mean_object_area == 0.0);  // not 0 / 0
    CHECK(s.holes_per_mask == 0.0);
    CHECK(s.contrast == 0.0);             // no mask has both sides
    CHECK(s.duplicate_share == 0.5);      // the second empty mask repeats the first
    CHECK(s.pairwise_mask_iou == 1.0);    // two empty masks: no diversity
}

TEST_CASE("pair statistics: contrast is the luminance step across the mask boundary") {
    tensor<cpu> masks = masks_of({{"##", ".."}, {"#.", ".."}, {"..", ".."}, {"##", "##"}});
    tensor<cpu> images({4, 3, 2, 2});
    // Pair 0: inside, one pixel of channels (1, 0, -1) (luminance 0.5) and one white (1);
    // outside, grey -0.5 (0.25): |0.75 - 0.25| = 0.5.
    images(0, 0, 0, 0) = 1.0f;
    images(0, 1, 0, 0) = 0.0f;
    images(0, 2, 0, 0) = -1.0f;
    for (std::size_t c = 0; c < 3; ++c) {
        images(0, c, 0, 1) = 1.0f;
        images(0, c, 1, 0) = images(0, c, 1, 1) = -0.5f;
    }
    // Pair 1: darker inside (-0.5: 0.25) than outside (0: 0.5): 0.25, the sign does not matter.
    for (std::size_t c = 0; c < 3; ++c) {
        images(1, c, 0, 0) = -0.5f;
        images(1, c, 0, 1) = images(1, c, 1, 0) = images(1, c, 1, 1) = 0.0f;
    }
    // Pairs 2 (empty mask) and 3 (full mask) have one side only and do not count, however bright.
    for (std::size_t c = 0; c < 3; ++c)
        for (std::size_t p = 0; p < 4; ++p) images.plane(2, c)[p] = images.plane(3, c)[p] = p == 0 ? 1.0f : -1.0f;
    CHECK(measure_pairs(images, masks).contrast == 0.375);  // (0.5 + 0.25) / 2

    // Only one-sided masks: 0, not NaN.
    tensor<cpu> one_sided = masks_of({{"..", ".."}, {"##", "##"}});
    tensor<cpu> bright({2, 3, 2, 2}, 1.0f);
    bright(0, 0, 0, 0) = -1.0f;
    CHECK(measure_pairs(bright, one_sided).contrast == 0.0);
}

TEST_CASE("pair statistics: duplicates are equal binarised masks, not equal values") {
    tensor<cpu> masks = masks_of({two_squares, two_squares, ring, two_squares, two_squares});
    // Pair 1: the same squares at 0.5 and 0.9 instead of 1: the same binarised mask.
    for (std::size_t p = 0; p < 36; ++p)
        if (masks.plane(1, 0)[p] > 0) masks.plane(1, 0)[p] = p % 2 ? 0.5f : 0.9f;
    // Pair 3: one square pixel at 0.49 is background: a different mask.
    masks(3, 0, 0, 0) = 0.49f;
    // Pair 4: background at 0.3 stays background: a duplicate of pair 0.
    for (std::size_t p = 0; p < 36; ++p)
        if (masks.plane(4, 0)[p] == 0) masks.plane(4, 0)[p] = 0.3f;
    const pair_statistics s = measure_pairs(flat_images(masks), masks);
    CHECK(s.duplicate_share == 0.4);  // pairs 1 and 4 of 5
    CHECK(s.objects_per_mask == doctest::Approx((2 + 2 + 1 + 2 + 2) / 5.0).epsilon(1e-12));
}

TEST_CASE("pair statistics: pairwise IoU of identical, disjoint and single masks") {
    const tensor<cpu> same = masks_of({ring, ring, ring});
    CHECK(measure_pairs(flat_images(same), same).pairwise_mask_iou == 1.0);
    CHECK(measure_pairs(flat_images(same), same).duplicate_share == doctest::Approx(2.0 / 3.0).epsilon(1e-12));

    const tensor<cpu> disjoint = masks_of({{"##..", "...."}, {"..##", "...."}, {"....", "####"}});
    CHECK(measure_pairs(flat_images(disjoint), disjoint).pairwise_mask_iou == 0.0);

    // Half overlap (2 of 6 pixels) for one pair, none for the two others.
    const tensor<cpu> shifted = masks_of({{"##..", "##.."}, {".##.", ".##."}, {"....", "...#"}});
    CHECK(measure_pairs(flat_images(shifted), shifted).pairwise_mask_iou ==
          doctest::Approx((2.0 / 6.0) / 3.0).epsilon(1e-12));

    // One pair: nothing to compare.
    const tensor<cpu> one = masks_of({ring});
    const pair_statistics s = measure_pairs(flat_images(one), one);
    CHECK(std::isnan(s.pairwise_mask_iou));
    CHECK(s.n == 1);
    CHECK(s.holes_per_mask == 1.0);
}

TEST_CASE("pair statistics: with few pairs every pair of pairs is compared, whatever the seed") {
    // 32 masks: 496 pairs of pairs, all compared. Mask i is pixel i % 2: half the pairs match.
    const tensor<cpu> masks = single_pixel_masks(32, 2, 2, [](std::size_t i) { return i % 2; });
    const tensor<cpu> images = flat_images(masks);
    const double expected = 2.0 * (16.0 * 15.0 / 2.0) / 496.0;
    CHECK(measure_pairs(images, masks, 0).pairwise_mask_iou == doctest::Approx(expected).epsilon(1e-12));
    CHECK(measure_pairs(images, masks, 12345).pairwise_mask_iou == doctest::Approx(expected).epsilon(1e-12));
    CHECK(measure_pairs(images, masks).duplicate_share == 30.0 / 32.0);
}

TEST_CASE("pair statistics: with many pairs 500 random pairs of distinct pairs are compared") {
    // 40 masks (780 pairs of pairs). All disjoint: 0 whatever is drawn; a pair compared with itself would give 1.
    const tensor<cpu> disjoint = single_pixel_masks(40, 8, 8, [](std::size_t i) { return i; });
    CHECK(measure_pairs(flat_images(disjoint), disjoint, 7).pairwise_mask_iou == 0.0);
    CHECK(measure_pairs(flat_images(disjoint), disjoint, 7).duplicate_share == 0.0);

    // Two kinds, 20 each: the IoU is the share of drawn pairs of the same kind, 19/39 in expectation.
    const tensor<cpu> two_kinds = single_pixel_masks(40, 2, 2, [](std::size_t i) { return i % 2; });
    const tensor<cpu> images = flat_images(two_kinds);
    std::set<double> values;
    for (std::uint64_t seed = 0; seed < 5; ++seed) {
        const double v = measure_pairs(images, two_kinds, seed).pairwise_mask_iou;
        CHECK(v == measure_pairs(images, two_kinds, seed).pairwise_mask_iou);  // the seed fixes the draw
        const double matches = v * double(pair_statistics_max_pairs);
        CHECK(matches == doctest::Approx(std::round(matches)).epsilon(1e-9));  // a mean of exactly 500 zeros and ones
        CHECK(v == doctest::Approx(19.0 / 39.0).epsilon(0.2));
        values.insert(v);
    }
    CHECK(values.size() > 1);  // the seed changes the draw
}

TEST_CASE("pair statistics: shapes that do not fit are refused, naming both") {
    const tensor<cpu> masks({2, 1, 4, 4}), images({2, 3, 4, 4});
    CHECK_NOTHROW(measure_pairs(images, masks));
    CHECK_THROWS_AS(measure_pairs(tensor<cpu>({2, 1, 4, 4}), masks), shape_error);  // grey images
    CHECK_THROWS_AS(measure_pairs(images, tensor<cpu>({2, 3, 4, 4})), shape_error);  // three-channel masks
    CHECK_THROWS_AS(measure_pairs(images, tensor<cpu>({2, 1, 4, 5})), shape_error);
    CHECK_THROWS_AS(measure_pairs(images, tensor<cpu>({2, 1, 5, 4})), shape_error);
    CHECK_THROWS_AS(measure_pairs(tensor<cpu>({0, 3, 4, 4}), tensor<cpu>({0, 1, 4, 4})), shape_error);  // N = 0
    CHECK_THROWS_AS(measure_pairs(tensor<cpu>(), tensor<cpu>()), shape_error);
    const std::string what = testing::error_message<shape_error>([&] { measure_pairs(images, tensor<cpu>({3, 1, 4, 4})); });
    CHECK(testing::mentions(what, "[2, 3, 4, 4]"));
    CHECK(testing::mentions(what, "[3, 1, 4, 4]"));
}

TEST_CASE("pair statistics: one CSV line per set, under a matching header") {
    pair_statistics s;
    s.n = 3;
    s.foreground_fraction = 0.25;
    s.empty_share = 0.5;
    s.objects_per_mask = 1;
    s.mean_object_area = 7;
    s.holes_per_mask = 0.125;
    s.contrast = 0.375;
    s.duplicate_share = 0;
    s.pairwise_mask_iou = 0.1;
    s.bright_background_share = 0.75;
    s.colour_share = 0.625;
    CHECK(pair_statistics_csv_header() ==
          "label,n,foreground_fraction,empty_share,objects_per_mask,mean_object_area,holes_per_mask,contrast,"
          "duplicate_share,pairwise_mask_iou,bright_background_share,colour_share");
    CHECK(pair_statistics_csv_row("real", s) == "real,3,0.25,0.5,1,7,0.125,0.375,0,0.1,0.75,0.625");
    s.pairwise_mask_iou = std::numeric_limits<double>::quiet_NaN();
    CHECK(pair_statistics_csv_row("step 300, seed \"1\"", s) ==
          "\"step 300, seed \"\"1\"\"\",3,0.25,0.5,1,7,0.125,0.375,0,nan,0.75,0.625");
}

TEST_CASE("pair statistics: bright backgrounds and colour, the modes a GAN drops") {
    const tensor<cpu> masks = masks_of({two_squares, ring, empty6, two_squares});
    tensor<cpu> images = flat_images(masks, -0.8f);  // dark grey: luminance 0.1, no colour
    // Pair 1: bright background (luminance 0.9) around a dark nucleus: bright, grey.
    for (std::size_t c = 0; c < 3; ++c)
        for (std::size_t p = 0; p < 36; ++p) images.plane(1, c)[p] = masks.plane(1, 0)[p] >= 0.5f ? -0.8f : 0.8f;
    // Pair 3: pink everywhere (R, B at 0.9, G at 0.6 in [0, 1]: spread 0.3).
    for (std::size_t p = 0; p < 36; ++p) {
        images.plane(3, 0)[p] = 0.8f;
        images.plane(3, 1)[p] = 0.2f;
        images.plane(3, 2)[p] = 0.8f;
    }
    const pair_statistics s = measure_pairs(images, masks);
    // Pair 3's background luminance is (0.9 + 0.6 + 0.9) / 3 = 0.8: bright too.
    CHECK(s.bright_background_share == doctest::Approx(2.0 / 4.0));
    CHECK(s.colour_share == doctest::Approx(1.0 / 4.0));
    // A mask covering the whole image: the whole image is its background.
    tensor<cpu> full({1, 1, 4, 4}, 1.0f);
    CHECK(measure_pairs(flat_images(full, 0.5f), full).bright_background_share == 1.0);
    CHECK(measure_pairs(flat_images(full, -0.5f), full).bright_background_share == 0.0);
    // A spread just under the threshold does not count.
    tensor<cpu> faint = flat_images(full, 0.0f);
    for (auto* v = faint.plane(0, 0); v != faint.plane(0, 0) + 16; ++v) *v = 0.19f;  // spread 0.095
    CHECK(measure_pairs(faint, full).colour_share == 0.0);
}
