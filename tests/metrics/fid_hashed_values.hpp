#pragma once
// The counter-based random values that tests/reference/make_fid_fixtures.py
// draws (splitmix64 of stream * C1 + index * C2): large inputs such as 2048-d
// feature sets and Inception's weights are regenerated here, bit for bit,
// instead of being committed.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "isinggan/io/image.hpp"

namespace isinggan::testing {

inline double hashed_uniform(std::uint64_t stream, std::uint64_t index) {
    std::uint64_t z = stream * 0xD1B54A32D192ED03ULL + index * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-53;
}

inline std::vector<double> hashed_uniforms(std::uint64_t stream, std::size_t count) {
    std::vector<double> v(count);
    for (std::size_t i = 0; i < count; ++i) v[i] = hashed_uniform(stream, i);
    return v;
}

/// make_fid_fixtures.hashed_bytes(stream, 3, h, w) as an RGB image.
inline io::image8 hashed_image(std::uint64_t stream, std::size_t h, std::size_t w) {
    const auto u = hashed_uniforms(stream, 3 * h * w);
    io::image8 img(w, h, 3);
    for (std::size_t c = 0; c < 3; ++c)
        for (std::size_t y = 0; y < h; ++y)
            for (std::size_t x = 0; x < w; ++x)
                img(y, x, c) = static_cast<std::uint8_t>(std::floor(u[(c * h + y) * w + x] * 256.0));
    return img;
}

}  // namespace isinggan::testing
