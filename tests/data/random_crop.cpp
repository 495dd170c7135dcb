// Tests include/isinggan/data/random_crop.hpp: an image and its mask get the
// same window, every position occurs, and sizes that do not fit are refused.
#include <doctest/doctest.h>

#include <set>
#include <utility>

#include "isinggan/data/random_crop.hpp"

using namespace isinggan;

namespace {

/// Pixel (y, x) of sample n, channel c holds 1000·n + 100·c + 10·y + x (y, x < 10), so a window tells its origin.
tensor<cpu> coded(std::size_t n, std::size_t c, std::size_t side) {
    tensor<cpu> t({n, c, side, side});
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < c; ++k)
            for (std::size_t y = 0; y < side; ++y)
                for (std::size_t x = 0; x < side; ++x) t(i, k, y, x) = float(1000 * i + 100 * k + 10 * y + x);
    return t;
}

}  // namespace

TEST_CASE("random_crop: image and mask share each sample's window, and every position occurs") {
    std::set<std::pair<int, int>> origins;
    for (std::uint64_t seed = 0; seed < 40; ++seed) {
        tensor<cpu> images = coded(4, 3, 8), masks = coded(4, 1, 8);
        rng gen(seed);
        data::random_crop(images, masks, 5, gen);
        REQUIRE(images.shape() == shape4{4, 3, 5, 5});
        REQUIRE(masks.shape() == shape4{4, 1, 5, 5});
        for (std::size_t i = 0; i < 4; ++i) {
            const int code = int(masks(i, 0, 0, 0)) - 1000 * int(i);
            const int top = code / 10, left = code % 10;
            origins.insert({top, left});
            for (std::size_t y = 0; y < 5; ++y)
                for (std::size_t x = 0; x < 5; ++x) {
                    CHECK(masks(i, 0, y, x) == float(1000 * i + 10 * (top + int(y)) + left + int(x)));
                    for (std::size_t c = 0; c < 3; ++c)
                        CHECK(images(i, c, y, x) == float(1000 * i + 100 * c + 10 * (top + int(y)) + left + int(x)));
                }
        }
    }
    CHECK(origins.size() == 16);  // (8 − 5 + 1)² positions, 160 draws
}

TEST_CASE("random_crop: a window of the full side changes nothing; one that does not fit is refused") {
    tensor<cpu> images = coded(2, 3, 6), masks = coded(2, 1, 6);
    const tensor<cpu> before = images;
    rng gen(1);
    data::random_crop(images, masks, 6, gen);
    CHECK(std::equal(images.begin(), images.end(), before.begin()));
    CHECK_THROWS_AS(data::random_crop(images, masks, 7, gen), shape_error);
    CHECK_THROWS_AS(data::random_crop(images, masks, 0, gen), shape_error);
    tensor<cpu> other = coded(3, 1, 6);
    CHECK_THROWS_AS(data::random_crop(images, other, 4, gen), shape_error);
}
