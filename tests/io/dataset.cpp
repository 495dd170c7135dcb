// Tests include/isinggan/io/dataset.hpp and dataset_listing.hpp on datasets the
// tests write into temp folders (both layouts, and each kind of bad data).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "support/error_message.hpp"
#include "support/temp_directory.hpp"
#include "isinggan/core/random.hpp"
#include "isinggan/data/synthetic_nuclei.hpp"
#include "isinggan/io/dataset.hpp"
#include "isinggan/io/dataset_writer.hpp"

namespace io = isinggan::io;
namespace fs = std::filesystem;
using isinggan::testing::temp_directory;

namespace {

/// An RGBA image (alpha 255) with random colours, or a grey one.
io::image8 test_image(std::size_t w, std::size_t h, std::size_t channels, std::uint64_t seed) {
    isinggan::rng gen(seed);
    io::image8 img(w, h, channels);
    for (std::size_t i = 0; i < w * h; ++i)
        for (std::size_t c = 0; c < channels; ++c)
            img.samples[i * channels + c] = c == 3 ? 255 : static_cast<std::uint8_t>(gen.below(256));
    return img;
}

/// A grey mask, 255 inside the rectangle [x0, x1) x [y0, y1).
io::image8 rect_mask(std::size_t w, std::size_t h, std::size_t x0, std::size_t y0, std::size_t x1, std::size_t y1) {
    io::image8 m(w, h, 1);
    for (std::size_t y = y0; y < y1; ++y)
        for (std::size_t x = x0; x < x1; ++x) m(y, x, 0) = 255;
    return m;
}

void write_kaggle_sample(const fs::path& root, const std::string& id, const io::image8& img,
                         const std::vector<io::image8>& masks) {
    fs::create_directories(root / id / "images");
    fs::create_directories(root / id / "masks");
    io::write_png(root / id / "images" / (id + ".png"), img);
    for (std::size_t k = 0; k < masks.size(); ++k)
        io::write_png(root / id / "masks" / ("m" + std::to_string(k) + ".png"), masks[k]);
}

/// Three good samples, 16x16: a colour RGBA one, a grey one, and one with overlapping masks.
void write_good_kaggle(const fs::path& root) {
    write_kaggle_sample(root, "a", test_image(16, 16, 4, 1), {rect_mask(16, 16, 2, 2, 6, 6)});
    write_kaggle_sample(root, "b", test_image(16, 16, 1, 2), {rect_mask(16, 16, 0, 0, 16, 3)});
    write_kaggle_sample(root, "c", test_image(16, 16, 3, 3),
                        {rect_mask(16, 16, 1, 1, 9, 9), rect_mask(16, 16, 5, 5, 12, 14), rect_mask(16, 16, 14, 0, 16, 2)});
}

io::dataset_options quiet(std::size_t size = 16) {
    io::dataset_options o;
    o.size = size;
    o.log = nullptr;
    return o;
}

std::string load_error(const fs::path& root, io::dataset_options o = quiet()) {
    return isinggan::testing::error_message<isinggan::io_error>([&] { (void)io::load_dataset(root, o); });
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("dataset: Kaggle layout at native size gives exact images in [-1, 1] and mask unions") {
    temp_directory dir;
    write_good_kaggle(dir.path());
    const auto loaded = io::load_dataset(dir.path(), quiet(16));
    const auto& d = loaded.data;
    CHECK(loaded.layout == io::dataset_layout::kaggle);
    CHECK(loaded.skipped == 0);
    REQUIRE(d.ids == std::vector<std::string>{"a", "b", "c"});
    REQUIRE(d.images.shape() == isinggan::shape4{3, 3, 16, 16});
    REQUIRE(d.masks.shape() == isinggan::shape4{3, 1, 16, 16});

    // S equals the image size, so preprocessing is exactly v / 255 * 2 - 1.
    const auto a = test_image(16, 16, 4, 1), b = test_image(16, 16, 1, 2);
    for (std::size_t y = 0; y < 16; ++y)
        for (std::size_t x = 0; x < 16; ++x)
            for (std::size_t c = 0; c < 3; ++c) {
                CHECK(d.images(0, c, y, x) == doctest::Approx(a(y, x, c) / 255.0 * 2 - 1).epsilon(1e-6));
                CHECK(d.images(1, c, y, x) == doctest::Approx(b(y, x, 0) / 255.0 * 2 - 1).epsilon(1e-6));
            }
    for (float v : d.images) CHECK((v >= -1.0f && v <= 1.0f));

    // Sample c's mask is the union of three rectangles, two of them overlapping.
    for (std::size_t y = 0; y < 16; ++y)
        for (std::size_t x = 0; x < 16; ++x) {
            const bool in = (x >= 1 && x < 9 && y >= 1 && y < 9) || (x >= 5 && x < 12 && y >= 5 && y < 14) ||
                            (x >= 14 && y < 2);
            CHECK(d.masks(2, 0, y, x) == (in ? 1.0f : 0.0f));
            CHECK(d.masks(1, 0, y, x) == (y < 3 ? 1.0f : 0.0f));
        }
}

TEST_CASE("dataset: shrinking keeps masks binary and aligned, and a stage1_train/ root is found") {
    temp_directory dir;
    const auto root = dir.path() / "stage1_train";
    fs::create_directories(root / ".ipynb_checkpoints");  // hidden folders are not samples
    fs::create_directories(root / "__MACOSX");
    // Left half of the mask set, at 40x24 -> 8x8: the left 4 columns exactly.
    write_kaggle_sample(root, "wide", test_image(40, 24, 4, 5), {rect_mask(40, 24, 0, 0, 20, 24)});
    const auto loaded = io::load_dataset(dir.path(), quiet(8));
    REQUIRE(loaded.data.size() == 1);
    for (std::size_t y = 0; y < 8; ++y)
        for (std::size_t x = 0; x < 8; ++x) CHECK(loaded.data.masks(0, 0, y, x) == (x < 4 ? 1.0f : 0.0f));
}

TEST_CASE("dataset: flat layout images/<name>.png + masks/<name>.png") {
    temp_directory dir;
    fs::create_directories(dir / "images");
    fs::create_directories(dir / "masks");
    io::write_png(dir / "images" / "x1.png", test_image(12, 10, 3, 7));
    io::write_png(dir / "masks" / "x1.png", rect_mask(12, 10, 3, 3, 6, 6));
    io::write_png(dir / "images" / "x0.png", test_image(12, 10, 2, 8));  // grey + alpha
    io::write_png(dir / "masks" / "x0.png", rect_mask(12, 10, 0, 0, 1, 1));
    auto o = quiet(12);
    const auto loaded = io::load_dataset(dir.path(), o);
    CHECK(loaded.layout == io::dataset_layout::flat);
    REQUIRE(loaded.data.ids == std::vector<std::string>{"x0", "x1"});
    CHECK(loaded.data.masks(1, 0, 4, 4) == 1.0f);
    CHECK(loaded.data.masks(1, 0, 0, 0) == 0.0f);
    CHECK(loaded.data.masks(0, 0, 0, 0) == 1.0f);
    // Grey + alpha: the grey copied to three channels, the alpha dropped.
    std::size_t unequal = 0;
    for (std::size_t y = 0; y < 12; ++y)
        for (std::size_t x = 0; x < 12; ++x)
            unequal += loaded.data.images(0, 0, y, x) != loaded.data.images(0, 1, y, x) ||
                       loaded.data.images(0, 0, y, x) != loaded.data.images(0, 2, y, x);
    CHECK(unequal == 0);
}

TEST_CASE("dataset: a missing or unrecognised folder is an io_error naming it") {
    temp_directory dir;
    CHECK(starts_with(load_error(dir / "nope"), (dir / "nope").string() + ": dataset folder does not exist"));
    fs::create_directories(dir / "empty");
    CHECK(starts_with(load_error(dir / "empty"), (dir / "empty").string() + ": not an annotated dataset"));
}

TEST_CASE("dataset: each kind of bad sample names its file, or is skipped and counted when lenient") {
    struct bad_case {
        const char* what;
        void (*make)(const fs::path& root);
        const char* file;      // relative to root: the file the message must start with
        const char* contains;  // and a phrase it must contain
    };
    const bad_case cases[] = {
        {"image without masks",
         [](const fs::path& r) {
             write_kaggle_sample(r, "bad", test_image(16, 16, 4, 9), {});
         },
         "bad/masks", "no mask files"},
        {"missing image file",
         [](const fs::path& r) {
             write_kaggle_sample(r, "bad", test_image(16, 16, 4, 9), {rect_mask(16, 16, 0, 0, 2, 2)});
             fs::remove(r / "bad" / "images" / "bad.png");
         },
         "bad/images/bad.png", "image file missing"},
        {"mask of another size",
         [](const fs::path& r) {
             write_kaggle_sample(r, "bad", test_image(16, 16, 4, 9),
                                 {rect_mask(16, 16, 0, 0, 2, 2), rect_mask(8, 16, 0, 0, 2, 2)});
         },
         "bad/masks/m1.png", "mask is 8x16 but its image"},
        {"non-PNG image",
         [](const fs::path& r) {
             write_kaggle_sample(r, "bad", test_image(16, 16, 4, 9), {rect_mask(16, 16, 0, 0, 2, 2)});
             const std::string text = "GIF89a not really";
             io::write_file_bytes(r / "bad" / "images" / "bad.png",
                                         {reinterpret_cast<const unsigned char*>(text.data()), text.size()});
         },
         "bad/images/bad.png", "not a PNG file"},
        {"truncated mask",
         [](const fs::path& r) {
             write_kaggle_sample(r, "bad", test_image(16, 16, 4, 9), {rect_mask(16, 16, 0, 0, 2, 2)});
             const auto bytes = io::encode_png(rect_mask(16, 16, 3, 3, 9, 9));
             io::write_file_bytes(r / "bad" / "masks" / "m0.png", {bytes.data(), bytes.size() - 20});
         },
         "bad/masks/m0.png", "cannot decode PNG"},
    };
    for (const auto& bc : cases) {
        CAPTURE(bc.what);
        temp_directory dir;
        write_good_kaggle(dir.path());
        bc.make(dir.path());
        const std::string message = load_error(dir.path());
        CHECK(starts_with(message, (dir.path() / bc.file).string()));
        CHECK(contains(message, bc.contains));

        auto lenient = quiet();
        lenient.lenient = true;
        std::ostringstream log;
        lenient.log = &log;
        lenient.progress = isinggan::progress_style::silent;
        const auto loaded = io::load_dataset(dir.path(), lenient);
        CHECK(loaded.skipped == 1);
        CHECK(loaded.data.ids == std::vector<std::string>{"a", "b", "c"});
        REQUIRE(loaded.warnings.size() == 1);
        CHECK(loaded.warnings[0] == message);
        CHECK(contains(log.str(), "warning: " + message));
    }
}

TEST_CASE("dataset: flat layout with a mask missing names the expected mask file") {
    temp_directory dir;
    fs::create_directories(dir / "images");
    fs::create_directories(dir / "masks");
    io::write_png(dir / "images" / "only.png", test_image(8, 8, 3, 1));
    CHECK(starts_with(load_error(dir.path()), (dir / "masks" / "only.png").string() + ": mask file missing"));
    auto lenient = quiet();
    lenient.lenient = true;
    // Nothing usable is left: still an error, naming the folder.
    CHECK(contains(load_error(dir.path(), lenient), "no usable samples"));
}

TEST_CASE("dataset: only_ids selects samples, unknown ids are errors, limit keeps the first ones") {
    temp_directory dir;
    write_good_kaggle(dir.path());
    auto o = quiet();
    o.only_ids = {"c", "a"};
    CHECK(io::load_dataset(dir.path(), o).data.ids == std::vector<std::string>{"a", "c"});
    o.only_ids = {"a", "zzz"};
    CHECK(contains(load_error(dir.path(), o), "no usable sample with id zzz"));
    o.only_ids.clear();
    o.limit = 2;
    CHECK(io::load_dataset(dir.path(), o).data.ids == std::vector<std::string>{"a", "b"});
}

TEST_CASE("dataset: one thread and two threads load identical tensors") {
    temp_directory dir;
    for (int i = 0; i < 6; ++i)
        write_kaggle_sample(dir.path(), "s" + std::to_string(i), test_image(20 + i, 18, 4, 40 + i),
                            {rect_mask(20 + i, 18, i, 1, 10 + i, 9)});
    auto o = quiet(8);
    o.threads = 1;
    const auto one = io::load_dataset(dir.path(), o);
    o.threads = 2;
    const auto two = io::load_dataset(dir.path(), o);
    CHECK(std::equal(one.data.images.begin(), one.data.images.end(), two.data.images.begin()));
    CHECK(std::equal(one.data.masks.begin(), one.data.masks.end(), two.data.masks.begin()));
}

TEST_CASE("dataset: the cache returns identical tensors and is rebuilt when a file or S changes") {
    temp_directory dir;
    const auto data = dir.path() / "data";
    write_good_kaggle(data);
    auto o = quiet(8);
    o.cache_dir = dir.path() / "cache";
    const auto first = io::load_dataset(data, o);
    CHECK_FALSE(first.from_cache);
    const auto second = io::load_dataset(data, o);
    CHECK(second.from_cache);
    CHECK(second.data.ids == first.data.ids);
    CHECK(std::equal(first.data.images.begin(), first.data.images.end(), second.data.images.begin()));
    CHECK(std::equal(first.data.masks.begin(), first.data.masks.end(), second.data.masks.begin()));

    o.size = 4;  // other settings: another key
    CHECK_FALSE(io::load_dataset(data, o).from_cache);
    o.size = 8;
    // A changed mask (different file size) invalidates the cache.
    io::write_png(data / "a" / "masks" / "m0.png", rect_mask(16, 16, 0, 0, 16, 16));
    const auto third = io::load_dataset(data, o);
    CHECK_FALSE(third.from_cache);
    CHECK(third.data.masks(0, 0, 7, 7) == 1.0f);

    // A corrupted cache file is ignored and rewritten, never an error.
    for (const auto& entry : fs::directory_iterator(o.cache_dir)) fs::resize_file(entry.path(), 100);
    CHECK_FALSE(io::load_dataset(data, o).from_cache);
    CHECK(io::load_dataset(data, o).from_cache);
}

TEST_CASE("dataset: synthetic data written in either layout loads back (images to 8-bit precision, masks exactly)") {
    const auto set = isinggan::data::synthetic_nuclei(4, 24, 3);
    for (auto layout : {io::dataset_layout::flat, io::dataset_layout::kaggle}) {
        CAPTURE(io::layout_name(layout));
        temp_directory dir;
        io::write_dataset(dir.path(), set, layout);
        const auto loaded = io::load_dataset(dir.path(), quiet(24));
        CHECK(loaded.layout == layout);
        REQUIRE(loaded.data.ids == set.ids);
        double worst = 0;
        for (std::size_t i = 0; i < set.images.size(); ++i)
            worst = std::max(worst, double(std::abs(loaded.data.images.data()[i] - set.images.data()[i])));
        CHECK(worst <= 1.0 / 255.0 + 1e-6);  // half a level of 8 bits, in [-1, 1] units
        CHECK(std::equal(set.masks.begin(), set.masks.end(), loaded.data.masks.begin()));
    }
    auto bad = isinggan::data::synthetic_nuclei(1, 8, 1);
    bad.ids[0] = "../escape";
    temp_directory dir;
    CHECK_THROWS_AS(io::write_dataset(dir.path(), bad), isinggan::argument_error);
}
