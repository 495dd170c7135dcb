// Tests include/isinggan/data/fid_preprocess.hpp against PyTorch's
// F.interpolate(mode="bilinear", align_corners=False). The tolerance is a few
// float ulps: the PyTorch 1.13 build the fixture came from derives its
// interpolation weights with a rounding this code does not reproduce
// (e.g. weights 0.5806450844 / 0.4193548858 where the exact ones are
// 0.58064516 / 0.41935484), so equality is not bit for bit.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "isinggan/data/fid_preprocess.hpp"
#include "support/fixture.hpp"

using namespace isinggan;

namespace {

/// The fixture's [1, 3, h, w] byte values as an interleaved RGB image.
io::image8 image_from(const tensor<cpu>& bytes) {
    io::image8 img(bytes.w(), bytes.h(), 3);
    for (std::size_t c = 0; c < 3; ++c)
        for (std::size_t y = 0; y < bytes.h(); ++y)
            for (std::size_t x = 0; x < bytes.w(); ++x) img(y, x, c) = static_cast<std::uint8_t>(bytes(0, c, y, x));
    return img;
}

/// Sixteen float ulps at 1 (1.9e-6): PyTorch's weight rounding makes
/// differences of up to about ten; the input's quantum is 1/255.
constexpr float ulps_of_one = 16.0f * 1.1920929e-7f;

}  // namespace

TEST_CASE("fid preprocessing: bilinear resize matches F.interpolate to float rounding, enlarging and shrinking") {
    testing::fixture fx("fid/resize.bin");
    for (const std::string name : {"up", "down"}) {
        CAPTURE(name);
        const auto& expected = fx[name + "_out"];
        const auto img = image_from(fx[name + "_bytes"]);
        const auto planes = data::rgb_unit_planes(img);
        std::vector<float> got(expected.size());
        for (std::size_t c = 0; c < 3; ++c)
            data::resize_bilinear_plane(planes.data() + c * img.width * img.height, img.height, img.width,
                                        got.data() + c * expected.h() * expected.w(), expected.h(), expected.w());
        float worst = 0.0f;
        for (std::size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - expected.data()[i]));
        CAPTURE(worst);
        CHECK(worst <= ulps_of_one);
    }
}

TEST_CASE("fid preprocessing: an image becomes pytorch-fid's 3x299x299 input in [-1, 1]") {
    testing::fixture fx("fid/resize.bin");
    const auto img = image_from(fx["fid_bytes"]);
    std::vector<float> input(3 * 299 * 299);
    data::fid_input_from_image(img, input.data());
    const auto& expected = fx["fid_out_every7"];  // every 7th row and column
    REQUIRE(expected.h() == 43);
    float worst = 0.0f;
    for (std::size_t c = 0; c < 3; ++c)
        for (std::size_t y = 0; y < 43; ++y)
            for (std::size_t x = 0; x < 43; ++x)
                worst = std::max(worst, std::abs(input[(c * 299 + 7 * y) * 299 + 7 * x] - expected(0, c, y, x)));
    CAPTURE(worst);
    CHECK(worst <= 2.0f * ulps_of_one);  // 2x − 1 doubles the error
}

TEST_CASE("fid preprocessing: grey images are repeated into RGB, alpha is dropped") {
    io::image8 grey(2, 1, 2);
    grey.samples = {51, 255, 102, 0};  // grey+alpha
    const auto planes = data::rgb_unit_planes(grey);
    REQUIRE(planes.size() == 6);
    for (int c = 0; c < 3; ++c) {
        CHECK(planes[std::size_t(c) * 2] == 51.0f / 255.0f);
        CHECK(planes[std::size_t(c) * 2 + 1] == 102.0f / 255.0f);
    }
    io::image8 empty;
    CHECK_THROWS_AS(data::rgb_unit_planes(empty), argument_error);
}
