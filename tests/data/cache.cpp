// Tests include/isinggan/data/cache.hpp: exact round trip, and that a stale,
// truncated or corrupt cache file is ignored rather than trusted.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "support/temp_directory.hpp"
#include "isinggan/data/cache.hpp"
#include "isinggan/data/synthetic_nuclei.hpp"

using namespace isinggan;

TEST_CASE("cache: a saved set loads back bit for bit with its skipped count and warnings") {
    testing::temp_directory dir;
    const auto set = data::synthetic_nuclei(3, 16, 1);
    const auto path = data::save_cache(dir.path(), 77, set, 2, {"first problem", "second problem"});
    CHECK(path == data::cache_file(dir.path(), 77));
    const auto back = data::load_cache(dir.path(), 77);
    REQUIRE(back.has_value());
    CHECK(back->skipped == 2);
    CHECK(back->warnings == std::vector<std::string>{"first problem", "second problem"});
    CHECK(back->set.ids == set.ids);
    CHECK(back->set.images.shape() == set.images.shape());
    CHECK(std::equal(set.images.begin(), set.images.end(), back->set.images.begin()));
    CHECK(std::equal(set.masks.begin(), set.masks.end(), back->set.masks.begin()));
    CHECK_FALSE(data::load_cache(dir.path(), 78).has_value());  // another key: another file
}

TEST_CASE("cache: truncated, corrupted or mislabelled files are not used") {
    testing::temp_directory dir;
    const auto set = data::synthetic_nuclei(2, 8, 2);
    const auto path = data::save_cache(dir.path(), 5, set);
    std::vector<char> good(std::filesystem::file_size(path));
    std::ifstream(path, std::ios::binary).read(good.data(), static_cast<std::streamsize>(good.size()));
    auto write = [&](const std::vector<char>& bytes) {
        std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    };
    for (std::size_t keep = 0; keep < good.size(); keep += 7) {
        write(std::vector<char>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(keep)));
        CHECK_FALSE(data::load_cache(dir.path(), 5).has_value());
    }
    auto extra = good;
    extra.push_back(0);
    write(extra);
    CHECK_FALSE(data::load_cache(dir.path(), 5).has_value());

    auto bad_mask = good;
    bad_mask.back() = 7;  // mask bytes must be 0 or 1
    write(bad_mask);
    CHECK_FALSE(data::load_cache(dir.path(), 5).has_value());

    auto huge_count = good;
    huge_count[8 + 4 + 8] = '\xff';  // N's low byte: N no longer fits the file
    write(huge_count);
    CHECK_FALSE(data::load_cache(dir.path(), 5).has_value());

    write(good);
    CHECK(data::load_cache(dir.path(), 5).has_value());
}
