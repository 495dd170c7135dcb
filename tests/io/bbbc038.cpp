// Tests the loader on the real BBBC038 data in ../shared/data/bbbc038 (skipped
// where it is absent): the sample count, and a few known images.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "isinggan/io/dataset.hpp"
#include "support/skip.hpp"

namespace io = isinggan::io;
namespace fs = std::filesystem;

namespace {

fs::path bbbc038_root() {
    const fs::path root = fs::path(ISINGGAN_SHARED_DIR) / "data" / "bbbc038";
    return root;
}

// A grey fluorescence image (256x256, 27 masks), a purple histology one
// (256 high, 320 wide, 70 masks) and one with a single mask (260x347).
const char* const grey_id = "00071198d059ba7f5914a526d124d28e6d010c92466da21d4a04cd5413362552";
const char* const colour_id = "00ae65c1c6631ae6f2be1a449902976e6eb8483bf6b0740d00530220832c6d3e";
const char* const single_id = "7b38c9173ebe69b4c6ba7e703c0c27f39305d9b2910f46405993d2ea7a963b80";

const io::sample_files& find(const io::dataset_listing& listing, const std::string& id) {
    for (const auto& s : listing.samples)
        if (s.id == id) return s;
    FAIL("id not listed: " << id);
    throw;
}

}  // namespace

TEST_CASE("bbbc038: lists all 536 samples with their masks" *
          isinggan::testing::needs(isinggan::testing::bbbc038_present())) {
    const auto listing = io::list_dataset(bbbc038_root());
    CHECK(listing.layout == io::dataset_layout::kaggle);
    CHECK(listing.samples.size() == 536);
    CHECK(listing.skipped == 0);
    CHECK(find(listing, grey_id).masks.size() == 27);
    CHECK(find(listing, colour_id).masks.size() == 70);
    CHECK(find(listing, single_id).masks.size() == 1);
}

TEST_CASE("bbbc038: known images decode as RGBA with alpha 255 and their union mask is the OR of the masks" *
          isinggan::testing::needs(isinggan::testing::bbbc038_present())) {
    const auto listing = io::list_dataset(bbbc038_root());
    for (const char* id : {grey_id, colour_id, single_id}) {
        CAPTURE(id);
        const auto& files = find(listing, id);
        const auto sample = io::decode_sample(files);
        CHECK(sample.image.channels == 4);
        std::size_t alpha_not_255 = 0;
        for (std::size_t i = 0; i < sample.image.width * sample.image.height; ++i)
            alpha_not_255 += sample.image.samples[i * 4 + 3] != 255;
        CHECK(alpha_not_255 == 0);
        std::vector<std::uint8_t> expected(sample.mask.size(), 0);
        std::size_t total_on = 0, not_binary = 0;
        for (const auto& m : files.masks) {
            const auto mask = io::read_png(m);
            REQUIRE(mask.channels == 1);
            for (std::size_t i = 0; i < expected.size(); ++i) {
                not_binary += mask.samples[i] != 0 && mask.samples[i] != 255;
                if (mask.samples[i]) expected[i] = 1, ++total_on;
            }
        }
        CHECK(not_binary == 0);
        CHECK(sample.mask == expected);
        CHECK(total_on > 0);
    }
    const auto colour = io::decode_sample(find(listing, colour_id)).image;
    CHECK(colour.width == 320);
    CHECK(colour.height == 256);
    const auto single = io::decode_sample(find(listing, single_id)).image;
    CHECK(single.width == 347);
    CHECK(single.height == 260);
}

TEST_CASE("bbbc038: loading known ids at S = 64 gives grey as three equal channels and values in range" *
          isinggan::testing::needs(isinggan::testing::bbbc038_present())) {
    io::dataset_options o;
    o.size = 64;
    o.log = nullptr;
    o.only_ids = {grey_id, colour_id, single_id};
    const auto loaded = io::load_dataset(bbbc038_root(), o);
    const auto& d = loaded.data;
    REQUIRE(d.images.shape() == isinggan::shape4{3, 3, 64, 64});
    REQUIRE(d.ids[0] == grey_id);
    REQUIRE(d.ids[1] == colour_id);
    std::size_t colour_differs = 0, grey_differs = 0, out_of_range = 0, not_binary = 0;
    for (std::size_t y = 0; y < 64; ++y)
        for (std::size_t x = 0; x < 64; ++x) {
            grey_differs += d.images(0, 0, y, x) != d.images(0, 1, y, x) || d.images(0, 0, y, x) != d.images(0, 2, y, x);
            colour_differs += d.images(1, 0, y, x) != d.images(1, 2, y, x);
        }
    CHECK(grey_differs == 0);
    CHECK(colour_differs > 64 * 64 / 2);  // histology stain: red and blue differ almost everywhere
    for (float v : d.images) out_of_range += !(v >= -1.0f && v <= 1.0f);
    CHECK(out_of_range == 0);
    for (std::size_t n = 0; n < 3; ++n) {
        double on = 0;
        for (std::size_t i = 0; i < 64 * 64; ++i) {
            const float v = d.masks.plane(n, 0)[i];
            not_binary += v != 0.0f && v != 1.0f;
            on += v;
        }
        CHECK(not_binary == 0);
        CHECK(on > 0);
        CHECK(on < 64 * 64);
    }
}

TEST_CASE("bbbc038: the whole dataset loads at S = 64 with every sample kept" *
          isinggan::testing::needs(isinggan::testing::bbbc038_present())) {
    io::dataset_options o;
    o.size = 64;
    o.log = nullptr;
    const auto loaded = io::load_dataset(bbbc038_root(), o);
    MESSAGE("loaded " << loaded.data.size() << " samples in " << loaded.seconds << " s");
    CHECK(loaded.data.size() == 536);
    CHECK(loaded.skipped == 0);
    CHECK(loaded.data.images.shape() == isinggan::shape4{536, 3, 64, 64});
    std::size_t out_of_range = 0, not_binary = 0, empty_masks = 0;
    for (float v : loaded.data.images) out_of_range += !(v >= -1.0f && v <= 1.0f);
    for (float v : loaded.data.masks) not_binary += v != 0.0f && v != 1.0f;
    for (std::size_t n = 0; n < 536; ++n)
        empty_masks += std::all_of(loaded.data.masks.plane(n, 0), loaded.data.masks.plane(n, 0) + 64 * 64,
                                   [](float v) { return v == 0.0f; });
    CHECK(out_of_range == 0);
    CHECK(not_binary == 0);
    CHECK(empty_masks == 0);
}
