#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "isinggan/backend/cpu/elementwise.hpp"
#include "isinggan/backend/cpu/reduce.hpp"
#include "support/finite_difference.hpp"
#include "support/random_tensor.hpp"

using namespace isinggan;

TEST_CASE("elementwise: add_bias, axpy, scale, add, sum, dot") {
    tensor<cpu> y({2, 3, 2, 2}, 1.0f);
    const std::vector<float> bias = {1, 2, 3};
    ops::add_bias(cpu{}, y, bias);
    CHECK(y(1, 2, 1, 1) == 4.0f);
    CHECK(y(0, 0, 0, 0) == 2.0f);
    CHECK_THROWS_AS(ops::add_bias(cpu{}, y, std::vector<float>{1, 2}), shape_error);

    tensor<cpu> x({2, 3, 2, 2}, 2.0f);
    ops::axpy(cpu{}, 0.5f, x, y);
    CHECK(y(1, 2, 1, 1) == 5.0f);
    ops::scale(cpu{}, y, 2.0f);
    CHECK(y(1, 2, 1, 1) == 10.0f);
    tensor<cpu> z;
    ops::add(cpu{}, x, y, z);
    CHECK(z(1, 2, 1, 1) == 12.0f);
    CHECK(ops::sum(cpu{}, x) == 48.0);
    CHECK(ops::dot(cpu{}, x, x) == 96.0);
    CHECK_THROWS_AS(ops::axpy(cpu{}, 1.0f, tensor<cpu>({1, 3, 2, 2}), y), shape_error);
}

TEST_CASE("elementwise: binarize gives `on` at and above the threshold and 0 below, in place too") {
    tensor<cpu> m({1, 1, 1, 4}, {0.2f, 0.5f, 0.49999f, 0.9f});
    tensor<cpu> hard;
    ops::binarize(cpu{}, m, 0.5f, 2.0f, hard);
    CHECK(hard.shape() == m.shape());
    CHECK(std::vector<float>(hard.begin(), hard.end()) == std::vector<float>{0.0f, 2.0f, 0.0f, 2.0f});
    ops::binarize(cpu{}, m, 0.5f, 1.0f, m);
    CHECK(std::vector<float>(m.begin(), m.end()) == std::vector<float>{0.0f, 1.0f, 0.0f, 1.0f});
}

TEST_CASE("elementwise: ambiguity_penalty is scale·Σ m(1 − m), zero on binary masks, its gradient added") {
    rng gen(6);
    const auto m = testing::random_tensor({2, 1, 3, 4}, gen, 0.0, 1.0);
    tensor<cpu> grad(m.shape(), 0.25f);  // accumulates onto what is there
    const float scale = 0.7f;
    const double value = ops::ambiguity_penalty(cpu{}, m, scale, grad);
    double expect = 0;
    for (float v : m) expect += double(v) * (1.0 - double(v));
    CHECK(value == doctest::Approx(scale * expect).epsilon(1e-12));
    // Central differences of the value in double: the gradient it added.
    for (std::size_t i = 0; i < m.size(); ++i) {
        double v = m.data()[i];
        const double fd = testing::central_difference(v, 1e-4, [&] { return scale * v * (1 - v); });
        CHECK(grad.data()[i] - 0.25f == doctest::Approx(fd).epsilon(1e-5));
    }
    // A binary mask has no ambiguity; its gradient points away from 0.5 (+scale at 0, −scale at 1).
    const tensor<cpu> binary({1, 1, 1, 2}, {0.0f, 1.0f});
    tensor<cpu> g(binary.shape(), 0.0f);
    CHECK(ops::ambiguity_penalty(cpu{}, binary, scale, g) == 0.0);
    CHECK(g(0, 0, 0, 0) == scale);
    CHECK(g(0, 0, 0, 1) == -scale);
    tensor<cpu> wrong({1, 1, 1, 3});
    CHECK_THROWS_AS(ops::ambiguity_penalty(cpu{}, binary, scale, wrong), shape_error);
}

TEST_CASE("reduce: per-channel mean and biased variance match a direct computation") {
    rng gen(5);
    // A large offset checks that the two-pass variance does not cancel.
    auto x = testing::random_tensor({3, 4, 5, 7}, gen, 999.0, 1001.0);
    std::vector<float> mean(4), var(4), sum(4);
    ops::channel_mean_var(cpu{}, x, mean, var);
    ops::channel_sum(cpu{}, x, sum);
    for (std::size_t c = 0; c < 4; ++c) {
        double s = 0, q = 0;
        const double count = 3 * 5 * 7;
        for (std::size_t n = 0; n < 3; ++n)
            for (std::size_t i = 0; i < 35; ++i) s += x.plane(n, c)[i];
        const double m = s / count;
        for (std::size_t n = 0; n < 3; ++n)
            for (std::size_t i = 0; i < 35; ++i) q += (x.plane(n, c)[i] - m) * (x.plane(n, c)[i] - m);
        CHECK(mean[c] == doctest::Approx(m).epsilon(1e-7));
        CHECK(var[c] == doctest::Approx(q / count).epsilon(1e-5));
        CHECK(sum[c] == doctest::Approx(s).epsilon(1e-7));
    }
    std::vector<float> wrong(3);
    CHECK_THROWS_AS(ops::channel_mean_var(cpu{}, x, wrong, var), shape_error);
    CHECK_THROWS_AS(ops::channel_mean_var(cpu{}, tensor<cpu>({0, 4, 1, 1}), mean, var), shape_error);
}
