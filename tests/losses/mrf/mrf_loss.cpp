// mrf_loss: PyTorch goldens, the guide's effect, options and error reporting.
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

template <class Loss>
void check_golden(const std::string& file) {
    CAPTURE(file);
    auto golden = isinggan::testing::mrf::read_fixture(fixtures + file);
    REQUIRE(golden.count("gradient") == 1);
    const tensor<cpu> input = isinggan::testing::mrf::to_float(golden.at("input"));
    const tensor<cpu, double>& gradient = golden.at("gradient");
    Loss loss;
    tensor<cpu> g;
    CHECK(loss.forward_backward(input, g) == doctest::Approx(golden.at("energy").data()[0]).epsilon(1e-6));
    CHECK(isinggan::testing::max_relative_error(g.values(), gradient.values()) < 1e-6);
}

}  // namespace

TEST_CASE("mrf_loss: ising matches PyTorch's composed abs-of-differences and autograd") {
    check_golden<mrf_loss<ising, four_neighborhood>>("ising_four.txt");
    check_golden<mrf_loss<ising, eight_neighborhood>>("ising_eight.txt");
}

TEST_CASE("mrf_loss: image_guided weights make a boundary along an image edge cheap") {
    // A vertical mask boundary between columns 1 and 2.
    const tensor<cpu> mask = mask_from({"##...", "##...", "##...", "##..."});
    tensor<cpu> edge_there({1, 3, 4, 5}), edge_elsewhere({1, 3, 4, 5}), flat({1, 3, 4, 5}, 0.5f);
    for (std::size_t c = 0; c < 3; ++c)
        for (std::size_t y = 0; y < 4; ++y)
            for (std::size_t x = 0; x < 5; ++x) {
                edge_there(0, c, y, x) = x < 2 ? 0.0f : 1.0f;
                edge_elsewhere(0, c, y, x) = x < 4 ? 0.0f : 1.0f;
            }
    mrf_loss<ising, four_neighborhood, image_guided<0.5>> guided;
    const double on_flat = guided.forward(mask, flat);
    const double on_edge = guided.forward(mask, edge_there);
    const double off_edge = guided.forward(mask, edge_elsewhere);
    CHECK(on_flat == doctest::Approx(4.0));  // a flat guide is the uniform weighting
    CHECK(off_edge == doctest::Approx(4.0));
    // ‖I_p − I_q‖² = 3 across the edge: w = exp(−3 / (2 · 0.25)) = exp(−6).
    CHECK(on_edge == doctest::Approx(4.0 * std::exp(-6.0)));

    // The guide is a constant unless its gradient is asked for: asking changes
    // neither the energy nor the mask's gradient, and the guide's gradient is
    // there (non-zero where the weights depend on it: across the edge under the
    // mask's boundary).
    tensor<cpu> g_mask, g_mask_asked, g_guide;
    const double plain = guided.forward_backward(mask, edge_there, g_mask);
    const double asked = guided.forward_backward(mask, edge_there, g_mask_asked, gradient_mode::overwrite, &g_guide);
    CHECK(plain == asked);
    REQUIRE(g_mask.shape() == g_mask_asked.shape());
    CHECK(std::equal(g_mask.begin(), g_mask.end(), g_mask_asked.begin()));
    REQUIRE(g_guide.shape() == edge_there.shape());
    double guide_norm = 0;
    for (float v : g_guide) guide_norm += std::abs(v);
    CHECK(guide_norm > 1e-4);
}

TEST_CASE("mrf_loss: the paper's lambda = 1.5/(D*N) on the sum equals lambda = 1.5 with the mean") {
    rng gen(21);
    const tensor<cpu> f = isinggan::testing::random_tensor({4, 1, 16, 16}, gen, 0.0, 1.0);
    const double d = 16.0 * 16.0, n = 4.0;
    mrf_loss<ising> paper({.lambda = 1.5 / (d * n), .reduce = reduction::sum});
    mrf_loss<ising> mean({.lambda = 1.5, .reduce = reduction::mean});
    tensor<cpu> g1, g2;
    CHECK(paper.forward_backward(f, g1) == doctest::Approx(mean.forward_backward(f, g2)).epsilon(1e-12));
    CHECK(isinggan::testing::max_relative_error(g1.values(), g2.values()) < 1e-6);
    CHECK(paper.options().lambda == doctest::Approx(1.5 / 1024.0));
}

TEST_CASE("mrf_loss: a gradient is written without allocating once its buffer has the size") {
    rng gen(4);
    const tensor<cpu> f = isinggan::testing::random_tensor({2, 1, 32, 32}, gen, 0.0, 1.0);
    mrf_loss<ising_bilinear, eight_neighborhood> loss;
    tensor<cpu> g;
    loss.forward_backward(f, g);
    const auto before = aligned_buffer<float>::allocation_count();
    loss.forward_backward(f, g);
    loss.forward_backward(f, g, gradient_mode::accumulate);
    CHECK(aligned_buffer<float>::allocation_count() == before);
}

TEST_CASE("mrf_loss: bad input gives clear errors") {
    mrf_loss<potts<3>> potts_loss;
    tensor<cpu> two_channels({1, 2, 4, 4}), g;
    using isinggan::testing::error_message, isinggan::testing::mentions;
    const std::string potts_message = error_message<shape_error>([&] { potts_loss.forward(two_channels); });
    CHECK(mentions(potts_message, "3-channel"));
    CHECK(mentions(potts_message, "[1, 2, 4, 4]"));
    mrf_loss<ising> loss;
    tensor<cpu> empty, wrong({1, 2, 4, 5});
    CHECK_THROWS_AS(loss.forward(empty), shape_error);
    CHECK(mentions(error_message<shape_error>([&] { loss.forward_backward(two_channels, wrong, gradient_mode::accumulate); }),
                   "[1, 2, 4, 5]"));
    CHECK_THROWS_AS(loss.forward_backward(two_channels, two_channels), argument_error);
    CHECK_THROWS_AS(mrf_loss<ising>({.lambda = INFINITY}), argument_error);
    CHECK_THROWS_AS(loss.set_options({.lambda = NAN}), argument_error);

    mrf_loss<ising, four_neighborhood, image_guided<0.1>> guided;
    tensor<cpu> small_guide({1, 3, 4, 3});
    CHECK(mentions(error_message<shape_error>([&] { guided.forward(two_channels, small_guide); }), "[1, 3, 4, 3]"));
}

TEST_CASE("mrf_loss: one-row, one-column and single-pixel maps") {
    rng gen(13);
    for (shape4 s : {shape4{2, 1, 1, 7}, shape4{1, 2, 6, 1}, shape4{1, 1, 1, 1}, shape4{1, 1, 2, 2}}) {
        CAPTURE(s.str());
        tensor<cpu, double> f(s);
        fill_uniform(f, 0.0, 1.0, gen);
        mrf_loss<ising_squared, eight_neighborhood_distance_weighted> loss;
        tensor<cpu, double> g;
        const double e = loss.forward_backward(f, g);
        CHECK(e == doctest::Approx(isinggan::testing::mrf::reference_energy<ising_squared,
                                                                           eight_neighborhood_distance_weighted>(f))
                       .epsilon(1e-12));
        const auto numeric = isinggan::testing::numeric_gradient(f, 1e-6, [&] { return loss.forward(f); });
        CHECK(isinggan::testing::max_relative_error(g.values(), numeric.values()) < 1e-6);
    }
    // A 1×1 map has no pairs at all.
    CHECK(mrf_loss<ising>{}.forward(tensor<cpu>({1, 1, 1, 1}, 1.0f)) == 0.0);
}
