// Tests include/isinggan/data/fid_preprocess.hpp against PyTorch 1.13's
// F.interpolate(mode="bilinear", align_corners=False) on the CPU, bit for bit:
// every float must be equal. The header reproduces that kernel's rounding
// (weights from the source coordinate in double, rounded once to float; the
// blend fma(t0, w0, t1 * w1) per axis, as PyTorch's AVX2 / AVX-512 kernel
// builds contract t0 * w0 + t1 * w1). The fixtures come from such a build:
// fid/resize.bin (tests/reference/make_fid_fixtures.py resize) and
// fid/resize_exact.bin (tests/reference/make_fid_resize_fixture.py), whose
// inputs are hashed byte images regenerated here.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "metrics/fid_hashed_values.hpp"
#include "isinggan/data/fid_preprocess.hpp"
#include "support/fixture.hpp"

using namespace isinggan;
using isinggan::testing::hashed_image;

namespace {

/// The fixture's [1, 3, h, w] byte values as an interleaved RGB image.
isinggan::image8 image_from(const tensor<cpu>& bytes) {
    isinggan::image8 img(bytes.w(), bytes.h(), 3);
    for (std::size_t c = 0; c < 3; ++c)
        for (std::size_t y = 0; y < bytes.h(); ++y)
            for (std::size_t x = 0; x < bytes.w(); ++x) img(y, x, c) = static_cast<std::uint8_t>(bytes(0, c, y, x));
    return img;
}

/// The three planes of `img` resized to out_h × out_w.
std::vector<float> resized(const isinggan::image8& img, std::size_t out_h, std::size_t out_w) {
    const auto planes = data::rgb_unit_planes(img);
    std::vector<float> got(3 * out_h * out_w);
    for (std::size_t c = 0; c < 3; ++c)
        data::resize_bilinear_plane(planes.data() + c * img.width * img.height, img.height, img.width,
                                    got.data() + c * out_h * out_w, out_h, out_w);
    return got;
}

/// How many of the n floats differ (bitwise equality of values; none are NaN).
std::size_t mismatches(const float* got, const float* expected, std::size_t n) {
    std::size_t bad = 0;
    for (std::size_t i = 0; i < n; ++i) bad += got[i] != expected[i] ? 1 : 0;
    return bad;
}

}  // namespace

TEST_CASE("fid preprocessing: bilinear resize equals F.interpolate bit for bit, enlarging and shrinking") {
    testing::fixture fx("fid/resize.bin");
    for (const std::string name : {"up", "down"}) {
        CAPTURE(name);
        const auto& expected = fx[name + "_out"];
        const auto got = resized(image_from(fx[name + "_bytes"]), expected.h(), expected.w());
        REQUIRE(got.size() == expected.size());
        CHECK(mismatches(got.data(), expected.data(), got.size()) == 0);
    }
    testing::fixture exact("fid/resize_exact.bin");
    struct small_case {
        const char* name;
        std::uint64_t stream;
        std::size_t h, w;
    };
    for (const small_case sc : {small_case{"up", 41, 13, 17}, small_case{"down", 42, 40, 50},
                                small_case{"thin", 43, 1, 5}, small_case{"tall", 44, 7, 1}}) {
        CAPTURE(sc.name);
        const auto& expected = exact[std::string(sc.name) + "_out"];
        const auto got = resized(hashed_image(sc.stream, sc.h, sc.w), expected.h(), expected.w());
        REQUIRE(got.size() == expected.size());
        CHECK(mismatches(got.data(), expected.data(), got.size()) == 0);
    }
}

TEST_CASE("fid preprocessing: the fixture tells PyTorch's fused rounding from separately rounded products") {
    // Guards the test above: blending with every product rounded (PyTorch's
    // kernel without FMA) must miss the fixture somewhere, so equality there
    // does check the rounding and not only the formula.
    testing::fixture exact("fid/resize_exact.bin");
    const auto& expected = exact["up_out"];
    const auto img = hashed_image(41, 13, 17);
    const auto planes = data::rgb_unit_planes(img);
    const auto rows = data::bilinear_taps_for(13, expected.h()), cols = data::bilinear_taps_for(17, expected.w());
    std::size_t bad = 0;
    for (std::size_t c = 0; c < 3; ++c)
        for (std::size_t y = 0; y < expected.h(); ++y)
            for (std::size_t x = 0; x < expected.w(); ++x) {
                const float* p = planes.data() + c * 13 * 17;
                auto at = [&](std::size_t r, std::size_t q) { return p[r * 17 + q]; };
                // volatile stores round every product and sum, whatever the compiler contracts
                volatile float p00 = at(rows.first[y], cols.first[x]) * cols.first_weight[x];
                volatile float p01 = at(rows.first[y], cols.second[x]) * cols.second_weight[x];
                volatile float p10 = at(rows.second[y], cols.first[x]) * cols.first_weight[x];
                volatile float p11 = at(rows.second[y], cols.second[x]) * cols.second_weight[x];
                volatile float top = p00 + p01, bottom = p10 + p11;
                volatile float a = top * rows.first_weight[y], b = bottom * rows.second_weight[y];
                const float unfused = a + b;
                bad += unfused != expected(0, c, y, x) ? 1 : 0;
            }
    CAPTURE(bad);
    CHECK(bad > 0);
}

TEST_CASE("fid preprocessing: an image becomes pytorch-fid's 3x299x299 input in [-1, 1], bit for bit") {
    std::vector<float> input(3 * 299 * 299);
    {
        testing::fixture fx("fid/resize.bin");
        data::fid_input_from_image(image_from(fx["fid_bytes"]), input.data());
        const auto& expected = fx["fid_out_every7"];  // every 7th row and column
        REQUIRE(expected.h() == 43);
        std::size_t bad = 0;
        for (std::size_t c = 0; c < 3; ++c)
            for (std::size_t y = 0; y < 43; ++y)
                for (std::size_t x = 0; x < 43; ++x)
                    bad += input[(c * 299 + 7 * y) * 299 + 7 * x] != expected(0, c, y, x) ? 1 : 0;
        CHECK(bad == 0);
    }
    testing::fixture exact("fid/resize_exact.bin");
    struct fid_case {
        std::uint64_t stream;
        std::size_t h, w;
    };
    for (const fid_case fc : {fid_case{50, 20, 24}, fid_case{51, 64, 64}, fid_case{52, 256, 256}, fid_case{53, 360, 360},
                              fid_case{54, 33, 299}, fid_case{55, 301, 17}, fid_case{56, 299, 299}}) {
        const std::string name = "fid_" + std::to_string(fc.h) + "x" + std::to_string(fc.w);
        CAPTURE(name);
        data::fid_input_from_image(hashed_image(fc.stream, fc.h, fc.w), input.data());
        const auto& expected = exact[name + "_every7"];  // rows and columns stream % 7 :: 7
        const std::size_t offset = fc.stream % 7, n = (299 - offset + 6) / 7;
        REQUIRE(expected.h() == n);
        REQUIRE(expected.w() == n);
        // All three channels for 20x24, else channel stream % 3 only.
        const std::size_t first = expected.c() == 3 ? 0 : fc.stream % 3;
        std::size_t bad = 0;
        for (std::size_t c = 0; c < expected.c(); ++c)
            for (std::size_t y = 0; y < n; ++y)
                for (std::size_t x = 0; x < n; ++x) {
                    const float got = input[((first + c) * 299 + offset + 7 * y) * 299 + offset + 7 * x];
                    bad += got != expected(0, c, y, x) ? 1 : 0;
                }
        CHECK(bad == 0);
        if (fc.h == 20) {  // the full red plane
            const auto& red = exact["fid_20x24_red"];
            REQUIRE(red.size() == 299 * 299);
            CHECK(mismatches(input.data(), red.data(), 299 * 299) == 0);
        }
    }
}

TEST_CASE("fid preprocessing: grey images are repeated into RGB, alpha is dropped") {
    isinggan::image8 grey(2, 1, 2);
    grey.samples = {51, 255, 102, 0};  // grey+alpha
    const auto planes = data::rgb_unit_planes(grey);
    REQUIRE(planes.size() == 6);
    for (int c = 0; c < 3; ++c) {
        CHECK(planes[std::size_t(c) * 2] == 51.0f / 255.0f);
        CHECK(planes[std::size_t(c) * 2 + 1] == 102.0f / 255.0f);
    }
    isinggan::image8 empty;
    CHECK_THROWS_AS(data::rgb_unit_planes(empty), argument_error);
}
