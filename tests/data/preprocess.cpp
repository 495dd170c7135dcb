// Tests include/isinggan/data/preprocess.hpp: channel handling, the [-1, 1]
// mapping for 8- and 16-bit samples, and mask thresholding.
#include <doctest/doctest.h>

#include <vector>

#include "isinggan/data/preprocess.hpp"

using namespace isinggan::data;

TEST_CASE("preprocess: RGBA drops alpha, grey and grey+alpha become three equal channels") {
    isinggan::image8 rgba(2, 1, 4);
    rgba.samples = {0, 51, 255, 7, 102, 153, 204, 99};
    std::vector<float> out(3 * 2 * 2);
    // 2x1 -> 2x2: each row of the output repeats the input row.
    preprocess_image(rgba, 2, out.data());
    const float expected_r[2] = {-1.0f, 102 / 127.5f - 1}, expected_b[2] = {1.0f, 204 / 127.5f - 1};
    for (std::size_t y = 0; y < 2; ++y)
        for (std::size_t x = 0; x < 2; ++x) {
            CHECK(out[0 * 4 + y * 2 + x] == doctest::Approx(expected_r[x]));
            CHECK(out[2 * 4 + y * 2 + x] == doctest::Approx(expected_b[x]));
        }

    isinggan::image8 ga(2, 2, 2);
    ga.samples = {10, 0, 20, 255, 30, 0, 40, 255};
    preprocess_image(ga, 2, out.data());
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(out[i] == doctest::Approx((10.0 + 10.0 * i) / 127.5 - 1));
        CHECK(out[4 + i] == out[i]);
        CHECK(out[8 + i] == out[i]);
    }
}

TEST_CASE("preprocess: 16-bit samples map 0 and 65535 to -1 and 1") {
    isinggan::image16 g(2, 2, 1);
    g.samples = {0, 65535, 32768, 65535};
    std::vector<float> out(3 * 4);
    preprocess_image(g, 2, out.data());
    CHECK(out[0] == -1.0f);
    CHECK(out[1] == 1.0f);
    CHECK(out[2] == doctest::Approx(32768.0 / 65535 * 2 - 1));
    CHECK_THROWS_AS(preprocess_image(isinggan::image8{}, 2, out.data()), isinggan::argument_error);
}

TEST_CASE("preprocess: masks are resized then thresholded at one half") {
    // A 4x4 mask whose left 2 columns are set, halved: the tent (weights
    // 3/7, 3/7, 1/7 at the border) gives 6/7 on the left and 1/7 on the right.
    std::vector<std::uint8_t> m(16, 0);
    for (std::size_t y = 0; y < 4; ++y)
        for (std::size_t x = 0; x < 2; ++x) m[y * 4 + x] = 255;
    std::vector<float> out(4);
    preprocess_mask(m.data(), 4, 4, 2, out.data());
    CHECK(out == std::vector<float>{1, 0, 1, 0});
    // Enlarging keeps every pixel binary.
    std::vector<float> big(64);
    preprocess_mask(m.data(), 4, 4, 8, big.data());
    for (float v : big) CHECK((v == 0.0f || v == 1.0f));
    CHECK(big[0] == 1.0f);
    CHECK(big[7] == 0.0f);
}
