// Tests include/isinggan/data/texture_features.hpp: exact values on constant
// and two-level images, and channel handling.
#include <doctest/doctest.h>

#include <cmath>

#include "isinggan/data/texture_features.hpp"

using namespace isinggan::data;

TEST_CASE("texture features: a constant image has contrast 0, entropy 0, uniformity 1, smoothness 0") {
    isinggan::image8 img(13, 7, 4, 0);
    for (std::size_t i = 0; i < 13 * 7; ++i) {
        img.samples[i * 4 + 0] = 200;
        img.samples[i * 4 + 1] = 17;
        img.samples[i * 4 + 2] = 0;
        img.samples[i * 4 + 3] = 255;
    }
    const auto f = modality_features(img);
    const double means[3] = {200, 17, 0};
    for (std::size_t c = 0; c < 3; ++c) {
        CAPTURE(c);
        CHECK(f[c * 6 + 0] == means[c]);
        CHECK(f[c * 6 + 1] == 0.0);
        CHECK(f[c * 6 + 2] == 0.0);
        CHECK(f[c * 6 + 3] == 1.0);
        CHECK(f[c * 6 + 4] == 0.0);
        CHECK(f[c * 6 + 5] == 0.0);
    }
}

TEST_CASE("texture features: half 0 and half 255 gives the textbook values") {
    isinggan::image8 img(4, 4, 1, 0);
    for (std::size_t i = 0; i < 8; ++i) img.samples[i] = 255;
    const auto f = modality_features(img);
    CHECK(f[0] == doctest::Approx(127.5));
    CHECK(f[1] == doctest::Approx(127.5));                          // sigma
    CHECK(f[2] == doctest::Approx(1.0 - 1.0 / (1.0 + 0.25)));       // sigma^2 = 0.25 on [0, 1]
    CHECK(f[3] == doctest::Approx(0.5));                            // 0.5^2 + 0.5^2
    CHECK(f[4] == doctest::Approx(0.0));                            // symmetric: no skew
    CHECK(f[5] == doctest::Approx(1.0));                            // one bit
    // Grey counts as three equal channels.
    for (std::size_t k = 0; k < 6; ++k) {
        CHECK(f[6 + k] == f[k]);
        CHECK(f[12 + k] == f[k]);
    }
}

TEST_CASE("texture features: skewed histograms have third moments of the right sign, names match") {
    isinggan::image8 bright_tail(10, 1, 1, 0);
    bright_tail.samples[0] = 255;  // mostly dark, one bright pixel: positive skew
    CHECK(modality_features(bright_tail)[4] > 0);
    isinggan::image8 dark_tail(10, 1, 1, 255);
    dark_tail.samples[0] = 0;
    CHECK(modality_features(dark_tail)[4] < 0);
    CHECK(modality_features(dark_tail)[4] == doctest::Approx(-modality_features(bright_tail)[4]));

    const auto names = modality_feature_names();
    REQUIRE(names.size() == modality_feature_count);
    CHECK(names.front() == "r_mean");
    CHECK(names[4] == "r_third_moment");
    CHECK(names.back() == "b_entropy");
    CHECK_THROWS_AS(modality_features(isinggan::image8{}), isinggan::argument_error);
}
