// laplacian_l1: PyTorch goldens, finite differences, and its relation to the
// pairwise Ising energy.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "isinggan/core/random.hpp"
#include "isinggan/losses/mrf.hpp"
#include "losses/mrf/mrf_test_support.hpp"
#include "support/error_message.hpp"
#include "support/random_tensor.hpp"

using namespace isinggan;
using isinggan::testing::mrf::mask_from;

namespace {

const std::string fixtures = std::string(ISINGGAN_TEST_FIXTURES) + "/mrf/";

/// Σ |Δf| with the border written out as padding, in double.
double reference_laplacian_l1(const tensor<cpu, double>& f, laplacian_border border) {
    const long h = static_cast<long>(f.h()), w = static_cast<long>(f.w());
    auto value = [&](std::size_t n, std::size_t c, long y, long x) {
        if (y < 0 || y >= h || x < 0 || x >= w) {
            if (border == laplacian_border::zero) return 0.0;
            y = std::clamp(y, 0L, h - 1);
            x = std::clamp(x, 0L, w - 1);
        }
        return f(n, c, static_cast<std::size_t>(y), static_cast<std::size_t>(x));
    };
    double e = 0.0;
    for (std::size_t n = 0; n < f.n(); ++n)
        for (std::size_t c = 0; c < f.c(); ++c)
            for (long y = 0; y < h; ++y)
                for (long x = 0; x < w; ++x)
                    e += std::abs(value(n, c, y - 1, x) + value(n, c, y + 1, x) + value(n, c, y, x - 1) +
                                  value(n, c, y, x + 1) - 4.0 * value(n, c, y, x));
    return e;
}

}  // namespace

TEST_CASE("laplacian_l1: matches PyTorch conv2d + abs().sum() for both borders") {
    for (auto [file, border] : {std::pair{"laplacian_l1_replicate.txt", laplacian_border::replicate},
                                std::pair{"laplacian_l1_zero.txt", laplacian_border::zero}}) {
        CAPTURE(file);
        auto golden = isinggan::testing::mrf::read_fixture(fixtures + file);
        REQUIRE(golden.count("gradient") == 1);
        const tensor<cpu, double>& input = golden.at("input");
        const double energy = golden.at("energy").data()[0];
        const tensor<cpu, double>& gradient = golden.at("gradient");

        laplacian_l1 loss({}, border);
        tensor<cpu, double> g;
        CHECK(loss.forward_backward(input, g) == doctest::Approx(energy).epsilon(1e-12));
        CHECK(isinggan::testing::max_relative_error(g.values(), gradient.values()) < 1e-12);

        tensor<cpu> gf;  // the float path, as used in training
        CHECK(loss.forward_backward(isinggan::testing::mrf::to_float(input), gf) ==
              doctest::Approx(energy).epsilon(1e-5));
        CHECK(isinggan::testing::max_relative_error(gf.values(), gradient.values()) < 1e-5);
    }
}

TEST_CASE("laplacian_l1: brute force and finite differences, including one-row and one-column maps") {
    rng gen(99);
    for (shape4 s :
         {shape4{2, 2, 6, 9}, shape4{1, 1, 1, 5}, shape4{1, 1, 4, 1}, shape4{1, 1, 2, 2}, shape4{1, 1, 1, 1}}) {
        for (laplacian_border border : {laplacian_border::replicate, laplacian_border::zero}) {
            CAPTURE(s.str());
            CAPTURE(border == laplacian_border::zero);
            tensor<cpu, double> f(s);
            fill_uniform(f, 0.0, 1.0, gen);
            laplacian_l1 loss({}, border);
            tensor<cpu, double> g;
            const double e = loss.forward_backward(f, g);
            CHECK(e == doctest::Approx(reference_laplacian_l1(f, border)).epsilon(1e-12));
            CHECK(loss.forward(f) == doctest::Approx(e).epsilon(1e-13));  // a separately compiled pass
            const auto numeric = isinggan::testing::numeric_gradient(f, 1e-6, [&] { return loss.forward(f); });
            CHECK(isinggan::testing::max_relative_error(g.values(), numeric.values()) < 1e-6);
        }
    }
}

TEST_CASE("laplacian_l1: twice the 4-neighbour Ising count on binary masks (replicate border)") {
    rng gen(5);
    tensor<cpu> m({2, 1, 12, 10});
    for (float& v : m) v = gen.uniform01() < 0.5 ? 1.0f : 0.0f;
    const double ising_count = mrf_loss<ising>{}.forward(m);
    CHECK(ising_count > 0.0);
    CHECK(laplacian_l1{}.forward(m) == 2.0 * ising_count);

    // An isolated pixel: 4 under ising, |−4| + 4·|1| = 8 under laplacian_l1.
    const tensor<cpu> dot = mask_from({".....", "..#..", "....."});
    CHECK(laplacian_l1{}.forward(dot) == 8.0);
    // Zero padding also charges a foreground pixel for each side on the border:
    // a pixel in the corner has 2 (ising 2, so 4 + 2 = 6).
    const tensor<cpu> corner = mask_from({"#..", "...", "..."});
    CHECK(laplacian_l1{}.forward(corner) == 4.0);
    CHECK(laplacian_l1({}, laplacian_border::zero).forward(corner) == 6.0);
}

TEST_CASE("laplacian_l1: the worked example of the header, a step and a ramp") {
    tensor<cpu> step({1, 1, 3, 3}), ramp({1, 1, 3, 3});
    for (std::size_t y = 0; y < 3; ++y) {
        step(0, 0, y, 0) = 0.0f, step(0, 0, y, 1) = 0.0f, step(0, 0, y, 2) = 1.0f;
        ramp(0, 0, y, 0) = 0.0f, ramp(0, 0, y, 1) = 0.5f, ramp(0, 0, y, 2) = 1.0f;
    }
    CHECK(mrf_loss<ising>{}.forward(step) == 3.0);
    CHECK(mrf_loss<ising>{}.forward(ramp) == 3.0);
    CHECK(laplacian_l1{}.forward(step) == 6.0);
    CHECK(laplacian_l1{}.forward(ramp) == 3.0);
}

TEST_CASE("laplacian_l1: lambda, mean reduction and accumulation") {
    rng gen(8);
    tensor<cpu, double> f({3, 1, 5, 4});
    fill_uniform(f, 0.0, 1.0, gen);
    laplacian_l1 plain;
    laplacian_l1 scaled({.lambda = 1.5, .reduce = reduction::mean});
    tensor<cpu, double> g, gs;
    const double e = plain.forward_backward(f, g);
    CHECK(scaled.forward_backward(f, gs) == doctest::Approx(1.5 * e / 60.0).epsilon(1e-12));
    for (std::size_t i = 0; i < g.size(); ++i) CHECK(gs.data()[i] == doctest::Approx(1.5 * g.data()[i] / 60.0));
    tensor<cpu, double> acc(f.shape(), -1.0);
    plain.forward_backward(f, acc, gradient_mode::accumulate);
    for (std::size_t i = 0; i < g.size(); ++i) CHECK(acc.data()[i] == doctest::Approx(g.data()[i] - 1.0));
}

TEST_CASE("laplacian_l1: bad input gives clear errors") {
    laplacian_l1 loss;
    tensor<cpu> f({1, 1, 4, 4}), wrong({1, 1, 4, 3}), empty;
    CHECK_THROWS_AS(loss.forward(empty), shape_error);
    const std::string msg =
        isinggan::testing::error_message<shape_error>([&] { loss.forward_backward(f, wrong, gradient_mode::accumulate); });
    CHECK(isinggan::testing::mentions(msg, "[1, 1, 4, 3]"));
    CHECK(isinggan::testing::mentions(msg, "[1, 1, 4, 4]"));
    CHECK_THROWS_AS(loss.forward_backward(f, f), argument_error);
    CHECK_THROWS_AS(laplacian_l1({.lambda = std::nan("")}), argument_error);
}
