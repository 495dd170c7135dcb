#pragma once
// The element types of the safetensors format, their sizes and names, and
// the conversion of stored little-endian elements to float or double.
//
// The enumerators are declared in the order of the official implementation's
// `Dtype` enum, because its writer sorts tensors by that order (descending)
// and a file written here should be laid out the way that writer lays it out.
// The sub-byte types (F4, F6_*) are not supported: they are rejected by name.
#include <bit>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <Eigen/Core>

#include "isinggan/core/error.hpp"

namespace isinggan::safetensors {

enum class dtype : std::uint8_t {
    BOOL,
    U8,
    I8,
    F8_E5M2,
    F8_E4M3,
    F8_E8M0,
    I16,
    U16,
    F16,
    BF16,
    I32,
    U32,
    F32,
    C64,
    F64,
    I64,
    U64
};

struct dtype_traits {
    dtype type;
    std::string_view name;
    std::size_t size;  // bytes per element
};

inline constexpr dtype_traits dtype_table[] = {
    {dtype::BOOL, "BOOL", 1},       {dtype::U8, "U8", 1},           {dtype::I8, "I8", 1},
    {dtype::F8_E5M2, "F8_E5M2", 1}, {dtype::F8_E4M3, "F8_E4M3", 1}, {dtype::F8_E8M0, "F8_E8M0", 1},
    {dtype::I16, "I16", 2},         {dtype::U16, "U16", 2},         {dtype::F16, "F16", 2},
    {dtype::BF16, "BF16", 2},       {dtype::I32, "I32", 4},         {dtype::U32, "U32", 4},
    {dtype::F32, "F32", 4},         {dtype::C64, "C64", 8},         {dtype::F64, "F64", 8},
    {dtype::I64, "I64", 8},         {dtype::U64, "U64", 8},
};

constexpr const dtype_traits& traits(dtype t) {
    return dtype_table[static_cast<std::size_t>(t)];
}
constexpr std::string_view dtype_name(dtype t) {
    return traits(t).name;
}
constexpr std::size_t dtype_size(dtype t) {
    return traits(t).size;
}

/// The dtype with this name, or nothing for a name the format does not define
/// or that this reader does not support.
inline std::optional<dtype> parse_dtype(std::string_view name) {
    for (const auto& d : dtype_table)
        if (d.name == name) return d.type;
    return std::nullopt;
}

/// Whether elements of this type convert to real numbers (all but C64).
constexpr bool is_real(dtype t) {
    return t != dtype::C64;
}

namespace detail {

template <class U>
U load_le(const std::byte* p) {
    U v = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i) v |= static_cast<U>(std::to_integer<unsigned>(p[i])) << (8 * i);
    return v;
}

/// IEEE binary16 (Eigen::half: the F16C instruction where the build targets
/// it, exact integer code elsewhere; both give the same value for every pattern).
inline float half_to_float(std::uint16_t h) {
    return static_cast<float>(Eigen::numext::bit_cast<Eigen::half>(h));
}

/// bfloat16: the upper half of a float32.
inline float bfloat16_to_float(std::uint16_t b) {
    return static_cast<float>(Eigen::numext::bit_cast<Eigen::bfloat16>(b));
}

/// float8 e4m3 "fn": bias 7, no infinities, S.1111.111 is NaN.
inline float f8_e4m3_to_float(std::uint8_t b) {
    const unsigned exp = (b >> 3) & 0xFu, man = b & 0x7u;
    float mag;
    if (exp == 0xF && man == 0x7)
        mag = std::numeric_limits<float>::quiet_NaN();
    else if (exp == 0)
        mag = std::ldexp(static_cast<float>(man), -9);
    else
        mag = std::ldexp(static_cast<float>(8 + man), static_cast<int>(exp) - 10);
    return (b & 0x80) ? -mag : mag;
}

/// float8 e5m2 is the upper byte of an IEEE half.
inline float f8_e5m2_to_float(std::uint8_t b) {
    return half_to_float(static_cast<std::uint16_t>(b << 8));
}

/// float8 e8m0: an unsigned power of two, 2^(b - 127); 0xFF is NaN.
inline float f8_e8m0_to_float(std::uint8_t b) {
    if (b == 0xFF) return std::numeric_limits<float>::quiet_NaN();
    return static_cast<float>(std::ldexp(1.0, static_cast<int>(b) - 127));
}

template <class T, class F>
void convert_each(std::span<const std::byte> in, std::size_t size, std::span<T> out, F&& element) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<T>(element(in.data() + i * size));
}

}  // namespace detail

/// Converts the little-endian elements in `in` (type `t`) to `out` (float or
/// double). `in` must hold exactly out.size() elements; C64 has no real value
/// and throws argument_error.
template <class T>
requires std::same_as<T, float> || std::same_as<T, double>
void convert(dtype t, std::span<const std::byte> in, std::span<T> out) {
    using namespace detail;
    const std::size_t size = dtype_size(t);
    if (in.size() != out.size() * size)
        throw argument_error("safetensors::convert: " + std::to_string(in.size()) + " bytes of " +
                             std::string(dtype_name(t)) + " do not make " + std::to_string(out.size()) + " elements");
    auto each = [&](auto&& f) { convert_each(in, size, out, f); };
    switch (t) {
        case dtype::BOOL:
            each([](const std::byte* p) { return std::to_integer<unsigned>(*p) != 0 ? 1.0 : 0.0; });
            break;
        case dtype::U8:
            each([](const std::byte* p) { return load_le<std::uint8_t>(p); });
            break;
        case dtype::I8:
            each([](const std::byte* p) { return static_cast<std::int8_t>(load_le<std::uint8_t>(p)); });
            break;
        case dtype::F8_E5M2:
            each([](const std::byte* p) { return f8_e5m2_to_float(load_le<std::uint8_t>(p)); });
            break;
        case dtype::F8_E4M3:
            each([](const std::byte* p) { return f8_e4m3_to_float(load_le<std::uint8_t>(p)); });
            break;
        case dtype::F8_E8M0:
            each([](const std::byte* p) { return f8_e8m0_to_float(load_le<std::uint8_t>(p)); });
            break;
        case dtype::I16:
            each([](const std::byte* p) { return static_cast<std::int16_t>(load_le<std::uint16_t>(p)); });
            break;
        case dtype::U16:
            each([](const std::byte* p) { return load_le<std::uint16_t>(p); });
            break;
        case dtype::F16:
            each([](const std::byte* p) { return half_to_float(load_le<std::uint16_t>(p)); });
            break;
        case dtype::BF16:
            each([](const std::byte* p) { return bfloat16_to_float(load_le<std::uint16_t>(p)); });
            break;
        case dtype::I32:
            each([](const std::byte* p) { return static_cast<std::int32_t>(load_le<std::uint32_t>(p)); });
            break;
        case dtype::U32:
            each([](const std::byte* p) { return load_le<std::uint32_t>(p); });
            break;
        case dtype::F32:
            each([](const std::byte* p) { return std::bit_cast<float>(load_le<std::uint32_t>(p)); });
            break;
        case dtype::F64:
            each([](const std::byte* p) { return std::bit_cast<double>(load_le<std::uint64_t>(p)); });
            break;
        case dtype::I64:
            each([](const std::byte* p) { return static_cast<std::int64_t>(load_le<std::uint64_t>(p)); });
            break;
        case dtype::U64:
            each([](const std::byte* p) { return load_le<std::uint64_t>(p); });
            break;
        case dtype::C64:
            throw argument_error("safetensors::convert: C64 (complex) elements have no real value");
    }
}

/// Stores `values` into `out` as little-endian F32 bytes (bit patterns kept, NaN payloads included).
inline void store_f32(std::span<const float> values, std::span<std::byte> out) {
    for (std::size_t i = 0; i < values.size(); ++i) {
        const auto bits = std::bit_cast<std::uint32_t>(values[i]);
        for (int b = 0; b < 4; ++b) out[4 * i + b] = static_cast<std::byte>((bits >> (8 * b)) & 0xFFu);
    }
}

}  // namespace isinggan::safetensors
