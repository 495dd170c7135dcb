// Exact energies of mrf_loss on hand-made binary masks, counted by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "isinggan/core/random.hpp"
#include "isinggan/losses/mrf.hpp"
#include "losses/mrf/mrf_test_support.hpp"

using namespace isinggan;
using isinggan::testing::mrf::mask_from;

namespace {

// The cost of one pair of differing labels under each policy.
template <class P>
double differing_pair_cost() {
    if constexpr (std::is_same_v<P, huber<0.5>>)
        return 1.0 - 0.25;  // 1 − Δ/2
    else if constexpr (std::is_same_v<P, charbonnier<0.1>>)
        return std::sqrt(1.0 + 0.01) - 0.1;
    else
        return 1.0;
}

// The energy of a binary mask; potts<2> sees it as the two channels [m, 1 − m].
template <class P, class N>
double energy_of(const tensor<cpu>& m) {
    mrf_loss<P, N> loss;
    if constexpr (std::is_same_v<P, potts<2>>) {
        tensor<cpu> two({m.n(), 2, m.h(), m.w()});
        for (std::size_t y = 0; y < m.h(); ++y)
            for (std::size_t x = 0; x < m.w(); ++x) {
                two(0, 0, y, x) = m(0, 0, y, x);
                two(0, 1, y, x) = 1.0f - m(0, 0, y, x);
            }
        return loss.forward(two);
    } else {
        return loss.forward(m);
    }
}

// Differing-pair counts: {four, eight, eight with 1/√2 diagonals}.
struct counts {
    double four, eight, eight_weighted;
};

template <class P>
void check_counts(const tensor<cpu>& m, counts expected) {
    const double c = differing_pair_cost<P>();
    CHECK(energy_of<P, four_neighborhood>(m) == doctest::Approx(c * expected.four).epsilon(1e-6));
    CHECK(energy_of<P, eight_neighborhood>(m) == doctest::Approx(c * expected.eight).epsilon(1e-6));
    CHECK(energy_of<P, eight_neighborhood_distance_weighted>(m) ==
          doctest::Approx(c * expected.eight_weighted).epsilon(1e-6));
}

const double inv_sqrt2 = 1.0 / std::sqrt(2.0);

}  // namespace

TEST_CASE_TEMPLATE("mrf_loss: hand-counted energies on binary masks", P, ising, ising_bilinear, ising_squared,
                   potts<2>, huber<0.5>, charbonnier<0.1>) {
    SUBCASE("all zero and all one cost nothing") {
        check_counts<P>(mask_from({".....", ".....", "....."}), {0, 0, 0});
        check_counts<P>(mask_from({"#####", "#####", "#####"}), {0, 0, 0});
    }
    SUBCASE("one isolated pixel: 4 pairs, 8 with diagonals") {
        check_counts<P>(mask_from({".....", "..#..", "....."}), {4, 8, 4 + 4 * inv_sqrt2});
    }
    SUBCASE("a pixel in the corner has fewer neighbours (no pairs across the border)") {
        check_counts<P>(mask_from({"#..", "...", "..."}), {2, 3, 2 + inv_sqrt2});
    }
    SUBCASE("a 2x2 block: perimeter 8; each block pixel has 3 outside diagonals") {
        check_counts<P>(mask_from({"......", "......", "..##..", "..##..", "......", "......"}),
                        {8, 8 + 12, 8 + 12 * inv_sqrt2});
    }
    SUBCASE("a full checkerboard: every 4-pair differs, no diagonal pair does") {
        const std::size_t h = 5, w = 7;
        std::vector<std::string> rows(h, std::string(w, '.'));
        for (std::size_t y = 0; y < h; ++y)
            for (std::size_t x = 0; x < w; ++x)
                if ((x + y) % 2) rows[y][x] = '#';
        const double max_four = 2.0 * h * w - h - w;  // 58
        check_counts<P>(mask_from(rows), {max_four, max_four, max_four});
    }
    SUBCASE("a 3x3 block with a hole: outer perimeter 12 plus the hole's 4") {
        // Outer diagonals: 4 corners x 3 + 4 edge middles x 2 = 20; the hole's 4 diagonals.
        check_counts<P>(mask_from({".......", ".......", "..###..", "..#.#..", "..###..", ".......", "......."}),
                        {12 + 4, 12 + 4 + 20 + 4, 12 + 4 + (20 + 4) * inv_sqrt2});
    }
}

TEST_CASE("mrf_loss: ising, ising_bilinear and ising_squared agree exactly on binary masks") {
    rng gen(7);
    tensor<cpu> m({3, 2, 9, 11});
    for (float& v : m) v = gen.uniform01() < 0.4 ? 1.0f : 0.0f;
    const double a = mrf_loss<ising, eight_neighborhood>{}.forward(m);
    CHECK(a > 0.0);
    CHECK(a == mrf_loss<ising_bilinear, eight_neighborhood>{}.forward(m));
    CHECK(a == mrf_loss<ising_squared, eight_neighborhood>{}.forward(m));
    CHECK(a == doctest::Approx(isinggan::testing::mrf::reference_energy<ising, eight_neighborhood>(m)));
    // ...and differ on relaxed ones.
    for (float& v : m) v *= 0.5f;
    CHECK(mrf_loss<ising>{}.forward(m) != mrf_loss<ising_squared>{}.forward(m));
}

TEST_CASE("mrf_loss: potts<3> on a one-hot label map counts label changes") {
    // Three vertical stripes two columns wide: two boundaries, 4 rows each.
    const std::vector<std::vector<int>> labels(4, std::vector<int>{0, 0, 1, 1, 2, 2});
    const tensor<cpu> m = isinggan::testing::mrf::one_hot(labels, 3);
    CHECK(mrf_loss<potts<3>>{}.forward(m) == doctest::Approx(8.0));
    // Each boundary also has 2 diagonal pairs between each of the 3 pairs of rows.
    CHECK(mrf_loss<potts<3>, eight_neighborhood>{}.forward(m) == doctest::Approx(8.0 + 12.0));
}

TEST_CASE("mrf_loss: potts<2> on [p, 1-p] equals ising_bilinear on p, energy and gradient") {
    rng gen(11);
    tensor<cpu, double> p({2, 1, 6, 5}), two({2, 2, 6, 5});
    fill_uniform(p, 0.0, 1.0, gen);
    for (std::size_t n = 0; n < 2; ++n)
        for (std::size_t i = 0; i < 30; ++i) {
            two.plane(n, 0)[i] = p.plane(n, 0)[i];
            two.plane(n, 1)[i] = 1.0 - p.plane(n, 0)[i];
        }
    mrf_loss<potts<2>, eight_neighborhood> potts_loss;
    mrf_loss<ising_bilinear, eight_neighborhood> bilinear;
    tensor<cpu, double> g_two, g_p;
    const double e_two = potts_loss.forward_backward(two, g_two);
    const double e_p = bilinear.forward_backward(p, g_p);
    CHECK(e_two == doctest::Approx(e_p).epsilon(1e-12));
    // d/dp through the two channels: ∂E/∂(ch0) − ∂E/∂(ch1).
    for (std::size_t n = 0; n < 2; ++n)
        for (std::size_t i = 0; i < 30; ++i)
            CHECK(g_two.plane(n, 0)[i] - g_two.plane(n, 1)[i] == doctest::Approx(g_p.plane(n, 0)[i]).epsilon(1e-12));
}

TEST_CASE("mrf_loss: energy is invariant under flips, transposition and label swap") {
    rng gen(3);
    tensor<cpu, double> m({1, 1, 7, 9});
    fill_uniform(m, 0.0, 1.0, gen);
    tensor<cpu, double> flipped({1, 1, 7, 9}), transposed({1, 1, 9, 7}), swapped({1, 1, 7, 9});
    for (std::size_t y = 0; y < 7; ++y)
        for (std::size_t x = 0; x < 9; ++x) {
            flipped(0, 0, 6 - y, 8 - x) = m(0, 0, y, x);
            transposed(0, 0, x, y) = m(0, 0, y, x);
            swapped(0, 0, y, x) = 1.0 - m(0, 0, y, x);
        }
    mrf_loss<ising_bilinear, eight_neighborhood_distance_weighted> loss;
    const double e = loss.forward(m);
    CHECK(loss.forward(flipped) == doctest::Approx(e).epsilon(1e-12));
    CHECK(loss.forward(transposed) == doctest::Approx(e).epsilon(1e-12));
    CHECK(loss.forward(swapped) == doctest::Approx(e).epsilon(1e-12));
}
