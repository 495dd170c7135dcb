// Tests include/isinggan/io/png.hpp: exact round trips, every colour type the
// reader accepts, and clear errors (never a crash) on broken files.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/error_message.hpp"
#include "support/temp_directory.hpp"
#include "isinggan/core/random.hpp"
#include "isinggan/io/png.hpp"

namespace io = isinggan::io;
using isinggan::testing::temp_directory;

namespace {

template <class Sample>
io::image_buffer<Sample> random_image(std::size_t w, std::size_t h, std::size_t c, std::uint64_t seed) {
    isinggan::rng gen(seed);
    io::image_buffer<Sample> img(w, h, c);
    const std::uint64_t levels = std::uint64_t{1} << (8 * sizeof(Sample));
    for (auto& v : img.samples) v = static_cast<Sample>(gen.below(levels));
    return img;
}

std::string fixture(const char* name) { return std::string(ISINGGAN_TEST_FIXTURES) + "/io/" + name; }

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

TEST_CASE("png: 8-bit grey, grey+alpha, RGB and RGBA round trip exactly through a file") {
    temp_directory dir;
    for (std::size_t channels = 1; channels <= 4; ++channels) {
        CAPTURE(channels);
        const auto img = random_image<std::uint8_t>(37, 23, channels, 100 + channels);
        const auto path = dir / ("img" + std::to_string(channels) + ".png");
        io::write_png(path, img);
        const auto back = io::read_png(path);
        CHECK(back.width == 37);
        CHECK(back.height == 23);
        CHECK(back.channels == channels);
        CHECK(back == img);
    }
}

TEST_CASE("png: 16-bit round trip is exact, and 8/16-bit conversions scale by 257") {
    const auto img16 = random_image<std::uint16_t>(9, 7, 3, 5);
    const auto bytes = io::encode_png(img16);
    CHECK(io::decode_png16(bytes) == img16);
    // Reading a 16-bit file with 8-bit samples rounds v * 255 / 65535.
    const auto as8 = io::decode_png(bytes);
    REQUIRE(as8.samples.size() == img16.samples.size());
    for (std::size_t i = 0; i < as8.samples.size(); ++i)
        CHECK(as8.samples[i] == (img16.samples[i] * 255u + 32767u) / 65535u);

    const auto img8 = random_image<std::uint8_t>(6, 4, 1, 6);
    const auto as16 = io::decode_png16(io::encode_png(img8));
    for (std::size_t i = 0; i < img8.samples.size(); ++i) CHECK(as16.samples[i] == img8.samples[i] * 257u);
}

TEST_CASE("png: palette, palette with transparency and 16-bit grey fixtures decode to known values") {
    const std::uint8_t palette[4][3] = {{10, 20, 30}, {200, 0, 0}, {0, 200, 0}, {255, 255, 255}};
    const auto pal = io::read_png(fixture("palette.png"));
    REQUIRE(pal.width == 4);
    REQUIRE(pal.height == 3);
    REQUIRE(pal.channels == 3);
    for (std::size_t y = 0; y < 3; ++y)
        for (std::size_t x = 0; x < 4; ++x)
            for (std::size_t c = 0; c < 3; ++c) CHECK(pal(y, x, c) == palette[(x + y) % 4][c]);

    const auto trns = io::read_png(fixture("palette_trns.png"));
    REQUIRE(trns.channels == 4);
    for (std::size_t y = 0; y < 3; ++y)
        for (std::size_t x = 0; x < 4; ++x) CHECK(trns(y, x, 3) == ((x + y) % 4 == 1 ? 0 : 255));

    const auto g16 = io::read_png16(fixture("grey16.png"));
    REQUIRE(g16.channels == 1);
    REQUIRE(g16.width == 5);
    for (std::size_t y = 0; y < 2; ++y)
        for (std::size_t x = 0; x < 5; ++x) CHECK(g16(y, x, 0) == 1000 * (x + 5 * y) + 7);
}

TEST_CASE("png: missing, garbage, truncated and corrupted files raise io_error naming the file") {
    temp_directory dir;
    const auto good = io::encode_png(random_image<std::uint8_t>(40, 30, 3, 9));

    auto message_of = [](const std::filesystem::path& p) {
        return isinggan::testing::error_message<isinggan::io_error>([&] { (void)io::read_png(p); });
    };

    const auto missing = dir / "missing.png";
    CHECK(starts_with(message_of(missing), missing.string() + ": file does not exist"));

    const auto garbage = dir / "garbage.png";
    const std::string text = "this is not an image at all";
    io::write_file_bytes(garbage, {reinterpret_cast<const unsigned char*>(text.data()), text.size()});
    CHECK(starts_with(message_of(garbage), garbage.string() + ": not a PNG file"));

    const auto empty = dir / "empty.png";
    io::write_file_bytes(empty, {});
    CHECK(starts_with(message_of(empty), empty.string() + ": not a PNG file"));

    for (std::size_t keep : {std::size_t{8}, std::size_t{20}, good.size() / 2, good.size() - 5}) {
        CAPTURE(keep);
        const auto truncated = dir / "truncated.png";
        io::write_file_bytes(truncated, {good.data(), keep});
        CHECK(starts_with(message_of(truncated), truncated.string() + ": cannot decode PNG"));
    }

    // A flipped byte inside the image data breaks a CRC (or the zlib stream).
    auto corrupt = good;
    corrupt[corrupt.size() / 2] ^= 0x5a;
    const auto corrupted = dir / "corrupted.png";
    io::write_file_bytes(corrupted, corrupt);
    CHECK(starts_with(message_of(corrupted), corrupted.string() + ": cannot decode PNG"));
}

TEST_CASE("png: randomly mutated files either decode or raise io_error, never crash") {
    const auto good = io::encode_png(random_image<std::uint8_t>(24, 16, 4, 11));
    isinggan::rng gen(12);
    int decoded = 0, rejected = 0;
    for (int trial = 0; trial < 1500; ++trial) {
        auto bytes = good;
        const int flips = 1 + static_cast<int>(gen.below(4));
        for (int f = 0; f < flips; ++f) bytes[gen.below(bytes.size())] = static_cast<unsigned char>(gen.below(256));
        if (gen.below(4) == 0) bytes.resize(gen.below(bytes.size()));
        try {
            const auto img = io::decode_png(bytes, "mutated");
            CHECK(img.samples.size() == img.width * img.height * img.channels);
            ++decoded;
        } catch (const isinggan::io_error& e) {
            CHECK(starts_with(e.what(), "mutated: "));
            ++rejected;
        }
    }
    CHECK(decoded + rejected == 1500);
    CHECK(rejected > 0);
}

TEST_CASE("png: encoding an image with an impossible layout is an argument_error") {
    io::image8 bad(4, 4, 5);
    CHECK_THROWS_AS((void)io::encode_png(bad), isinggan::argument_error);
    io::image8 empty;
    CHECK_THROWS_AS((void)io::encode_png(empty), isinggan::argument_error);
    io::image8 short_data(4, 4, 3);
    short_data.samples.pop_back();
    CHECK_THROWS_AS((void)io::encode_png(short_data), isinggan::argument_error);
}
