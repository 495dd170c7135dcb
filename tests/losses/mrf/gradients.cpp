// mrf_loss against a brute-force reference and finite differences, for every
// pairwise policy × neighborhood × weighting.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>
#include <vector>

#include "isinggan/core/random.hpp"
#include "isinggan/losses/mrf.hpp"
#include "losses/mrf/mrf_test_support.hpp"
#include "support/random_tensor.hpp"

using namespace isinggan;
using isinggan::testing::numeric_gradient;
using isinggan::testing::mrf::reference_energy;

namespace {

constexpr double guide_sigma = 0.5;

template <class P>
using policy_combinations =
    std::tuple<mrf_loss<P, four_neighborhood, uniform>, mrf_loss<P, eight_neighborhood, uniform>,
               mrf_loss<P, eight_neighborhood_distance_weighted, uniform>,
               mrf_loss<P, four_neighborhood, image_guided<guide_sigma>>,
               mrf_loss<P, eight_neighborhood, image_guided<guide_sigma>>,
               mrf_loss<P, eight_neighborhood_distance_weighted, image_guided<guide_sigma>>>;

// huber's Δ is kept off the grid of differences of distinct_relaxed_map (multiples
// of 1/size): at |d| = Δ its second derivative jumps and central differences
// lose accuracy.
using all_combinations = decltype(std::tuple_cat(
    policy_combinations<ising>{}, policy_combinations<ising_bilinear>{}, policy_combinations<ising_squared>{},
    policy_combinations<potts<3>>{}, policy_combinations<huber<0.055>>{}, policy_combinations<charbonnier<0.02>>{}));

template <class Loss>
std::size_t channels_for() {
    const std::size_t k = mrf_detail::required_channels<typename Loss::pairwise_type>();
    return k ? k : 2;
}

/// A relaxed map in (0, 1) whose values are all distinct, at least 1/size
/// apart, so no pair sits on the kink of |·| (where ising has no derivative).
template <class T>
tensor<cpu, T> distinct_relaxed_map(shape4 s, rng& gen) {
    std::vector<std::size_t> order(s.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::shuffle(order.begin(), order.end(), gen.engine());
    tensor<cpu, T> t(s);
    for (std::size_t i = 0; i < s.size(); ++i)
        t.data()[i] = static_cast<T>((static_cast<double>(order[i]) + 0.5) / static_cast<double>(s.size()));
    return t;
}

/// Calls the loss with or without the guide, as its weighting requires.
template <class Loss, class T>
double call(Loss& loss, const tensor<cpu, T>& f, const tensor<cpu, T>& guide, tensor<cpu, T>& grad,
            gradient_mode mode = gradient_mode::overwrite, tensor<cpu, T>* grad_guide = nullptr) {
    if constexpr (Loss::needs_guide)
        return loss.forward_backward(f, guide, grad, mode, grad_guide);
    else
        return loss.forward_backward(f, grad, mode);
}

template <class Loss, class T>
double value(Loss& loss, const tensor<cpu, T>& f, const tensor<cpu, T>& guide) {
    if constexpr (Loss::needs_guide)
        return loss.forward(f, guide);
    else
        return loss.forward(f);
}

void check_close(const tensor<cpu, double>& actual, const tensor<cpu, double>& expected, double tolerance) {
    REQUIRE(actual.shape() == expected.shape());
    CHECK(isinggan::testing::max_relative_error(actual.values(), expected.values()) < tolerance);
}

}  // namespace

TEST_CASE_TEMPLATE_DEFINE("mrf_loss: energy matches eq. (2) by brute force, gradient matches finite differences", Loss,
                          mrf_gradient_check) {
    rng gen(1234);
    const shape4 s{2, channels_for<Loss>(), 5, 6};
    tensor<cpu, double> f = distinct_relaxed_map<double>(s, gen);
    tensor<cpu, double> guide({2, 3, 5, 6});
    fill_uniform(guide, 0.0, 1.0, gen);
    const tensor<cpu, double>* guide_ptr = Loss::needs_guide ? &guide : nullptr;
    using P = typename Loss::pairwise_type;
    using N = typename Loss::neighborhood_type;

    Loss loss;
    tensor<cpu, double> grad, grad_guide;
    const double e = call(loss, f, guide, grad, gradient_mode::overwrite, Loss::needs_guide ? &grad_guide : nullptr);
    CHECK(e == doctest::Approx(reference_energy<P, N>(f, guide_ptr, guide_sigma)).epsilon(1e-12));
    // The forward-only pass is compiled apart from the fused forward+backward
    // one (the compiler may contract different products into FMAs): equal to rounding.
    CHECK(value(loss, f, guide) == doctest::Approx(e).epsilon(1e-13));

    SUBCASE("gradient with respect to the map") {
        const auto numeric = numeric_gradient(f, 1e-6, [&] { return value(loss, f, guide); });
        check_close(grad, numeric, 1e-6);
    }
    if constexpr (Loss::needs_guide) {
        SUBCASE("gradient with respect to the guide, when asked for") {
            const auto numeric = numeric_gradient(guide, 1e-6, [&] { return value(loss, f, guide); });
            check_close(grad_guide, numeric, 1e-6);
        }
    }
    SUBCASE("lambda and the mean reduction scale energy and gradient alike") {
        Loss scaled({.lambda = 0.7, .reduce = reduction::mean});
        tensor<cpu, double> g2;
        const double pixels = 2.0 * 5.0 * 6.0;  // N·H·W
        CHECK(call(scaled, f, guide, g2) == doctest::Approx(0.7 * e / pixels).epsilon(1e-12));
        for (std::size_t i = 0; i < grad.size(); ++i)
            CHECK(g2.data()[i] == doctest::Approx(0.7 * grad.data()[i] / pixels).epsilon(1e-12));
    }
    SUBCASE("accumulate adds onto the existing gradient") {
        tensor<cpu, double> acc(s, 0.25);
        call(loss, f, guide, acc, gradient_mode::accumulate);
        for (std::size_t i = 0; i < grad.size(); ++i)
            CHECK(acc.data()[i] == doctest::Approx(0.25 + grad.data()[i]).epsilon(1e-12));
    }
    SUBCASE("float (the vectorised path) agrees with double on a larger map") {
        const shape4 big{3, channels_for<Loss>(), 19, 37};
        tensor<cpu, double> fd = distinct_relaxed_map<double>(big, gen);
        tensor<cpu, double> gd_img({3, 3, 19, 37});
        fill_uniform(gd_img, 0.0, 1.0, gen);
        const tensor<cpu> ff = isinggan::testing::mrf::to_float(fd), gf_img = isinggan::testing::mrf::to_float(gd_img);
        tensor<cpu, double> gd;
        tensor<cpu> gf;
        const double ed = call(loss, fd, gd_img, gd);
        const double ef = call(loss, ff, gf_img, gf);
        CHECK(ef == doctest::Approx(ed).epsilon(1e-5));
        CHECK(isinggan::testing::max_relative_error(gf.values(), gd.values()) < 1e-5);
    }
}
TEST_CASE_TEMPLATE_APPLY(mrf_gradient_check, all_combinations);
