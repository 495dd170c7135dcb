#include <doctest/doctest.h>

#include <string>

#include "isinggan/metrics/mask_topology.hpp"
#include "support/mask_from_rows.hpp"

using namespace isinggan;

namespace {

tensor<cpu> mask(std::initializer_list<std::string> rows) { return testing::mask_from_rows(rows); }

mask_topology measure(const tensor<cpu>& m) { return measure_mask(m.data(), int(m.h()), int(m.w())); }

}  // namespace

TEST_CASE("mask topology: components and holes of hand-drawn masks") {
    auto empty = measure(mask({"....", "....", "...."}));
    CHECK(empty.components == 0);
    CHECK(empty.holes == 0);

    auto ring = measure(mask({".....", ".###.", ".#.#.", ".###.", "....."}));
    CHECK(ring.components == 1);
    CHECK(ring.holes == 1);

    // Diagonal neighbours are separate foreground pieces, and enclose nothing.
    auto diagonal = measure(mask({"#...", ".#..", "..#.", "...#"}));
    CHECK(diagonal.components == 4);
    CHECK(diagonal.holes == 0);

    // A region of background touching the border is not a hole.
    auto open = measure(mask({"###.", "#.#.", "###.", "...."}));
    CHECK(open.holes == 1);
    auto notch = measure(mask({"#.##", "#..#", "####"}));
    CHECK(notch.holes == 0);
    CHECK(notch.components == 1);

    auto two_blobs_two_holes = measure(mask({"###.###", "#.#.#.#", "###.###"}));
    CHECK(two_blobs_two_holes.components == 2);
    CHECK(two_blobs_two_holes.holes == 2);
}

TEST_CASE("mask topology: batch averages and bad shapes") {
    tensor<cpu> masks({2, 1, 3, 3});
    masks(0, 0, 1, 1) = 0.9f;  // one component
    masks(1, 0, 0, 0) = 0.7f;  // two components
    masks(1, 0, 2, 2) = 0.6f;
    masks(1, 0, 1, 1) = 0.4f;  // below the threshold: background
    const auto s = measure_masks(masks);
    CHECK(s.masks == 2);
    CHECK(s.components_per_mask == doctest::Approx(1.5));
    CHECK(s.holes_per_mask == doctest::Approx(0.0));
    CHECK_THROWS_AS(measure_masks(tensor<cpu>({2, 3, 4, 4})), shape_error);
    CHECK_THROWS_AS(measure_masks(tensor<cpu>()), shape_error);
}
