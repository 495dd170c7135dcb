// Tests include/isinggan/data/synthetic_nuclei.hpp: determinism, ranges, and
// that the masks mark the bright nuclei of their images.
#include <doctest/doctest.h>

#include <algorithm>

#include "isinggan/data/synthetic_nuclei.hpp"

using namespace isinggan;

TEST_CASE("synthetic nuclei: seeded, sample i independent of n, different seeds differ") {
    const auto a = data::synthetic_nuclei(6, 32, 42);
    const auto b = data::synthetic_nuclei(6, 32, 42);
    const auto prefix = data::synthetic_nuclei(3, 32, 42);
    const auto other = data::synthetic_nuclei(6, 32, 43);
    CHECK(std::equal(a.images.begin(), a.images.end(), b.images.begin()));
    CHECK(std::equal(a.masks.begin(), a.masks.end(), b.masks.begin()));
    CHECK(std::equal(prefix.images.begin(), prefix.images.end(), a.images.begin()));
    CHECK(std::equal(prefix.masks.begin(), prefix.masks.end(), a.masks.begin()));
    CHECK_FALSE(std::equal(a.images.begin(), a.images.end(), other.images.begin()));
    CHECK(a.ids[5] == "synthetic-5");
    // Samples differ from each other.
    CHECK_FALSE(std::equal(a.masks.plane(0, 0), a.masks.plane(0, 0) + 32 * 32, a.masks.plane(1, 0)));
}

TEST_CASE("synthetic nuclei: images in [-1, 1], binary masks covering bright nuclei") {
    const std::size_t n = 24, s = 64;
    const auto set = data::synthetic_nuclei(n, s, 7);
    data::require_consistent(set, "synthetic");
    CHECK(set.images.shape() == shape4{n, 3, s, s});
    std::size_t out_of_range = 0, not_binary = 0;
    for (float v : set.images) out_of_range += !(v >= -1.0f && v <= 1.0f);
    for (float v : set.masks) not_binary += v != 0.0f && v != 1.0f;
    CHECK(out_of_range == 0);
    CHECK(not_binary == 0);
    for (std::size_t i = 0; i < n; ++i) {
        CAPTURE(i);
        double inside = 0, outside = 0, on = 0;
        for (std::size_t p = 0; p < s * s; ++p) {
            const float m = set.masks.plane(i, 0)[p];
            const float brightness = set.images.plane(i, 0)[p] + set.images.plane(i, 1)[p] + set.images.plane(i, 2)[p];
            (m > 0 ? inside : outside) += brightness;
            on += m;
        }
        const double fraction = on / double(s * s);
        CHECK(fraction > 0.02);
        CHECK(fraction < 0.7);
        // Nuclei are far brighter than the dark background around them.
        CHECK(inside / on - outside / (double(s * s) - on) > 1.0);
    }
    CHECK_THROWS_AS(data::synthetic_nuclei(0, 64, 1), argument_error);
    CHECK_THROWS_AS(data::synthetic_nuclei(1, 4, 1), argument_error);
}
