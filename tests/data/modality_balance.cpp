// Tests include/isinggan/data/modality_balance.hpp: a set of dark
// fluorescence-like images with a few bright, tinted ones splits into those
// two modalities, and each modality gets half of the weight however few
// images it holds.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "isinggan/data/modality_balance.hpp"
#include "isinggan/data/synthetic_nuclei.hpp"

using namespace isinggan;

namespace {

/// 30 synthetic nuclei images, the last `bright` of them turned into dark
/// nuclei on a bright, pink background (as stained tissue).
data::image_mask_set mixed_set(std::size_t bright) {
    data::image_mask_set set = data::synthetic_nuclei(30, 32, 4);
    for (std::size_t n = set.size() - bright; n < set.size(); ++n)
        for (std::size_t c = 0; c < 3; ++c)
            for (std::size_t y = 0; y < 32; ++y)
                for (std::size_t x = 0; x < 32; ++x) {
                    float& v = set.images(n, c, y, x);
                    v = std::clamp(-v * (c == 1 ? 0.6f : 0.9f) + (c == 1 ? 0.1f : 0.3f), -1.0f, 1.0f);
                }
    return set;
}

}  // namespace

TEST_CASE("modality balance: two modalities of 24 and 6 images are found and weighed alike") {
    const auto set = mixed_set(6);
    const data::modality_balance b = data::balance_modalities(set, 2);
    REQUIRE(b.weights.size() == set.size());
    CHECK(b.sizes == std::vector<std::size_t>{24, 6});
    for (std::size_t n = 0; n < set.size(); ++n) CHECK(b.labels[n] == (n < 24 ? 0u : 1u));
    double dark = 0, bright = 0;
    for (std::size_t n = 0; n < set.size(); ++n) (n < 24 ? dark : bright) += b.weights[n];
    CHECK(dark == doctest::Approx(0.5));
    CHECK(bright == doctest::Approx(0.5));
    CHECK(b.weights[29] == doctest::Approx(4.0 * b.weights[0]));  // within a modality, alike
}

TEST_CASE("modality balance: k = 1 weighs every image alike, and k outside 1..N is refused") {
    const auto set = mixed_set(3);
    const data::modality_balance one = data::balance_modalities(set, 1);
    for (double w : one.weights) CHECK(w == doctest::Approx(1.0 / 30));
    CHECK(std::accumulate(one.weights.begin(), one.weights.end(), 0.0) == doctest::Approx(1.0));
    CHECK_THROWS_WITH_AS(data::balance_modalities(set, 0), doctest::Contains("k = 0"), argument_error);
    CHECK_THROWS_WITH_AS(data::balance_modalities(set, 31), doctest::Contains("30 samples"), argument_error);
}
