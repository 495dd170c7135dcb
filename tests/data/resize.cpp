// Tests include/isinggan/data/resize.hpp against PyTorch's bilinear resize
// (antialiased when shrinking) and against values worked out by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "isinggan/data/resize.hpp"

using isinggan::data::resize_planes;

TEST_CASE("resize: matches PyTorch's bilinear interpolate (antialias when shrinking)") {
    std::ifstream in(std::string(ISINGGAN_TEST_FIXTURES) + "/data/resize_reference.txt");
    REQUIRE(in);
    int cases = 0;
    std::size_t in_h, in_w, out_h, out_w;
    while (in >> in_h >> in_w >> out_h >> out_w) {
        CAPTURE(in_h);
        CAPTURE(in_w);
        CAPTURE(out_h);
        CAPTURE(out_w);
        std::vector<float> src(in_h * in_w), expected(out_h * out_w), got(out_h * out_w);
        for (auto& v : src) in >> v;
        for (auto& v : expected) in >> v;
        resize_planes(src.data(), 1, in_h, in_w, got.data(), out_h, out_w);
        double worst = 0.0;
        for (std::size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(double(got[i]) - expected[i]));
        CHECK(worst < 1e-5);
        ++cases;
    }
    CHECK(cases == 6);
}

TEST_CASE("resize: doubling is bilinear with half-pixel centres, halving averages pixel pairs") {
    const std::vector<float> src = {0.0f, 1.0f};
    std::vector<float> up(4);
    resize_planes(src.data(), 1, 1, 2, up.data(), 1, 4);
    CHECK(up[0] == doctest::Approx(0.0));
    CHECK(up[1] == doctest::Approx(0.25));
    CHECK(up[2] == doctest::Approx(0.75));
    CHECK(up[3] == doctest::Approx(1.0));

    // A one-pixel checkerboard halved: the widened tent (weights 1/8, 3/8, 3/8,
    // 1/8 along each axis) gives exactly 0.5 away from the border, where
    // plain bilinear sampling would alias to all 0 or all 1.
    std::vector<float> board(16 * 16), half(8 * 8);
    for (std::size_t y = 0; y < 16; ++y)
        for (std::size_t x = 0; x < 16; ++x) board[y * 16 + x] = float((x + y) % 2);
    resize_planes(board.data(), 1, 16, 16, half.data(), 8, 8);
    for (std::size_t y = 0; y < 8; ++y)
        for (std::size_t x = 0; x < 8; ++x) {
            const float v = half[y * 8 + x];
            if (y > 0 && y < 7 && x > 0 && x < 7)
                CHECK(v == doctest::Approx(0.5).epsilon(1e-6));
            else
                CHECK(std::abs(v - 0.5f) < 0.02f);  // the tent is cut and renormalised at the border
        }
}

TEST_CASE("resize: constants stay constant, channels are independent, same size copies") {
    std::vector<float> src(2 * 7 * 11);
    for (std::size_t i = 0; i < 77; ++i) src[i] = 0.25f;
    for (std::size_t i = 77; i < 154; ++i) src[i] = -0.5f;
    std::vector<float> dst(2 * 5 * 5);
    resize_planes(src.data(), 2, 7, 11, dst.data(), 5, 5);
    for (std::size_t i = 0; i < 25; ++i) CHECK(dst[i] == doctest::Approx(0.25));
    for (std::size_t i = 25; i < 50; ++i) CHECK(dst[i] == doctest::Approx(-0.5));

    std::vector<float> same(154);
    for (std::size_t i = 0; i < 154; ++i) src[i] = float(i);
    resize_planes(src.data(), 2, 7, 11, same.data(), 7, 11);
    CHECK(same == src);

    CHECK_THROWS_AS(resize_planes(src.data(), 1, 0, 11, dst.data(), 5, 5), isinggan::argument_error);
}
