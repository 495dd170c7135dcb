// minibatch_stddev: the appended channel against the definition computed
// here in double, the gradient by finite differences, and the discriminator
// that uses it.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "isinggan/models/dcgan_discriminator.hpp"
#include "layers/layer_check.hpp"
#include "support/finite_difference.hpp"

using namespace isinggan;
using namespace isinggan::testing;

TEST_CASE("layers: minibatch_stddev appends the mean over features of the batch standard deviation") {
    rng gen(7);
    const tensor<cpu> x = random_tensor({5, 3, 2, 4}, gen, -1.0, 1.0);
    minibatch_stddev<3> layer;
    static_assert(decltype(layer)::in_channels == 3 && decltype(layer)::out_channels == 4);
    const tensor<cpu>& y = layer.forward(x);
    REQUIRE(y.shape() == shape4{5, 4, 2, 4});
    double total = 0.0;
    for (std::size_t c = 0; c < 3; ++c)
        for (std::size_t h = 0; h < 2; ++h)
            for (std::size_t w = 0; w < 4; ++w) {
                double mean = 0.0, var = 0.0;
                for (std::size_t n = 0; n < 5; ++n) mean += x(n, c, h, w) / 5.0;
                for (std::size_t n = 0; n < 5; ++n) var += (x(n, c, h, w) - mean) * (x(n, c, h, w) - mean) / 5.0;
                total += std::sqrt(var + 1e-8);
            }
    const double s = total / 24.0;
    for (std::size_t n = 0; n < 5; ++n)
        for (std::size_t h = 0; h < 2; ++h)
            for (std::size_t w = 0; w < 4; ++w) {
                CHECK(y(n, 3, h, w) == doctest::Approx(s).epsilon(1e-6));
                for (std::size_t c = 0; c < 3; ++c) CHECK(y(n, c, h, w) == x(n, c, h, w));
            }
    // A batch of identical samples has no spread.
    tensor<cpu> same({4, 3, 2, 2});
    for (std::size_t n = 0; n < 4; ++n)
        for (std::size_t i = 0; i < 12; ++i) same.sample(n)[i] = float(i) * 0.1f;
    CHECK(layer.forward(same)(2, 3, 1, 1) == doctest::Approx(1e-4).epsilon(1e-3));
}

TEST_CASE("layers: minibatch_stddev passes a finite-difference gradient check") {
    rng gen(8);
    gradient_check_options opts;
    opts.eps = 1e-3;
    minibatch_stddev<2> layer;
    require_gradients(layer, random_tensor({4, 2, 3, 3}, gen, -1.0, 1.0), gen, opts);
}

TEST_CASE("layers: minibatch_stddev's gradient through the standard deviation alone matches finite differences") {
    // The check above weights every output channel, where the pass-through of x dominates dx; here
    // only the appended channel is weighted, so dx is the standard deviation's gradient alone.
    rng gen(18);
    tensor<cpu> x = random_tensor({5, 3, 2, 4}, gen, -1.0, 1.0);
    minibatch_stddev<3> layer;
    const tensor<cpu> r = random_tensor({5, 1, 2, 4}, gen, -1.0, 1.0);
    const auto loss = [&] {
        const tensor<cpu>& y = layer.forward(x);
        double sum = 0;
        for (std::size_t n = 0; n < 5; ++n)
            for (std::size_t p = 0; p < 8; ++p) sum += double(y.plane(n, 3)[p]) * r.sample(n)[p];
        return sum;
    };
    (void)layer.forward(x);
    tensor<cpu> dy({5, 4, 2, 4});
    for (std::size_t n = 0; n < 5; ++n) std::copy_n(r.sample(n), 8, dy.plane(n, 3));
    const tensor<cpu> dx = layer.backward(dy);
    // s is rounded to float once: ~3e-8 · |Σ r| / (2 · 1e-3) of noise in each difference, against
    // slopes of G (x − μ) / (M N σ) ~ 1e-2 (G = Σ r, M = 24 features, N = 5).
    const tensor<cpu> numeric = isinggan::testing::numeric_gradient(x, 1e-3, loss);
    double largest = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        CAPTURE(i);
        CHECK(std::abs(dx.data()[i] - numeric.data()[i]) <= 2e-4 + 1e-3 * std::abs(numeric.data()[i]));
        largest = std::max(largest, double(std::abs(numeric.data()[i])));
    }
    CHECK(largest > 1e-3);  // slopes a zero gradient would fail
}

TEST_CASE("layers: minibatch_stddev refuses bad input") {
    minibatch_stddev<2> layer;
    CHECK_THROWS_AS(layer.forward(kept({2, 3, 2, 2})), shape_error);
    minibatch_stddev<2> fresh;
    CHECK_THROWS_AS(fresh.backward(kept({2, 3, 2, 2})), argument_error);
    const tensor<cpu>& x = kept({2, 2, 2, 2});
    layer.forward(x);
    CHECK_THROWS_AS(layer.backward(kept({2, 2, 2, 2})), shape_error);
}

TEST_CASE("models: the DCGAN discriminator with the minibatch standard deviation") {
    models::dcgan_discriminator<32, 4, cpu, true> d;
    models::dcgan_discriminator<32, 4> plain;
    std::size_t with = 0, without = 0;
    visit_params(d, [&](std::string_view, auto& p) { with += p.value.size(); });
    visit_params(plain, [&](std::string_view, auto& p) { without += p.value.size(); });
    CHECK(with == without + 16);  // the last 4 × 4 convolution reads one more channel
    rng gen(9);
    const tensor<cpu> x = random_tensor({3, 4, 32, 32}, gen, -1.0, 1.0);
    CHECK(d.forward(x).shape() == shape4{3, 1, 1, 1});
}
