#pragma once
// numpy's .npy array format: "\x93NUMPY", a version, a header length, a
// Python dict literal {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
// padded with spaces, then the raw elements. Used by io/npz.hpp.
//
// Real little-endian types (<f8, <f4) are read, converted to double; both
// element orders are accepted and the values returned in C (row-major) order.
//
// Why not xt::load_npy (xtensor/xnpy.hpp): it trusts the header. Tried with
// xtensor 0.24: a file whose header says (1000,) but holds 10 values loads
// as 1000 values without an error (the stream's short read is not checked),
// and a header of shape (10^14,) ends in std::bad_alloc. The pytorch-fid
// statistics this reads come from users, so this reader checks the sizes
// against the bytes present and names the file in every error.
#include <cctype>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "isinggan/core/error.hpp"

namespace isinggan::npy {

/// An array of doubles in C order.
struct array {
    std::vector<std::size_t> shape;
    std::vector<double> values;
};

/// "(3, 4)" for messages.
inline std::string shape_string(const std::vector<std::size_t>& shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

namespace detail {

/// The text after `'key':` in the header dict, with leading spaces skipped.
inline std::string_view dict_value(std::string_view header, std::string_view key, const std::string& name) {
    const std::string quoted = "'" + std::string(key) + "'";
    const auto at = header.find(quoted);
    if (at == std::string_view::npos) throw io_error(name + ": .npy header has no '" + std::string(key) + "'");
    auto rest = header.substr(at + quoted.size());
    std::size_t i = 0;
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == ':')) ++i;
    return rest.substr(i);
}

}  // namespace detail

/// Parses one .npy file held in memory; `name` prefixes error messages.
inline array parse(std::span<const unsigned char> bytes, const std::string& name) {
    auto fail = [&](const std::string& why) -> void { throw io_error(name + ": " + why); };
    if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0) fail("not a .npy array");
    const int major = bytes[6];
    std::size_t header_len = 0, at = 0;
    if (major == 1) {
        header_len = bytes[8] | std::size_t(bytes[9]) << 8;
        at = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12) fail("truncated .npy header");
        header_len = bytes[8] | std::size_t(bytes[9]) << 8 | std::size_t(bytes[10]) << 16 | std::size_t(bytes[11]) << 24;
        at = 12;
    } else {
        fail(".npy version " + std::to_string(major) + " is not supported");
    }
    if (header_len > bytes.size() - at) fail("truncated .npy header");
    const std::string_view header(reinterpret_cast<const char*>(bytes.data()) + at, header_len);
    at += header_len;

    const auto descr_text = detail::dict_value(header, "descr", name);
    if (descr_text.size() < 2 || descr_text[0] != '\'') fail(".npy 'descr' is not a string");
    const auto descr = descr_text.substr(1, descr_text.find('\'', 1) - 1);
    std::size_t item = 0;
    if (descr == "<f8")
        item = 8;
    else if (descr == "<f4")
        item = 4;
    else
        fail(".npy element type '" + std::string(descr) + "' is not supported (float64 or float32 expected)");

    const auto order = detail::dict_value(header, "fortran_order", name);
    const bool fortran = order.starts_with("True");
    if (!fortran && !order.starts_with("False")) fail(".npy 'fortran_order' is neither True nor False");

    const auto shape_text = detail::dict_value(header, "shape", name);
    if (shape_text.empty() || shape_text[0] != '(') fail(".npy 'shape' is not a tuple");
    array a;
    std::size_t count = 1;
    for (std::size_t i = 1;; ) {
        while (i < shape_text.size() && (shape_text[i] == ' ' || shape_text[i] == ',')) ++i;
        if (i >= shape_text.size()) fail(".npy 'shape' is not closed");
        if (shape_text[i] == ')') break;
        if (!std::isdigit(static_cast<unsigned char>(shape_text[i]))) fail(".npy 'shape' holds a non-integer");
        std::uint64_t d = 0;
        while (i < shape_text.size() && std::isdigit(static_cast<unsigned char>(shape_text[i]))) {
            d = d * 10 + std::uint64_t(shape_text[i++] - '0');
            if (d > (std::uint64_t{1} << 40)) fail(".npy dimension too large");
        }
        if (d != 0 && count > (std::uint64_t{1} << 40) / d) fail(".npy array too large");
        count *= static_cast<std::size_t>(d);
        a.shape.push_back(static_cast<std::size_t>(d));
    }
    if (bytes.size() - at != count * item)
        fail(".npy data holds " + std::to_string(bytes.size() - at) + " bytes, but " + std::string(descr) + " " +
             shape_string(a.shape) + " needs " + std::to_string(count * item));

    a.values.resize(count);
    const unsigned char* p = bytes.data() + at;
    for (std::size_t i = 0; i < count; ++i) {
        std::uint64_t bits = 0;
        for (std::size_t b = item; b-- > 0;) bits = bits << 8 | p[i * item + b];
        if (item == 8) {
            std::memcpy(&a.values[i], &bits, 8);
        } else {
            const auto b32 = static_cast<std::uint32_t>(bits);
            float f;
            std::memcpy(&f, &b32, 4);
            a.values[i] = f;
        }
    }
    if (fortran && a.shape.size() > 1) {
        // Column-major → row-major: element (i0..ik) sits at Σ i_j * stride_j with stride_0 = 1.
        std::vector<double> c_order(count);
        const std::size_t rank = a.shape.size();
        std::vector<std::size_t> index(rank, 0);
        for (std::size_t flat = 0; flat < count; ++flat) {
            std::size_t f = 0, stride = 1;
            for (std::size_t j = 0; j < rank; ++j) {
                f += index[j] * stride;
                stride *= a.shape[j];
            }
            c_order[flat] = a.values[f];
            for (std::size_t j = rank; j-- > 0;) {
                if (++index[j] < a.shape[j]) break;
                index[j] = 0;
            }
        }
        a.values = std::move(c_order);
    }
    return a;
}

/// The .npy bytes (version 1.0, <f8, C order) of `a`.
inline std::vector<unsigned char> serialize(const array& a) {
    std::size_t count = 1;
    for (auto d : a.shape) count *= d;
    if (count != a.values.size())
        throw argument_error("npy::serialize: shape " + shape_string(a.shape) + " needs " + std::to_string(count) +
                             " values, got " + std::to_string(a.values.size()));
    std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape_string(a.shape) + ", }";
    // numpy pads so that the data starts at a multiple of 64 bytes.
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::vector<unsigned char> out = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    out.push_back(static_cast<unsigned char>(header.size() & 0xFF));
    out.push_back(static_cast<unsigned char>(header.size() >> 8));
    out.insert(out.end(), header.begin(), header.end());
    for (double v : a.values) {
        std::uint64_t bits;
        std::memcpy(&bits, &v, 8);
        for (int b = 0; b < 8; ++b) out.push_back(static_cast<unsigned char>(bits >> (8 * b)));
    }
    return out;
}

}  // namespace isinggan::npy
