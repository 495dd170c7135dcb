// Exported pairs load back through the dataset loader unchanged, sampling is
// a function of (seed, index) only, and the sample grid outlines masks in green.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "isinggan/io/dataset.hpp"
#include "isinggan/train/gan_export.hpp"
#include "isinggan/train/sample_grid.hpp"
#include "support/temp_directory.hpp"
#include "train/tiny_gan.hpp"

using namespace isinggan;
using namespace isinggan::testing;

TEST_CASE("export writes the flat layout, and load_dataset reads the same pairs back") {
    tiny_generator g;
    rng init(4);
    init::xavier_init(g, init);
    const testing::temp_directory scratch("isinggan-gan-export");
    const auto& dir = scratch.path();
    train::export_options o;
    o.count = 10;
    o.seed = 21;
    o.batch = 4;  // uneven last batch
    const auto result = train::export_pairs(g, dir, o);
    CHECK(result.pairs == 10);

    io::dataset_options load;
    load.size = tiny_size;
    load.log = nullptr;
    const auto loaded = io::load_dataset(dir, load);
    REQUIRE(loaded.data.size() == 10);
    CHECK(loaded.layout == io::dataset_layout::flat);

    tensor<cpu> images, masks;
    train::generate(g, 21, 0, 10, images, masks);
    for (std::size_t n = 0; n < 10; ++n) {
        const std::string& id = loaded.data.ids[n];
        REQUIRE(id.rfind("gen_", 0) == 0);
        const std::size_t index = std::stoul(id.substr(4));
        REQUIRE(index < 10);
        double worst_image = 0.0;
        std::size_t mask_mismatch = 0;
        for (std::size_t c = 0; c < 3; ++c)
            for (std::size_t i = 0; i < images.shape().plane_size(); ++i)
                worst_image = std::max(worst_image, double(std::abs(loaded.data.images.plane(n, c)[i] -
                                                                    images.plane(index, c)[i])));
        for (std::size_t i = 0; i < masks.shape().plane_size(); ++i)
            mask_mismatch += (loaded.data.masks.plane(n, 0)[i] >= 0.5f) != (masks.plane(index, 0)[i] >= 0.5f);
        CHECK(worst_image <= 1.0 / 127.5 + 1e-6);  // 8-bit quantisation only
        CHECK(mask_mismatch == 0);
    }

    std::ifstream manifest(dir / "manifest.csv");
    std::string line;
    std::size_t lines = 0;
    std::getline(manifest, line);
    CHECK(line == "name,index,seed,foreground_fraction");
    while (std::getline(manifest, line)) ++lines;
    CHECK(lines == 10);
}

TEST_CASE("a sample depends on its seed and index, not on the batch it is drawn in") {
    tiny_generator g;
    tensor<cpu> all_images, all_masks, one_image, one_mask, other_seed, other_mask;
    train::generate(g, 3, 0, 6, all_images, all_masks);
    train::generate(g, 3, 4, 2, one_image, one_mask);
    const std::size_t sample = all_images.shape().sample_size();
    CHECK(std::equal(one_image.begin(), one_image.end(), all_images.sample(4)));
    // Across the blocks samples are computed in, to the bit on every path.
    static_assert(train::sample_block == 16);
    tensor<cpu> many_images, many_masks, straddle_images, straddle_masks;
    train::generate(g, 3, 0, 40, many_images, many_masks);
    train::generate(g, 3, 14, 5, straddle_images, straddle_masks);
    REQUIRE(straddle_images.n() == 5);
    CHECK(std::equal(straddle_images.begin(), straddle_images.end(), many_images.sample(14)));
    CHECK(std::equal(straddle_masks.begin(), straddle_masks.end(), many_masks.sample(14)));
    CHECK(std::equal(all_images.begin(), all_images.end(), many_images.begin()));
    CHECK_THROWS_AS(train::generate(g, 3, 0, 0, one_image, one_mask), argument_error);
    train::generate(g, 4, 4, 2, other_seed, other_mask);
    CHECK_FALSE(std::equal(other_seed.begin(), other_seed.begin() + sample, all_images.sample(4)));
}

TEST_CASE("the sample grid draws the mask outline in green and nothing else") {
    tensor<cpu> images({2, 3, 6, 6}, 0.0f), masks({2, 1, 6, 6}, 0.0f);
    for (std::size_t y = 1; y < 5; ++y)
        for (std::size_t x = 1; x < 5; ++x) masks(0, 0, y, x) = 1.0f;  // a 4 x 4 square in sample 0
    const auto grid = train::sample_grid(images, masks, 2, 1);
    CHECK(grid.width == 2 * 6 + 3);
    CHECK(grid.height == 6 + 2);
    auto green = [&](std::size_t y, std::size_t x) {
        return grid(y, x, 0) == 0 && grid(y, x, 1) == 255 && grid(y, x, 2) == 0;
    };
    std::size_t outline = 0;
    for (std::size_t y = 0; y < grid.height; ++y)
        for (std::size_t x = 0; x < grid.width; ++x) outline += green(y, x);
    CHECK(outline == 12);                 // the square's 12 border pixels
    CHECK(green(1 + 1, 1 + 1));           // its corner (tile offset 1)
    CHECK_FALSE(green(1 + 2, 1 + 2));     // its interior keeps the image (grey 128)
    CHECK(grid(1 + 2, 1 + 2, 0) == 128);
    CHECK(grid(0, 0, 0) == 255);          // the gap is white
    CHECK_THROWS_AS(train::sample_grid(images, tensor<cpu>({2, 1, 5, 5}), 2), shape_error);
}

TEST_CASE("a generator trained on windows exports mosaics: pair i holds samples 4i .. 4i + 3, row by row") {
    tiny_generator g;
    rng init(6);
    init::xavier_init(g, init);
    tensor<cpu> patches, patch_masks, mosaics, mosaic_masks;
    train::generate(g, 9, 8, 8, patches, patch_masks);  // samples 8 .. 15: pairs 2 and 3
    train::generate_tiled(g, 9, 2, 2, 2, mosaics, mosaic_masks);
    REQUIRE(mosaics.shape() == shape4{2, 3, 2 * tiny_size, 2 * tiny_size});
    REQUIRE(mosaic_masks.shape() == shape4{2, 1, 2 * tiny_size, 2 * tiny_size});
    for (std::size_t pair = 0; pair < 2; ++pair)
        for (std::size_t tile = 0; tile < 4; ++tile) {
            const std::size_t oy = (tile / 2) * tiny_size, ox = (tile % 2) * tiny_size, sample = 4 * pair + tile;
            bool same = true;
            for (std::size_t y = 0; y < std::size_t(tiny_size); ++y)
                for (std::size_t x = 0; x < std::size_t(tiny_size); ++x) {
                    for (std::size_t c = 0; c < 3; ++c) same &= mosaics(pair, c, oy + y, ox + x) == patches(sample, c, y, x);
                    same &= mosaic_masks(pair, 0, oy + y, ox + x) == patch_masks(sample, 0, y, x);
                }
            CAPTURE(pair);
            CAPTURE(tile);
            CHECK(same);
        }
    CHECK_THROWS_AS(train::generate_tiled(g, 9, 0, 1, 0, mosaics, mosaic_masks), argument_error);

    // export_pairs with tiles writes the same mosaics, at twice the side.
    const testing::temp_directory scratch("isinggan-gan-export-tiles");
    const auto& dir = scratch.path();
    train::export_options o;
    o.count = 4;
    o.seed = 9;
    o.tiles = 2;
    train::export_pairs(g, dir, o);
    io::dataset_options load;
    load.size = 2 * tiny_size;
    load.log = nullptr;
    const auto loaded = io::load_dataset(dir, load);
    REQUIRE(loaded.data.size() == 4);
    REQUIRE(loaded.data.ids[2] == "gen_000002");
    double worst = 0;
    for (std::size_t i = 0; i < mosaics.shape().sample_size(); ++i)
        worst = std::max(worst, double(std::abs(loaded.data.images.sample(2)[i] - mosaics.sample(0)[i])));
    CHECK(worst <= 1.0 / 127.5 + 1e-6);
    o.tiles = 0;
    CHECK_THROWS_AS(train::export_pairs(g, dir, o), argument_error);
}
