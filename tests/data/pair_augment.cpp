#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "isinggan/backend/cpu/pair_augment.hpp"
#include "isinggan/core/random.hpp"
#include "isinggan/data/pair_augment.hpp"
#include "support/finite_difference.hpp"
#include "support/random_tensor.hpp"

using namespace isinggan;
using isinggan::testing::central_difference;
using isinggan::testing::random_tensor;

TEST_CASE("pair_augment: the backward pass is the forward's adjoint, <A x, y> = <x, A^T y>") {
    rng gen(3);
    const auto x = random_tensor({5, 4, 16, 16}, gen);
    const auto y = random_tensor({5, 4, 16, 16}, gen);
    for (int parts = 1; parts < 8; ++parts) {
        CAPTURE(parts);
        const pair_augment_options o{bool(parts & 1), bool(parts & 2), bool(parts & 4)};
        auto p = draw_pair_augment(5, 16, gen, o);
        for (auto& q : p) q.brightness = 0;  // the one affine (not linear) part: its gradient is dy itself
        tensor<cpu> ax, aty;
        ops::pair_augment_forward(cpu{}, x, p, ax);
        ops::pair_augment_backward(cpu{}, y, p, aty);
        double lhs = 0, rhs = 0;
        for (std::size_t i = 0; i < x.size(); ++i) lhs += double(ax.data()[i]) * y.data()[i];
        for (std::size_t i = 0; i < x.size(); ++i) rhs += double(x.data()[i]) * aty.data()[i];
        CHECK(lhs == doctest::Approx(rhs).epsilon(1e-5));
    }
}

TEST_CASE("pair_augment: gradient matches finite differences (brightness makes the map affine)") {
    rng gen(8);
    auto x = random_tensor({2, 4, 8, 8}, gen);
    const auto w = random_tensor({2, 4, 8, 8}, gen);
    const auto p = draw_pair_augment(2, 8, gen);
    const auto loss = [&] {
        tensor<cpu> y;
        ops::pair_augment_forward(cpu{}, x, p, y);
        double s = 0;
        for (std::size_t i = 0; i < y.size(); ++i) s += double(y.data()[i]) * w.data()[i];
        return s;
    };
    tensor<cpu> g;
    ops::pair_augment_backward(cpu{}, w, p, g);
    for (std::size_t i : {0u, 17u, 70u, 200u, 300u, 511u})
        CHECK(central_difference(x.data()[i], 1e-2, loss) == doctest::Approx(g.data()[i]).epsilon(1e-3));
}

TEST_CASE("pair_augment: translation and cutout move image and mask alike; colour leaves the mask alone") {
    // The mask equals the image's first channel; after augmentation without
    // colour it still does, at every pixel. With colour, the mask is still a
    // shifted, cut copy of the original mask.
    rng gen(12);
    auto x = random_tensor({3, 4, 16, 16}, gen);
    for (std::size_t b = 0; b < 3; ++b) std::copy_n(x.plane(b, 0), 256, x.plane(b, 3));
    auto p = draw_pair_augment(3, 16, gen, {false, true, true});
    p[0].shift_y = 2, p[0].shift_x = -1, p[0].cut_side = 0;
    tensor<cpu> y;
    ops::pair_augment_forward(cpu{}, x, p, y);
    for (std::size_t b = 0; b < 3; ++b)
        for (std::size_t i = 0; i < 256; ++i) CHECK(y.plane(b, 3)[i] == y.plane(b, 0)[i]);
    CHECK(y(0, 3, 2, 0) == x(0, 3, 0, 1));  // shifted down by 2, left by 1
    CHECK(y(0, 3, 0, 5) == 0.0f);            // the rows shifted in are zero
    // Cutout: a square of side 8 is zero in all 4 channels.
    const auto& q = p[1];
    for (std::size_t c = 0; c < 4; ++c) CHECK(y(1, c, std::size_t(q.cut_y + 3), std::size_t(q.cut_x + 5)) == 0.0f);
    // Colour changes the image but not the mask.
    auto pc = p;
    for (auto& v : pc) v.brightness = 0.3f, v.saturation = 1.5f, v.contrast = 0.7f;
    tensor<cpu> yc;
    ops::pair_augment_forward(cpu{}, x, pc, yc);
    for (std::size_t b = 0; b < 3; ++b)
        for (std::size_t i = 0; i < 256; ++i) CHECK(yc.plane(b, 3)[i] == y.plane(b, 3)[i]);
    std::size_t changed = 0;
    for (std::size_t i = 0; i < 256; ++i) changed += yc.plane(2, 0)[i] != y.plane(2, 0)[i];
    CHECK(changed > 100);  // the image outside the cut square
}

namespace {

/// DiffAugment on one sample by its definition (data/pair_augment.hpp), in double:
/// brightness, saturation, contrast on the image, then translation and cutout of all four channels.
std::vector<double> augmented_by_definition(const tensor<cpu>& x, std::size_t b, const pair_augment_params& q) {
    const int s = int(x.h());
    const std::size_t plane = std::size_t(s) * std::size_t(s);
    std::vector<double> v(4 * plane);
    for (std::size_t c = 0; c < 4; ++c)
        for (std::size_t i = 0; i < plane; ++i) v[c * plane + i] = x.plane(b, c)[i] + (c < 3 ? q.brightness : 0.0);
    for (std::size_t i = 0; i < plane; ++i) {
        const double mean = (v[i] + v[plane + i] + v[2 * plane + i]) / 3.0;
        for (std::size_t c = 0; c < 3; ++c) v[c * plane + i] = (v[c * plane + i] - mean) * q.saturation + mean;
    }
    double mean = 0;
    for (std::size_t i = 0; i < 3 * plane; ++i) mean += v[i] / double(3 * plane);
    for (std::size_t i = 0; i < 3 * plane; ++i) v[i] = (v[i] - mean) * q.contrast + mean;
    std::vector<double> y(4 * plane, 0.0);
    for (std::size_t c = 0; c < 4; ++c)
        for (int r = 0; r < s; ++r)
            for (int col = 0; col < s; ++col) {
                const int sr = r - q.shift_y, sc = col - q.shift_x;
                const bool cut = r >= q.cut_y && r < q.cut_y + q.cut_side && col >= q.cut_x && col < q.cut_x + q.cut_side;
                if (!cut && sr >= 0 && sr < s && sc >= 0 && sc < s)
                    y[c * plane + std::size_t(r * s + col)] = v[c * plane + std::size_t(sr * s + sc)];
            }
    return y;
}

}  // namespace

TEST_CASE("pair_augment: every part, alone and together, is its definition") {
    rng gen(21);
    const auto x = random_tensor({4, 4, 16, 16}, gen);
    for (int parts = 1; parts < 8; ++parts) {
        CAPTURE(parts);
        const pair_augment_options o{bool(parts & 1), bool(parts & 2), bool(parts & 4)};
        const auto p = draw_pair_augment(4, 16, gen, o);
        tensor<cpu> y;
        ops::pair_augment_forward(cpu{}, x, p, y);
        for (std::size_t b = 0; b < 4; ++b) {
            CAPTURE(b);
            const auto expected = augmented_by_definition(x, b, p[b]);
            std::size_t wrong = 0;
            for (std::size_t i = 0; i < expected.size(); ++i)
                // float arithmetic on values of size ~3: a few roundings of 2^-22
                wrong += std::abs(y.sample(b)[i] - expected[i]) > 1e-5 * (1.0 + std::abs(expected[i]));
            CHECK(wrong == 0);
        }
    }
}

TEST_CASE("pair_augment: bad shapes and parameter counts are refused") {
    rng gen(1);
    const auto p = draw_pair_augment(2, 8, gen);
    tensor<cpu> y;
    CHECK_THROWS_AS(ops::pair_augment_forward(cpu{}, tensor<cpu>({2, 3, 8, 8}), p, y), shape_error);
    CHECK_THROWS_AS(ops::pair_augment_forward(cpu{}, tensor<cpu>({3, 4, 8, 8}), p, y), argument_error);
    // Parameters that would reach outside the pair: a cutout past the edge, a shift of a whole side.
    auto cut = p;
    cut[1].cut_side = 4, cut[1].cut_y = 5;
    CHECK_THROWS_WITH_AS(ops::pair_augment_forward(cpu{}, tensor<cpu>({2, 4, 8, 8}), cut, y),
                         doctest::Contains("sample 1"), argument_error);
    auto shift = p;
    shift[0].shift_x = -8;
    CHECK_THROWS_AS(ops::pair_augment_backward(cpu{}, tensor<cpu>({2, 4, 8, 8}), shift, y), argument_error);
    shift[0].shift_x = 7;  // all but one column shifted out: allowed
    CHECK_NOTHROW(ops::pair_augment_backward(cpu{}, tensor<cpu>({2, 4, 8, 8}), shift, y));
}

TEST_CASE("pair_augment: y may be x itself") {
    rng gen(4);
    const auto x = random_tensor({9, 4, 32, 32}, gen);
    const auto p = draw_pair_augment(9, 32, gen);
    tensor<cpu> y;
    ops::pair_augment_forward(cpu{}, x, p, y);
    tensor<cpu> in_place = x;
    ops::pair_augment_forward(cpu{}, in_place, p, in_place);
    for (std::size_t i = 0; i < y.size(); ++i) REQUIRE(in_place.data()[i] == y.data()[i]);
}
