#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "isinggan/losses/bce.hpp"
#include "support/finite_difference.hpp"
#include "support/random_tensor.hpp"

using namespace isinggan;

TEST_CASE("bce_with_logits: values match the textbook formula and stay finite for large logits") {
    const tensor<cpu> z({4, 1, 1, 1}, {0.0f, 2.0f, -3.0f, 0.5f});
    // -[t log σ(z) + (1 - t) log(1 - σ(z))], averaged.
    auto textbook = [&](double t) {
        double s = 0;
        for (float v : z) {
            const double p = 1.0 / (1.0 + std::exp(-double(v)));
            s += -(t * std::log(p) + (1 - t) * std::log(1 - p));
        }
        return s / 4;
    };
    CHECK(bce_with_logits(z, 1.0f) == doctest::Approx(textbook(1.0)).epsilon(1e-12));
    CHECK(bce_with_logits(z, 0.0f) == doctest::Approx(textbook(0.0)).epsilon(1e-12));
    CHECK(bce_with_logits(z, 1.0f, nullptr, bce_reduction::sum) == doctest::Approx(4 * textbook(1.0)).epsilon(1e-12));
    CHECK(std::log(2.0) == doctest::Approx(bce_with_logits(tensor<cpu>({1, 1, 1, 1}, 0.0f), 0.3f)).epsilon(1e-12));

    const tensor<cpu> huge({2, 1, 1, 1}, {1000.0f, -1000.0f});
    CHECK(bce_with_logits(huge, 1.0f) == doctest::Approx(500.0).epsilon(1e-9));  // (0 + 1000) / 2
    tensor<cpu> g;
    CHECK(std::isfinite(bce_with_logits(huge, 0.0f, &g)));
    CHECK(g.data()[0] == doctest::Approx(0.5));  // (σ(1000) − 0) / 2
    CHECK(g.data()[1] == doctest::Approx(0.0));
}

TEST_CASE("bce_with_logits: gradient passes a finite-difference check, with scale and accumulation") {
    rng gen(31);
    auto z = testing::random_tensor({3, 1, 2, 2}, gen, -4, 4);
    const auto t = testing::random_tensor({3, 1, 2, 2}, gen, 0, 1);
    tensor<cpu> g;
    bce_with_logits(z, t, &g, bce_reduction::mean, 0.7f);
    const auto numeric = testing::numeric_gradient(z, 1e-3, [&] {
        return bce_with_logits(z, t, nullptr, bce_reduction::mean, 0.7f);
    });
    for (std::size_t i = 0; i < z.size(); ++i) CHECK(numeric.data()[i] == doctest::Approx(g.data()[i]).epsilon(2e-3));
    tensor<cpu> acc = g;
    bce_with_logits(z, t, &acc, bce_reduction::mean, 0.7f, true);
    CHECK(acc.data()[5] == doctest::Approx(2.0 * g.data()[5]));
}

TEST_CASE("bce_with_logits: bad targets and shapes throw") {
    const tensor<cpu> z({2, 1, 1, 1});
    CHECK_THROWS_AS(bce_with_logits(z, 1.5f), argument_error);
    CHECK_THROWS_AS(bce_with_logits(z, std::numeric_limits<float>::quiet_NaN()), argument_error);
    CHECK_THROWS_AS(bce_with_logits(z, tensor<cpu>({1, 1, 1, 2})), shape_error);
    CHECK_THROWS_AS(bce_with_logits(z, tensor<cpu>({2, 1, 1, 1}, 2.0f)), argument_error);
    CHECK_THROWS_AS(bce_with_logits(tensor<cpu>(), 1.0f), shape_error);
    tensor<cpu> wrong({3, 1, 1, 1});
    CHECK_THROWS_AS(bce_with_logits(z, 1.0f, &wrong, bce_reduction::mean, 1.0f, true), shape_error);
}
