// Tests include/isinggan/data/dihedral.hpp: known small cases, the group
// structure, and that images and masks stay aligned.
#include <doctest/doctest.h>

#include <set>
#include <vector>

#include "isinggan/data/dihedral.hpp"
#include "support/random_tensor.hpp"

using namespace isinggan;
using data::dihedral;

namespace {

std::vector<float> values(const tensor<cpu>& t) { return {t.begin(), t.end()}; }

}  // namespace

TEST_CASE("dihedral: the eight transforms of [[1, 2], [3, 4]] are the named ones") {
    const tensor<cpu> t({1, 1, 2, 2}, {1, 2, 3, 4});
    const std::vector<std::vector<float>> expected = {
        {1, 2, 3, 4},  // identity
        {2, 4, 1, 3},  // rot90 counter-clockwise (numpy.rot90)
        {4, 3, 2, 1},  // rot180
        {3, 1, 4, 2},  // rot270
        {2, 1, 4, 3},  // flip_lr
        {1, 3, 2, 4},  // transpose
        {3, 4, 1, 2},  // flip_ud
        {4, 2, 3, 1},  // anti_transpose
    };
    for (std::size_t i = 0; i < 8; ++i) {
        CAPTURE(dihedral::from_index(i).name());
        CHECK(values(data::transform(dihedral::from_index(i), t)) == expected[i]);
        CHECK(dihedral::from_index(i).index() == i);
    }
}

TEST_CASE("dihedral: an asymmetric input has 8 distinct images, rotating 4 times is the identity") {
    rng gen(3);
    for (shape4 s : {shape4{2, 3, 5, 5}, shape4{1, 2, 3, 7}}) {
        CAPTURE(s.str());
        const auto t = testing::random_tensor(s, gen);
        std::set<std::vector<float>> distinct;
        for (std::size_t i = 0; i < 8; ++i) {
            const auto out = data::transform(dihedral::from_index(i), t);
            CHECK(out.shape() == (dihedral::from_index(i).swaps_axes() ? shape4{s.n, s.c, s.w, s.h} : s));
            distinct.insert(values(out));
        }
        CHECK(distinct.size() == 8);

        auto r = t;
        for (int k = 0; k < 4; ++k) r = data::transform(dihedral{1, false}, r);
        CHECK(values(r) == values(t));
        const auto flipped_twice = data::transform(dihedral{0, true}, data::transform(dihedral{0, true}, t));
        CHECK(values(flipped_twice) == values(t));
    }
}

TEST_CASE("dihedral: compose and inverse agree with applying the transforms one after another") {
    rng gen(4);
    const auto t = testing::random_tensor({1, 1, 4, 6}, gen);
    for (std::size_t a = 0; a < 8; ++a)
        for (std::size_t b = 0; b < 8; ++b) {
            const dihedral da = dihedral::from_index(a), db = dihedral::from_index(b);
            CAPTURE(da.name());
            CAPTURE(db.name());
            CHECK(values(data::transform(data::compose(da, db), t)) ==
                  values(data::transform(da, data::transform(db, t))));
        }
    for (std::size_t a = 0; a < 8; ++a) {
        const dihedral d = dihedral::from_index(a);
        CHECK(values(data::transform(data::inverse(d), data::transform(d, t))) == values(t));
        CHECK(data::compose(data::inverse(d), d) == dihedral{});
    }
}

namespace {

/// A set whose image channel 0 is 2 * mask - 1 plus a pixel-unique offset, so
/// an image and mask transformed differently no longer match.
data::image_mask_set aligned_set(std::size_t n, std::size_t s, std::uint64_t seed) {
    rng gen(seed);
    data::image_mask_set set;
    set.images.resize({n, 3, s, s});
    set.masks.resize({n, 1, s, s});
    for (std::size_t i = 0; i < n; ++i) {
        set.ids.push_back("s" + std::to_string(i));
        for (std::size_t p = 0; p < s * s; ++p) {
            const float m = gen.below(2) ? 1.0f : 0.0f;
            set.masks.plane(i, 0)[p] = m;
            set.images.plane(i, 0)[p] = m;
            set.images.plane(i, 1)[p] = static_cast<float>(p);
            set.images.plane(i, 2)[p] = static_cast<float>(i);
        }
    }
    return set;
}

}  // namespace

TEST_CASE("dihedral: expand_dihedral gives 8 aligned copies per sample, the identity first") {
    const auto set = aligned_set(3, 5, 9);
    const auto big = data::expand_dihedral(set);
    REQUIRE(big.size() == 24);
    CHECK(big.ids[0] == "s0");
    CHECK(big.ids[1] == "s0@rot90");
    CHECK(big.ids[23] == "s2@anti_transpose");
    for (std::size_t n = 0; n < 3; ++n) {
        std::set<std::vector<float>> positions;
        for (std::size_t t = 0; t < 8; ++t) {
            const std::size_t o = 8 * n + t;
            CHECK(std::equal(big.images.plane(o, 0), big.images.plane(o, 0) + 25, big.masks.plane(o, 0)));
            // Channel 1 numbers the source pixels: it must be that plane transformed.
            std::vector<float> expected(25);
            data::transform_plane(dihedral::from_index(t), set.images.plane(n, 1), 5, 5, expected.data());
            CHECK(std::equal(expected.begin(), expected.end(), big.images.plane(o, 1)));
            positions.insert(std::vector<float>(big.images.plane(o, 1), big.images.plane(o, 1) + 25));
        }
        CHECK(positions.size() == 8);
    }
}

TEST_CASE("dihedral: random_dihedral is seeded, uses all 8 transforms and keeps images and masks aligned") {
    auto a = aligned_set(64, 4, 10), b = aligned_set(64, 4, 10);
    const auto original = aligned_set(64, 4, 10);
    rng g1(5), g2(5);
    const auto da = data::random_dihedral(a.images, a.masks, g1);
    const auto db = data::random_dihedral(b.images, b.masks, g2);
    CHECK(values(a.images) == values(b.images));
    std::set<std::size_t> used;
    for (std::size_t n = 0; n < 64; ++n) {
        CHECK(da[n] == db[n]);
        used.insert(da[n].index());
        CHECK(std::equal(a.images.plane(n, 0), a.images.plane(n, 0) + 16, a.masks.plane(n, 0)));
        std::vector<float> expected(16);
        data::transform_plane(da[n], original.images.plane(n, 1), 4, 4, expected.data());
        CHECK(std::equal(expected.begin(), expected.end(), a.images.plane(n, 1)));
    }
    CHECK(used.size() == 8);

    tensor<cpu> wide({1, 3, 4, 6}), wide_mask({1, 1, 4, 6});
    CHECK_THROWS_AS(data::random_dihedral(wide, wide_mask, g1), shape_error);
}
