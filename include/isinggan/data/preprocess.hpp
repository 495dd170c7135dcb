#pragma once
// The paper's preprocessing (sec. 3): a decoded image becomes RGB (alpha
// dropped, grey copied to three equal channels), is resized to S x S and
// mapped from [0, 255] to [-1, 1]; its mask is resized the same way and
// thresholded at 0.5, so it stays aligned with the image and holds only 0 or 1.
#include <algorithm>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/data/resize.hpp"
#include "isinggan/core/image.hpp"

namespace isinggan::data {

/// Writes the 3 x size x size planes of `img`, preprocessed, to `dst`.
template <class Sample>
void preprocess_image(const image_buffer<Sample>& img, std::size_t size, float* dst) {
    if (img.empty() || img.channels < 1 || img.channels > 4)
        throw argument_error("preprocess_image: need a non-empty image with 1 to 4 channels, got " + img.size_str() +
                             " with " + std::to_string(img.channels) + " channels");
    const std::size_t colours = img.channels >= 3 ? 3 : 1;  // grey(+alpha) or RGB(A)
    const std::size_t plane = img.width * img.height;
    const float scale = 1.0f / static_cast<float>(std::numeric_limits<Sample>::max());
    std::vector<float> planes(colours * plane);
    for (std::size_t i = 0; i < plane; ++i)
        for (std::size_t c = 0; c < colours; ++c)
            planes[c * plane + i] = static_cast<float>(img.samples[i * img.channels + c]) * scale;
    const std::size_t out_plane = size * size;
    resize_planes(planes.data(), colours, img.height, img.width, dst, size, size);
    if (colours == 1) {
        std::copy(dst, dst + out_plane, dst + out_plane);
        std::copy(dst, dst + out_plane, dst + 2 * out_plane);
    }
    for (std::size_t i = 0; i < 3 * out_plane; ++i) dst[i] = std::clamp(2.0f * dst[i] - 1.0f, -1.0f, 1.0f);
}

/// Writes the size x size binary mask of a width x height mask given as one
/// byte per pixel (nonzero = nucleus) to `dst`.
inline void preprocess_mask(const std::uint8_t* mask, std::size_t width, std::size_t height, std::size_t size,
                            float* dst) {
    std::vector<float> plane(width * height);
    for (std::size_t i = 0; i < plane.size(); ++i) plane[i] = mask[i] ? 1.0f : 0.0f;
    resize_planes(plane.data(), 1, height, width, dst, size, size);
    for (std::size_t i = 0; i < size * size; ++i) dst[i] = dst[i] >= 0.5f ? 1.0f : 0.0f;
}

}  // namespace isinggan::data
