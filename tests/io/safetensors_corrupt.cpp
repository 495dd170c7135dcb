// Corrupt and hostile safetensors files: each gives an io_error that starts
// with the file's name and says what is wrong, never a crash or a read
// outside the buffer (the suite also runs under the sanitizers and the fuzzer).
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "isinggan/io/safetensors.hpp"
#include "support/error_message.hpp"
#include "support/temp_directory.hpp"

using namespace isinggan;
namespace st = isinggan::safetensors;

namespace {

std::vector<std::byte> bytes_of(const std::string& s) {
    std::vector<std::byte> b(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) b[i] = static_cast<std::byte>(s[i]);
    return b;
}

// A file whose length field is `length` (by default the header's size).
std::vector<std::byte> make_file(const std::string& header, std::size_t data_bytes, std::uint64_t length) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((length >> (8 * i)) & 0xFF);
    s += header;
    s.append(data_bytes, '\x01');
    return bytes_of(s);
}
std::vector<std::byte> make_file(const std::string& header, std::size_t data_bytes) {
    return make_file(header, data_bytes, header.size());
}

// The message of the io_error that parsing `bytes` throws ("" when none is thrown).
std::string load_error(const std::vector<std::byte>& bytes) {
    return testing::error_message<io_error>([&] { st::file::parse(bytes, "bad.safetensors"); });
}

// Checks the error names the file and contains `expected`.
void check_error(const std::vector<std::byte>& bytes, const std::string& expected) {
    const std::string msg = load_error(bytes);
    INFO("message: " << msg);
    CHECK(msg.rfind("bad.safetensors: ", 0) == 0);
    CHECK(msg.find(expected) != std::string::npos);
}

const std::string one_f32 = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";

}  // namespace

TEST_CASE("safetensors corrupt: a well-formed file is accepted (the baseline of the cases below)") {
    CHECK(load_error(make_file(one_f32, 8)).empty());
    CHECK(load_error(make_file("{}", 0)).empty());
    CHECK(load_error(make_file(one_f32 + "   ", 8)).empty());  // padding spaces
}

TEST_CASE("safetensors corrupt: truncated files and impossible header lengths") {
    check_error({}, "truncated: 0 bytes");
    check_error(bytes_of(std::string("\x02\0\0\0\0\0\0", 7)), "truncated: 7 bytes");
    check_error(make_file(one_f32, 8, one_f32.size() + 9),
                "header length " + std::to_string(one_f32.size() + 9) + " exceeds");
    check_error(make_file(one_f32, 8, UINT64_MAX), "header length 18446744073709551615 exceeds");
    check_error(make_file(one_f32, 4), "run past the data section's 4 bytes");
    auto cut = make_file(one_f32, 8);
    cut.resize(20);
    check_error(cut, "exceeds");
}

TEST_CASE("safetensors corrupt: malformed JSON headers") {
    check_error(make_file("", 0), "header does not start with '{'");
    check_error(make_file("[1,2]", 0), "header does not start with '{'");
    check_error(make_file(R"({"a":{"dtype":"F32")", 0), "malformed safetensors header");
    check_error(make_file(R"({"a":1} x)", 0), "unexpected text after the JSON value");
    check_error(make_file(R"({"a" 1})", 0), "expected ':'");
    check_error(make_file(std::string("{\"a\xff\":1}"), 0), "invalid UTF-8");
    check_error(make_file("{\"a\":\"x\ny\"}", 0), "control character");
    check_error(make_file(R"({"a":"\q"})", 0), "invalid escape");
    check_error(make_file(R"({"a":"\ud800"})", 0), "surrogate");
    check_error(make_file(std::string("{\"a\":") + std::string(100000, '['), 0), "nesting deeper than 32");
    check_error(make_file(R"({"x":1, "x":2})", 0), "duplicate key \"x\"");
    check_error(make_file(R"({"__metadata__":{"k":"v"},"__metadata__":{}})", 0), "duplicate key \"__metadata__\"");
    check_error(make_file(R"({"a":01})", 0), "expected '}'");  // a leading zero ends the number
    check_error(make_file(R"({"a":tru})", 0), "invalid literal");
}

TEST_CASE("safetensors corrupt: bad tensor entries") {
    check_error(make_file(R"({"a":[1]})", 0), "tensor \"a\": header entry is not a JSON object");
    check_error(make_file(R"({"a":{"dtype":"F32","shape":[2]}})", 8), "tensor \"a\": needs the fields");
    check_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}})", 8),
                "unknown field \"extra\"");
    check_error(make_file(R"({"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}})", 8),
                "unknown or unsupported dtype \"F33\"");
    check_error(make_file(R"({"a":{"dtype":"F4","shape":[2],"data_offsets":[0,1]}})", 1), "unsupported dtype \"F4\"");
    check_error(make_file(R"({"a":{"dtype":7,"shape":[2],"data_offsets":[0,8]}})", 8), "dtype is not a string");
    check_error(make_file(R"({"a":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})", 8), "shape is not an array");
    check_error(make_file(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8), "non-negative integer");
    check_error(make_file(R"({"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", 8), "non-negative integer");
    check_error(make_file(R"({"a":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}})", 8),
                "non-negative integer");
    check_error(make_file(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", 0),
                "more elements than can be addressed");
    check_error(make_file(R"({"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}})", 0),
                "more elements than can be addressed");
    check_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", 8),
                "not an array of two integers");
    check_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8), "end before they begin");
    check_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}})", 12),
                "span 12 bytes, but F32 [2] needs 8");
    check_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,"8"]}})", 8), "non-negative integer");
}

TEST_CASE("safetensors corrupt: offsets that overlap, leave gaps, leave the data or leave bytes over") {
    const std::string two =
        R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":)";
    CHECK(load_error(make_file(two + "[8,16]}}", 16)).empty());
    check_error(make_file(two + "[4,12]}}", 16),
                "tensor \"b\": data_offsets [4, 12] overlap the previous tensor, which ends at 8");
    check_error(make_file(two + "[0,8]}}", 8), "overlap the previous tensor");
    check_error(make_file(two + "[12,20]}}", 20), "tensor \"b\": data_offsets start at 12, leaving a gap after byte 8");
    check_error(make_file(two + "[8,16]}}", 12),
                "tensor \"b\": data_offsets [8, 16] run past the data section's 12 bytes");
    check_error(make_file(two + "[18446744073709551608,18446744073709551616]}}", 16), "non-negative integer");
    check_error(make_file(two + "[18446744073709551607,18446744073709551615]}}", 16), "run past the data section");
    check_error(make_file(two + "[8,16]}}", 20), "cover 16 bytes of the 20-byte data section (trailing bytes)");
    check_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12),
                "leaving a gap after byte 0");
}

TEST_CASE("safetensors corrupt: bad metadata") {
    check_error(make_file(R"({"__metadata__":["a"]})", 0), "__metadata__ is not a JSON object");
    check_error(make_file(R"({"__metadata__":{"step":3}})", 0), "__metadata__ value of \"step\" is not a string");
}

TEST_CASE("safetensors corrupt: files on disk: missing, truncated, errors name the path") {
    const testing::temp_directory scratch("isinggan-safetensors-corrupt");
    const auto& dir = scratch.path();
    const auto missing = dir / "missing.safetensors";
    std::filesystem::remove(missing);
    CHECK(testing::error_message<io_error>([&] { st::file::open(missing); }) ==
          missing.string() + ": cannot open for reading");
    const auto truncated = dir / "truncated.safetensors";
    auto bytes = make_file(one_f32, 8);
    bytes.resize(bytes.size() - 3);
    {
        std::ofstream out(truncated, std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    const std::string msg = testing::error_message<io_error>([&] { st::file::open(truncated); });
    CHECK(msg.rfind(truncated.string() + ": ", 0) == 0);
    CHECK(testing::mentions(msg, "run past the data section's 5 bytes"));
    const auto tiny = dir / "tiny.safetensors";
    {
        std::ofstream out(tiny, std::ios::binary);
        out.write("\xff\xff\xff\xff", 4);
    }
    CHECK_THROWS_AS(st::file::open(tiny), io_error);
    CHECK(testing::error_message<io_error>([&] { st::file::open(dir); }) ==
          dir.string() + ": is a directory, not a safetensors file");
}
