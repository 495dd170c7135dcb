#pragma once
// The shape of an NCHW tensor. Every tensor in isinggan has four dimensions;
// a batch of vectors (a dense layer's input) is N x F x 1 x 1.
#include <array>
#include <cstddef>
#include <string>

#include "isinggan/core/error.hpp"

namespace isinggan {

struct shape4 {
    std::size_t n = 0, c = 0, h = 0, w = 0;

    constexpr std::size_t size() const noexcept { return n * c * h * w; }
    /// Elements in one sample (C*H*W) and in one channel plane (H*W).
    constexpr std::size_t sample_size() const noexcept { return c * h * w; }
    constexpr std::size_t plane_size() const noexcept { return h * w; }
    constexpr bool empty() const noexcept { return size() == 0; }
    constexpr std::array<std::size_t, 4> dims() const noexcept { return {n, c, h, w}; }
    friend constexpr bool operator==(const shape4&, const shape4&) = default;

    std::string str() const {
        std::string s = "[";
        s += std::to_string(n);
        s += ", ";
        s += std::to_string(c);
        s += ", ";
        s += std::to_string(h);
        s += ", ";
        s += std::to_string(w);
        s += ']';
        return s;
    }
};

/// Throws shape_error unless `actual == expected`; `what` says which operand it is.
inline void require_shape(const shape4& actual, const shape4& expected, const char* what) {
    if (actual != expected)
        throw shape_error(std::string(what) + ": shape " + actual.str() + " does not match expected " +
                          expected.str());
}

/// Throws shape_error when any dimension is zero.
inline void require_nonempty(const shape4& s, const char* what) {
    if (s.n == 0 || s.c == 0 || s.h == 0 || s.w == 0)
        throw shape_error(std::string(what) + ": shape " + s.str() + " has a zero-sized dimension");
}

}  // namespace isinggan
