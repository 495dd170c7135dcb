#include <doctest/doctest.h>

#include <cmath>

#include "isinggan/losses/dice.hpp"
#include "support/finite_difference.hpp"
#include "support/random_tensor.hpp"

using namespace isinggan;

TEST_CASE("soft dice: matches the formula on a hand example") {
    // One image, logits 0 (p = 0.5) everywhere, targets {1, 0}: D = (2·0.5 + 1) / (1 + 1 + 1) = 2/3.
    tensor<cpu> z({1, 1, 1, 2}, 0.0f), t({1, 1, 1, 2}, {1, 0});
    CHECK(soft_dice_with_logits(z, t) == doctest::Approx(1.0 / 3.0));
    // A confident correct prediction has a loss near 0, a confident wrong one near 1.
    tensor<cpu> right({1, 1, 1, 2}, {20.0f, -20.0f}), wrong({1, 1, 1, 2}, {-20.0f, 20.0f});
    CHECK(soft_dice_with_logits(right, t) < 0.01);
    CHECK(soft_dice_with_logits(wrong, t) > 0.6);
}

TEST_CASE("soft dice: gradient matches finite differences, with scale and accumulation") {
    rng gen(3);
    tensor<cpu> z = testing::random_tensor({3, 1, 4, 5}, gen, -2, 2);
    tensor<cpu> t({3, 1, 4, 5});
    for (float& v : t) v = gen.uniform01() < 0.4 ? 1.0f : 0.0f;
    tensor<cpu> g;
    soft_dice_with_logits(z, t, &g, 2.0f);
    for (std::size_t i = 0; i < z.size(); i += 3) {
        const double numeric =
            testing::central_difference(z.data()[i], 1e-3, [&] { return soft_dice_with_logits(z, t, nullptr, 2.0f); });
        CHECK(g.data()[i] == doctest::Approx(numeric).epsilon(2e-2).scale(1e-3));
    }
    tensor<cpu> acc(z.shape(), 1.0f);
    soft_dice_with_logits(z, t, &acc, 2.0f, true);
    for (std::size_t i = 0; i < z.size(); ++i) CHECK(acc.data()[i] == doctest::Approx(1.0f + g.data()[i]));
}

TEST_CASE("soft dice: bad input is refused") {
    tensor<cpu> z({1, 1, 2, 2}, 0.0f), bad({1, 1, 2, 2}, 2.0f), other({1, 1, 2, 3});
    CHECK_THROWS_AS(soft_dice_with_logits(z, bad), argument_error);
    CHECK_THROWS_AS(soft_dice_with_logits(z, other), shape_error);
    CHECK_THROWS_AS(soft_dice_with_logits(z, z, nullptr, 1.0f, false, 0.0), argument_error);
}
