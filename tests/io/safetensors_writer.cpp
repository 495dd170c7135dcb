// The safetensors writer (layout, round trips, atomic saves) and the
// conversion of every supported dtype to float.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "isinggan/io/safetensors.hpp"
#include "support/error_message.hpp"
#include "support/temp_directory.hpp"

using namespace isinggan;
namespace st = isinggan::safetensors;

namespace {

std::vector<std::byte> raw(std::initializer_list<int> v) {
    std::vector<std::byte> b;
    for (int x : v) b.push_back(static_cast<std::byte>(x));
    return b;
}

// Converts one element of `type` stored as the given little-endian bytes.
double one(st::dtype type, std::initializer_list<int> bytes) {
    const auto b = raw(bytes);
    double out = 0;
    st::convert(type, b, std::span<double>(&out, 1));
    return out;
}

std::string header_of(const std::vector<std::byte>& file) {
    std::uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n |= std::to_integer<std::uint64_t>(file[i]) << (8 * i);
    return std::string(reinterpret_cast<const char*>(file.data()) + 8, n);
}

}  // namespace

TEST_CASE("safetensors writer: layout is the official writer's (metadata first, descending dtype, padded)") {
    st::writer w;
    w.add("z", st::dtype::U8, {3}, raw({1, 2, 3}));
    w.add("b", {2}, std::vector<float>{1.5f, -2.0f});
    w.add("a", {1, 1}, std::vector<float>{7.0f});
    w.add("n", st::dtype::I64, {}, raw({5, 0, 0, 0, 0, 0, 0, 0}));
    w.add("empty", st::dtype::F16, {0, 4}, {});
    w.set_metadata("format", "pt");
    const auto bytes = w.serialize();
    const std::string h = header_of(bytes);
    CHECK(h.size() % 8 == 0);
    CHECK(
        h ==
        R"({"__metadata__":{"format":"pt"},"n":{"dtype":"I64","shape":[],"data_offsets":[0,8]},)"
        R"("a":{"dtype":"F32","shape":[1,1],"data_offsets":[8,12]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]},)"
        R"("empty":{"dtype":"F16","shape":[0,4],"data_offsets":[20,20]},"z":{"dtype":"U8","shape":[3],"data_offsets":[20,23]}})" +
            std::string(h.size() - h.find_last_of('}') - 1, ' '));
    CHECK(bytes.size() == 8 + h.size() + 23);

    const auto f = st::file::parse(bytes, "mem");
    CHECK(f.read<float>("b") == std::vector<float>{1.5f, -2.0f});
    CHECK(f.read<double>("n") == std::vector<double>{5});
    CHECK(f.at("empty").elements() == 0);
    CHECK(f.read<double>("empty").empty());
    CHECK(f.read<double>("z") == std::vector<double>{1, 2, 3});
    CHECK(*f.find_metadata("format") == "pt");
    CHECK(f.find("missing") == nullptr);
    CHECK_THROWS_AS(f.at("missing"), io_error);
}

TEST_CASE("safetensors writer: float32 round trip keeps every bit (NaN payload, -0, inf, subnormal)") {
    const std::vector<float> v{-0.0f,
                               std::numeric_limits<float>::infinity(),
                               std::bit_cast<float>(0x7fc01234u),
                               std::numeric_limits<float>::denorm_min(),
                               1e-30f,
                               3.14159265f};
    st::writer w;
    w.add("v", {2, 3}, v);
    w.set_metadata("note", "quote \" backslash \\ newline \n tab \t unicode \xc3\xa9 ctrl \x01");
    const auto bytes = w.serialize();
    const auto f = st::file::parse(bytes, "mem");
    std::vector<float> back(6);
    f.read(f.at("v"), std::span<float>(back));
    for (std::size_t i = 0; i < v.size(); ++i)
        CHECK(std::bit_cast<std::uint32_t>(back[i]) == std::bit_cast<std::uint32_t>(v[i]));
    CHECK(*f.find_metadata("note") == "quote \" backslash \\ newline \n tab \t unicode \xc3\xa9 ctrl \x01");
    // Serializing what was read gives the same bytes again.
    st::writer again;
    for (const auto& e : f.tensors()) again.add(e.name, e.type, e.shape, f.bytes(e));
    for (const auto& [k, val] : f.metadata()) again.set_metadata(k, val);
    CHECK(again.serialize() == bytes);
}

TEST_CASE("safetensors writer: bad input is an argument_error") {
    st::writer w;
    w.add("a", {1}, std::vector<float>{1});
    CHECK_THROWS_AS(w.add("a", {1}, std::vector<float>{1}), argument_error);
    CHECK_THROWS_AS(w.add("__metadata__", {1}, std::vector<float>{1}), argument_error);
    CHECK_THROWS_AS(w.add("b", {3}, std::vector<float>{1, 2}), argument_error);
    CHECK_THROWS_AS(w.add("c", st::dtype::I16, {2}, raw({1, 2, 3})), argument_error);
    CHECK_THROWS_AS(w.add("d", st::dtype::U8, {1ull << 62, 1ull << 62}, {}), argument_error);
    w.add(std::string("bad\xff"), {1}, std::vector<float>{1});
    CHECK_THROWS_AS(w.serialize(), argument_error);
}

TEST_CASE("safetensors writer: saves are atomic and replace the previous file") {
    const testing::temp_directory scratch("isinggan-safetensors-writer");
    const auto& dir = scratch.path();
    const auto path = dir / "w.safetensors";
    st::writer first;
    first.add("x", {1}, std::vector<float>{1});
    first.save(path);
    st::writer second;
    second.add("x", {2}, std::vector<float>{2, 3});
    second.save(path);
    CHECK(st::file::open(path).read<float>("x") == std::vector<float>{2, 3});
    int entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++entries;
    CHECK(entries == 1);  // no temporary file left behind

    // A target that cannot be replaced (a directory) fails, names the path, leaves nothing behind.
    const auto blocked = dir / "blocked.safetensors";
    std::filesystem::create_directories(blocked / "inside");
    CHECK(testing::error_message<io_error>([&] { second.save(blocked); }).rfind(blocked.string() + ": ", 0) == 0);
    entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++entries;
    CHECK(entries == 2);
    CHECK_THROWS_AS(second.save(dir / "no" / "such" / "dir.safetensors"), io_error);
}

TEST_CASE("safetensors dtypes: every supported dtype converts as its definition says") {
    using st::dtype;
    CHECK(one(dtype::BOOL, {0}) == 0);
    CHECK(one(dtype::BOOL, {1}) == 1);
    CHECK(one(dtype::U8, {255}) == 255);
    CHECK(one(dtype::I8, {255}) == -1);
    CHECK(one(dtype::I16, {0x00, 0x80}) == -32768);
    CHECK(one(dtype::U16, {0xff, 0xff}) == 65535);
    CHECK(one(dtype::I32, {0xfe, 0xff, 0xff, 0xff}) == -2);
    CHECK(one(dtype::U32, {0xff, 0xff, 0xff, 0xff}) == 4294967295.0);
    CHECK(one(dtype::I64, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}) == -1);
    CHECK(one(dtype::U64, {0, 0, 0, 0, 0, 0, 0, 0x80}) == 9223372036854775808.0);
    CHECK(one(dtype::F32, {0x00, 0x00, 0x80, 0x3f}) == 1.0);
    CHECK(one(dtype::F64, {0, 0, 0, 0, 0, 0, 0xf0, 0xbf}) == -1.0);
    // IEEE half: normal, largest, smallest subnormal, infinities, NaN.
    CHECK(one(dtype::F16, {0x00, 0x3c}) == 1.0);
    CHECK(one(dtype::F16, {0x00, 0xc0}) == -2.0);
    CHECK(one(dtype::F16, {0xff, 0x7b}) == 65504.0);
    CHECK(one(dtype::F16, {0x01, 0x00}) == std::ldexp(1.0, -24));
    CHECK(one(dtype::F16, {0xff, 0x03}) == std::ldexp(1023.0, -24));
    CHECK(one(dtype::F16, {0x00, 0x7c}) == std::numeric_limits<double>::infinity());
    CHECK(one(dtype::F16, {0x00, 0xfc}) == -std::numeric_limits<double>::infinity());
    CHECK(std::isnan(one(dtype::F16, {0x00, 0x7e})));
    CHECK(std::signbit(one(dtype::F16, {0x00, 0x80})));
    // bfloat16 is the top half of a float32.
    CHECK(one(dtype::BF16, {0x80, 0x3f}) == 1.0);
    CHECK(one(dtype::BF16, {0xc9, 0x40}) == 6.28125);
    // float8 e4m3fn: bias 7, largest 448, S.1111.111 is NaN, no infinities.
    CHECK(one(dtype::F8_E4M3, {0x38}) == 1.0);
    CHECK(one(dtype::F8_E4M3, {0x7e}) == 448.0);
    CHECK(one(dtype::F8_E4M3, {0xfe}) == -448.0);
    CHECK(one(dtype::F8_E4M3, {0x08}) == std::ldexp(1.0, -6));
    CHECK(one(dtype::F8_E4M3, {0x01}) == std::ldexp(1.0, -9));
    CHECK(one(dtype::F8_E4M3, {0x78}) == 256.0);
    CHECK(std::isnan(one(dtype::F8_E4M3, {0x7f})));
    CHECK(std::isnan(one(dtype::F8_E4M3, {0xff})));
    // float8 e5m2: bias 15, infinities like half.
    CHECK(one(dtype::F8_E5M2, {0x3c}) == 1.0);
    CHECK(one(dtype::F8_E5M2, {0x7b}) == 57344.0);
    CHECK(one(dtype::F8_E5M2, {0x01}) == std::ldexp(1.0, -16));
    CHECK(one(dtype::F8_E5M2, {0x7c}) == std::numeric_limits<double>::infinity());
    CHECK(std::isnan(one(dtype::F8_E5M2, {0x7d})));
    // float8 e8m0: powers of two, 0xFF NaN.
    CHECK(one(dtype::F8_E8M0, {127}) == 1.0);
    CHECK(one(dtype::F8_E8M0, {130}) == 8.0);
    CHECK(one(dtype::F8_E8M0, {0}) == std::ldexp(1.0, -127));
    CHECK(std::isnan(one(dtype::F8_E8M0, {255})));
    // Complex has no real value; the raw bytes are still readable.
    CHECK_THROWS_AS(one(dtype::C64, {0, 0, 0, 0, 0, 0, 0, 0}), argument_error);
    st::writer w;
    w.add("c", dtype::C64, {1}, raw({0, 0, 0x80, 0x3f, 0, 0, 0, 0}));
    const auto f = st::file::parse(w.serialize(), "mem");
    CHECK(f.bytes(f.at("c")).size() == 8);
    CHECK_THROWS_AS(f.read<float>("c"), io_error);
    // Every name maps to its dtype and back; F4 and F6 are refused.
    for (const auto& t : st::dtype_table) CHECK(st::parse_dtype(t.name) == t.type);
    CHECK_FALSE(st::parse_dtype("F4"));
    CHECK_FALSE(st::parse_dtype("f32"));
}

TEST_CASE("safetensors dtypes: all 65536 half and bfloat16 patterns convert to the value their fields define") {
    // The definitions, evaluated in double: half = (-1)^s 2^(e-15) (1 + m/1024),
    // subnormal (-1)^s m 2^-24; bfloat16 = (-1)^s 2^(e-127) (1 + m/128),
    // subnormal (-1)^s m 2^-133. This file runs in the ISA matrix too, where
    // Eigen converts halves with F16C (x86-64-v3) or with integer code (x86-64).
    std::size_t wrong_half = 0, wrong_bf16 = 0;
    for (unsigned bits = 0; bits < 65536; ++bits) {
        const std::uint16_t b = static_cast<std::uint16_t>(bits);
        const double sign = (b & 0x8000u) ? -1.0 : 1.0;
        const auto half = static_cast<double>(st::detail::half_to_float(b));
        const unsigned he = (b >> 10) & 0x1Fu, hm = b & 0x3FFu;
        if (he == 0x1F)
            wrong_half += hm == 0 ? half != sign * std::numeric_limits<double>::infinity() : !std::isnan(half);
        else
            wrong_half += half != sign * (he == 0 ? std::ldexp(double(hm), -24) : std::ldexp(1024.0 + hm, int(he) - 25));
        const auto bf = static_cast<double>(st::detail::bfloat16_to_float(b));
        const unsigned be = (b >> 7) & 0xFFu, bm = b & 0x7Fu;
        if (be == 0xFF)
            wrong_bf16 += bm == 0 ? bf != sign * std::numeric_limits<double>::infinity() : !std::isnan(bf);
        else
            wrong_bf16 += bf != sign * (be == 0 ? std::ldexp(double(bm), -133) : std::ldexp(128.0 + bm, int(be) - 134));
        if (!std::isnan(half)) wrong_half += std::signbit(half) != bool(b & 0x8000u);  // -0 stays -0
    }
    CHECK(wrong_half == 0);
    CHECK(wrong_bf16 == 0);
}
