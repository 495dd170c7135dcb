// two_class_mask: a two-class prior on a one-channel mask. potts<2> on
// [1 − m, m] is the bilinear Ising energy of m, value and gradient.
#include <doctest/doctest.h>

#include "isinggan/core/random.hpp"
#include "isinggan/losses/mrf.hpp"
#include "isinggan/train/two_class_mask.hpp"

using namespace isinggan;

TEST_CASE("potts<2> through two_class_mask equals ising_bilinear on the mask") {
    using potts_8 = train::two_class_mask<mrf_loss<potts<2>, eight_neighborhood>>;
    static_assert(smoothness_loss<potts_8>);
    rng gen(11);
    tensor<cpu> m({3, 1, 9, 7});
    fill_uniform(m, 0.0, 1.0, gen);
    const mrf_options o{.lambda = 0.5, .reduce = reduction::mean};
    potts_8 adapted(o);
    mrf_loss<ising_bilinear, eight_neighborhood> direct(o);
    tensor<cpu> g_adapted(m.shape(), 0.25f), g_direct;  // accumulate onto a non-zero gradient
    const double a = adapted.forward_backward(m, g_adapted, gradient_mode::accumulate);
    const double d = direct.forward_backward(m, g_direct, gradient_mode::overwrite);
    CHECK(a == doctest::Approx(d).epsilon(1e-6));
    CHECK(a > 0.0);
    for (std::size_t i = 0; i < m.size(); ++i)
        REQUIRE(g_adapted.data()[i] == doctest::Approx(0.25f + g_direct.data()[i]).epsilon(1e-5));
    tensor<cpu> two_channels({1, 2, 4, 4}), g;
    CHECK_THROWS_AS(adapted.forward_backward(two_channels, g, gradient_mode::overwrite), shape_error);
}
