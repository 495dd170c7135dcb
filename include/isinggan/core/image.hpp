#pragma once
// image_buffer: a decoded raster, rows top to bottom, channels interleaved
// (grey, grey+alpha, RGB or RGBA). It is what the PNG reader (io/png.hpp)
// returns and what the preprocessing in data/ turns into NCHW tensors; a
// plain value type with no link dependency, so it lives in core/ and data/
// need not depend on io/ (io::image8 and the rest remain as names for it).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"

namespace isinggan {

template <class Sample>
struct image_buffer {
    using sample_type = Sample;

    std::size_t width = 0, height = 0;
    std::size_t channels = 0;  ///< 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA
    std::vector<Sample> samples;

    image_buffer() = default;
    image_buffer(std::size_t w, std::size_t h, std::size_t c, Sample fill = Sample{})
        : width(w), height(h), channels(c), samples(w * h * c, fill) {}

    bool empty() const noexcept { return samples.empty(); }
    std::size_t row_size() const noexcept { return width * channels; }

    Sample& operator()(std::size_t y, std::size_t x, std::size_t c) noexcept {
        return samples[(y * width + x) * channels + c];
    }
    const Sample& operator()(std::size_t y, std::size_t x, std::size_t c) const noexcept {
        return samples[(y * width + x) * channels + c];
    }

    std::string size_str() const { return std::to_string(width) + "x" + std::to_string(height); }
    friend bool operator==(const image_buffer&, const image_buffer&) = default;
};

using image8 = image_buffer<std::uint8_t>;
using image16 = image_buffer<std::uint16_t>;

/// True when the image has colour channels (RGB or RGBA) rather than grey.
template <class Sample>
bool has_colour(const image_buffer<Sample>& img) noexcept {
    return img.channels >= 3;
}

}  // namespace isinggan
