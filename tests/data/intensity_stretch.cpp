// Tests include/isinggan/data/intensity_stretch.hpp: the quantiles (numpy's
// linear interpolation), the per-image affine map, idempotence, blank images,
// bad input; and that load_dataset applies it after its cache.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "isinggan/core/random.hpp"
#include "isinggan/data/intensity_stretch.hpp"

using namespace isinggan;

TEST_CASE("intensity: quantile interpolates between order statistics as numpy.quantile does") {
    std::vector<float> v{4, 1, 3, 2, 5};  // sorted 1 2 3 4 5
    CHECK(data::quantile(v, 0.0) == 1.0f);
    CHECK(data::quantile(v, 1.0) == 5.0f);
    CHECK(data::quantile(v, 0.5) == 3.0f);
    CHECK(data::quantile(v, 0.1) == doctest::Approx(1.4));    // numpy.quantile([1..5], 0.1) = 1.4
    CHECK(data::quantile(v, 0.995) == doctest::Approx(4.98));  // 4 + 0.98 · (5 − 4)
    std::vector<float> one{7};
    CHECK(data::quantile(one, 0.3) == 7.0f);
    std::vector<float> none;
    CHECK_THROWS_AS(data::quantile(none, 0.5), argument_error);
}

TEST_CASE("intensity: each image's own quantiles go to -1 and +1, one affine map for its three channels") {
    // Image 0: a dark ramp (luminance −0.9 .. −0.7); image 1: a ramp over [0, 0.5] with colour.
    const std::size_t s = 10, plane = s * s;
    tensor<cpu> t({2, 3, s, s});
    for (std::size_t i = 0; i < plane; ++i) {
        const float r = float(i) / float(plane - 1);
        for (std::size_t c = 0; c < 3; ++c) t.plane(0, c)[i] = -0.9f + 0.2f * r;
        t.plane(1, 0)[i] = 0.5f * r + 0.1f, t.plane(1, 1)[i] = 0.5f * r, t.plane(1, 2)[i] = 0.5f * r - 0.1f;
    }
    const tensor<cpu> before = t;
    data::stretch_intensity(t, {.low_quantile = 0.0, .high_quantile = 1.0});
    // Image 0: grey, so x ↦ (x + 0.9) / 0.2 · 2 − 1 exactly.
    for (std::size_t i = 0; i < plane; ++i)
        for (std::size_t c = 0; c < 3; ++c)
            CHECK(t.plane(0, c)[i] == doctest::Approx((before.plane(0, c)[i] + 0.9f) / 0.2f * 2.0f - 1.0f).epsilon(1e-5));
    // Image 1: the luminance spans [0, 0.5]; the channels keep their offsets ±0.1, scaled by 4, clamped.
    const float gain = 2.0f / 0.5f;
    for (std::size_t i = 0; i < plane; ++i) {
        const float lum = (before.plane(1, 0)[i] + before.plane(1, 1)[i] + before.plane(1, 2)[i]) / 3.0f;
        CHECK(t.plane(1, 1)[i] == doctest::Approx(lum * gain - 1.0f).epsilon(1e-5));
        CHECK(t.plane(1, 0)[i] == doctest::Approx(std::min(1.0f, (before.plane(1, 0)[i]) * gain - 1.0f)).epsilon(1e-5));
        CHECK(t.plane(1, 2)[i] == doctest::Approx(std::max(-1.0f, (before.plane(1, 2)[i]) * gain - 1.0f)).epsilon(1e-5));
    }
}

TEST_CASE("intensity: stretching twice changes less than a grey level more, and a blank image is left as it is") {
    const std::size_t s = 16;
    tensor<cpu> t({2, 3, s, s});
    rng gen(5);
    for (std::size_t i = 0; i < s * s; ++i) {
        const float v = -0.95f + 0.1f * float(gen.uniform(0.0, 1.0));  // faint, like fluorescence at 64 px
        for (std::size_t c = 0; c < 3; ++c) t.plane(0, c)[i] = v, t.plane(1, c)[i] = -0.4f;  // image 1: blank
    }
    data::stretch_intensity(t);
    tensor<cpu> again = t;
    data::stretch_intensity(again);
    // The clamped tails move the quantiles a little: well under one 8-bit level (2/255).
    double worst = 0;
    for (std::size_t i = 0; i < t.size(); ++i) worst = std::max(worst, double(std::abs(again.data()[i] - t.data()[i])));
    CHECK(worst < 1.0 / 255);
    float lo = 1, hi = -1;
    for (std::size_t i = 0; i < s * s; ++i) lo = std::min(lo, t.plane(0, 0)[i]), hi = std::max(hi, t.plane(0, 0)[i]);
    CHECK(lo == -1.0f);
    CHECK(hi == 1.0f);
    for (std::size_t i = 0; i < s * s; ++i) CHECK(t.plane(1, 2)[i] == -0.4f);
}

TEST_CASE("intensity: bad shapes, quantiles and mode names are refused") {
    tensor<cpu> grey({1, 1, 4, 4});
    CHECK_THROWS_AS(data::stretch_intensity(grey), shape_error);
    tensor<cpu> rgb({1, 3, 4, 4});
    CHECK_THROWS_AS(data::stretch_intensity(rgb, {.low_quantile = 0.9, .high_quantile = 0.1}), argument_error);
    CHECK(data::parse_intensity_mode("stretch") == data::intensity_mode::stretch);
    CHECK(data::parse_intensity_mode("none") == data::intensity_mode::none);
    CHECK_THROWS_WITH_AS(data::parse_intensity_mode("Stretch"), doctest::Contains("'Stretch'"), argument_error);
    CHECK(std::string(data::to_string(data::intensity_mode::stretch)) == "stretch");
}
