// A pairwise energy and a weighting defined outside the library
// (custom_policies.hpp) drive the fused CPU kernel: energy against eq. (2)
// written out by brute force, map and guide gradients against finite
// differences. backend/cuda/loss_tests.cu runs the same definitions on a GPU.
#include <doctest/doctest.h>

#include <cmath>

#include "isinggan/core/random.hpp"
#include "isinggan/losses/mrf.hpp"
#include "losses/mrf/custom_policies.hpp"
#include "losses/mrf/mrf_test_support.hpp"

using namespace isinggan;
using isinggan::testing::mrf::log_cosh;
using isinggan::testing::mrf::luminance_lorentzian;
using isinggan::testing::mrf::luminance_lorentzian_without_gradient;

static_assert(pairwise_energy<log_cosh>);
static_assert(pair_weighting<luminance_lorentzian> && pair_weighting_with_gradient<luminance_lorentzian>);
static_assert(pair_weighting<luminance_lorentzian_without_gradient> &&
              !pair_weighting_with_gradient<luminance_lorentzian_without_gradient>);
static_assert(pair_weighting<uniform> && pair_weighting_with_gradient<image_guided<0.5>>);
static_assert(!pair_weighting<four_neighborhood> && !pair_weighting<log_cosh>);

namespace {

/// Eq. (2) read literally over the full eight-neighbourhood, halved (every
/// pair is seen twice), with the energy and weight written out here.
double brute_force(const tensor<cpu, double>& f, const tensor<cpu, double>& guide) {
    double e = 0.0;
    const int h = int(f.h()), w = int(f.w());
    for (std::size_t n = 0; n < f.n(); ++n)
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                for (int dy = -1; dy <= 1; ++dy)
                    for (int dx = -1; dx <= 1; ++dx) {
                        const int qy = y + dy, qx = x + dx;
                        if ((dy == 0 && dx == 0) || qy < 0 || qy >= h || qx < 0 || qx >= w) continue;
                        double lp = 0.0, lq = 0.0;
                        for (std::size_t c = 0; c < guide.c(); ++c) lp += guide(n, c, y, x), lq += guide(n, c, qy, qx);
                        const double dl = (lp - lq) / double(guide.c());
                        const double wpq = 1.0 / (1.0 + dl * dl / (0.25 * 0.25));
                        for (std::size_t c = 0; c < f.c(); ++c)
                            e += 0.5 * wpq * std::log(std::cosh(3.0 * (f(n, c, y, x) - f(n, c, qy, qx)))) / 3.0;
                    }
    return e;
}

}  // namespace

TEST_CASE("a custom pairwise energy and weighting, defined in a test file, drive the fused CPU kernel") {
    rng gen(17);
    tensor<cpu, double> f({2, 2, 5, 6}), guide({2, 3, 5, 6});
    fill_uniform(f, 0.0, 1.0, gen);
    fill_uniform(guide, -1.0, 1.0, gen);
    mrf_loss<log_cosh, eight_neighborhood, luminance_lorentzian> loss({.lambda = 0.8, .reduce = reduction::sum});

    SUBCASE("energy: eq. (2) by brute force") {
        CHECK(loss.forward(f, guide) == doctest::Approx(0.8 * brute_force(f, guide)).epsilon(1e-12));
    }
    SUBCASE("map and guide gradients: finite differences") {
        tensor<cpu, double> g, gg;
        loss.forward_backward(f, guide, g, gradient_mode::overwrite, &gg);
        const auto numeric_f = isinggan::testing::numeric_gradient(f, 1e-6, [&] { return loss.forward(f, guide); });
        const auto numeric_guide =
            isinggan::testing::numeric_gradient(guide, 1e-6, [&] { return loss.forward(f, guide); });
        CHECK(isinggan::testing::max_relative_error(g.values(), numeric_f.values()) < 1e-6);
        CHECK(isinggan::testing::max_relative_error(gg.values(), numeric_guide.values()) < 1e-6);
        // Not vacuous: the gradients are far from zero.
        CHECK(isinggan::testing::max_relative_error(gg.values(), tensor<cpu, double>(guide.shape()).values()) > 0.5);
    }
    SUBCASE("float agrees with double") {
        tensor<cpu> ff(f.shape()), fguide(guide.shape()), g;
        for (std::size_t i = 0; i < f.size(); ++i) ff.data()[i] = float(f.data()[i]);
        for (std::size_t i = 0; i < guide.size(); ++i) fguide.data()[i] = float(guide.data()[i]);
        mrf_loss<log_cosh, eight_neighborhood, luminance_lorentzian> loss_float(loss.options());
        CHECK(loss_float.forward(ff, fguide) == doctest::Approx(loss.forward(f, guide)).epsilon(1e-5));
    }
    SUBCASE("a weighting without weight_gradient gives the map's gradient and refuses the guide's") {
        mrf_loss<log_cosh, eight_neighborhood, luminance_lorentzian_without_gradient> plain(loss.options());
        tensor<cpu, double> g, g_ref, gg;
        CHECK(plain.forward_backward(f, guide, g) == doctest::Approx(loss.forward_backward(f, guide, g_ref)));
        CHECK(isinggan::testing::max_relative_error(g.values(), g_ref.values()) < 1e-12);
        CHECK_THROWS_WITH_AS(plain.forward_backward(f, guide, g, gradient_mode::overwrite, &gg),
                             doctest::Contains("no weight_gradient"), argument_error);
    }
}
