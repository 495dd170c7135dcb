#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>

#include "layers/layer_check.hpp"

using namespace isinggan;
using namespace isinggan::testing;

namespace {
/// Distinct values 0.1 apart in shuffled order, so no finite-difference step
/// changes which element wins a max-pool window.
tensor<cpu> spaced_values(shape4 s, rng& gen) {
    tensor<cpu> t(s);
    std::iota(t.begin(), t.end(), 0.0f);
    std::shuffle(t.begin(), t.end(), gen.engine());
    for (float& v : t) v *= 0.1f;
    return t;
}
}  // namespace

TEST_CASE("layers: max_pool2d matches PyTorch's MaxPool2d") {
    max_pool2d<2> a;
    check_against_fixture(a, "max_pool2d_k2");
    max_pool2d<3, 2, 1> b;
    check_against_fixture(b, "max_pool2d_k3_s2_p1");
}

TEST_CASE("layers: avg_pool2d and global_avg_pool match PyTorch") {
    avg_pool2d<2> a;
    check_against_fixture(a, "avg_pool2d_k2");
    avg_pool2d<3, 2, 1> b;  // zero padding counts towards the divisor, as in PyTorch
    check_against_fixture(b, "avg_pool2d_k3_s2_p1");
    global_avg_pool g;
    check_against_fixture(g, "global_avg_pool");
}

TEST_CASE("layers: pooling layers pass a finite-difference gradient check") {
    rng gen(61);
    max_pool2d<3, 2, 1> maxp;
    require_gradients(maxp, spaced_values({2, 2, 5, 4}, gen), gen);
    avg_pool2d<3, 2, 1> avgp;
    require_gradients(avgp, random_tensor({2, 2, 5, 4}, gen), gen);
    global_avg_pool g;
    require_gradients(g, random_tensor({2, 3, 3, 2}, gen), gen);
}

TEST_CASE("layers: pooling rejects an input smaller than its window") {
    max_pool2d<3> p;
    CHECK_THROWS_WITH_AS(p.forward(kept({1, 1, 2, 5})), doctest::Contains("smaller than the 3x3 window"),
                         shape_error);
    avg_pool2d<2> a;
    CHECK_THROWS_AS(a.forward(kept({0, 1, 4, 4})), shape_error);
    CHECK_THROWS_AS(a.backward(tensor<cpu>({1, 1, 2, 2})), argument_error);
}

TEST_CASE("layers: upsample nearest and bilinear match PyTorch's Upsample") {
    upsample<2> nearest;
    check_against_fixture(nearest, "upsample_nearest_x2");
    upsample<2, upsample_mode::bilinear> bilinear;
    check_against_fixture(bilinear, "upsample_bilinear_x2");
    upsample<3, upsample_mode::bilinear> bilinear3;
    check_against_fixture(bilinear3, "upsample_bilinear_x3");
}

TEST_CASE("layers: upsample passes a finite-difference gradient check") {
    rng gen(62);
    upsample<2> nearest;
    require_gradients(nearest, random_tensor({1, 2, 3, 2}, gen), gen);
    upsample<3, upsample_mode::bilinear> bilinear;
    require_gradients(bilinear, random_tensor({2, 1, 2, 3}, gen), gen);
}

TEST_CASE("layers: dropout is seeded, scales survivors and passes gradients through its mask") {
    rng gen(63);
    const tensor<cpu> x = random_tensor({4, 8, 16, 16}, gen, 1.0, 2.0);  // 8192 values: rate within 6 sigma
    dropout a(0.25f, 7), b(0.25f, 7);
    const tensor<cpu> ya = a.forward(x);
    CHECK(max_relative_error(b.forward(x), ya) == 0.0);  // same seed, same mask

    std::size_t dropped = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (ya.data()[i] == 0.0f) ++dropped;
        else CHECK(ya.data()[i] == doctest::Approx(x.data()[i] / 0.75f));
    }
    const double rate = double(dropped) / double(x.size());
    CHECK(rate > 0.22);
    CHECK(rate < 0.28);

    const tensor<cpu> dy = random_tensor(x.shape(), gen);
    const tensor<cpu>& dx = a.backward(dy);
    for (std::size_t i = 0; i < x.size(); ++i) CHECK(dx.data()[i] == dy.data()[i] * a.mask().data()[i]);

    // A second forward draws a new mask.
    CHECK(max_relative_error(a.forward(x), ya) > 0.0);

    // Evaluation passes values through unchanged.
    a.set_training(false);
    CHECK(max_relative_error(a.forward(x), x) == 0.0);
    CHECK_THROWS_AS(dropout(1.5f), argument_error);
    require_gradients(a, random_tensor({2, 2, 2, 2}, gen), gen);  // evaluation: the identity
}

TEST_CASE("layers: dropout with a fixed mask passes a finite-difference gradient check") {
    // Reseeding before every forward keeps the mask fixed while the input moves.
    struct fixed_mask_dropout : dropout {
        fixed_mask_dropout() : dropout(0.5f, 3) {}
        const tensor<cpu>& forward(const tensor<cpu>& x) {
            seed(3);
            return dropout::forward(x);
        }
    } d;
    rng gen(64);
    require_gradients(d, random_tensor({2, 3, 2, 2}, gen), gen);
    std::size_t zeros = 0;
    for (float m : d.mask()) zeros += m == 0.0f;
    CHECK(zeros > 0);
    CHECK(zeros < d.mask().size());
}
