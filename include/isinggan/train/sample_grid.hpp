#pragma once
// A grid of generated (image, mask) pairs in the style of the paper's
// Fig. 1: each image with its mask's outline drawn over it as a green border.
// A pixel is on the outline when it is inside the mask (≥ 0.5) and one of its
// 4 neighbours is outside; the frame of the image does not count as outside.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>

#include "isinggan/core/error.hpp"
#include "isinggan/core/tensor.hpp"
#include "isinggan/io/image.hpp"
#include "isinggan/io/png.hpp"

namespace isinggan::train {

/// True when pixel (y, x) of the S × S plane `m` is on the mask's outline.
inline bool on_outline(const float* m, std::size_t s, std::size_t y, std::size_t x) {
    auto inside = [&](std::size_t yy, std::size_t xx) { return m[yy * s + xx] >= 0.5f; };
    if (!inside(y, x)) return false;
    return (y > 0 && !inside(y - 1, x)) || (y + 1 < s && !inside(y + 1, x)) || (x > 0 && !inside(y, x - 1)) ||
           (x + 1 < s && !inside(y, x + 1));
}

/// Tiles images [N, 3, S, S] (in [−1, 1]) with their masks' outlines in
/// green, `columns` per row, `gap` pixels of white between tiles.
inline io::image8 sample_grid(const tensor<cpu>& images, const tensor<cpu>& masks, std::size_t columns,
                              std::size_t gap = 2) {
    const shape4 is = images.shape();
    if (is.c != 3 || is.h != is.w) throw shape_error("sample_grid: images must be [N, 3, S, S], got " + is.str());
    require_shape(masks.shape(), shape4{is.n, 1, is.h, is.w}, "sample_grid masks");
    if (is.n == 0 || columns == 0) throw argument_error("sample_grid: nothing to draw (no samples or no columns)");
    const std::size_t s = is.h, cols = std::min(columns, is.n), rows = (is.n + cols - 1) / cols;
    io::image8 grid(cols * s + (cols + 1) * gap, rows * s + (rows + 1) * gap, 3, 255);
    for (std::size_t n = 0; n < is.n; ++n) {
        const std::size_t top = gap + (n / cols) * (s + gap), left = gap + (n % cols) * (s + gap);
        const float* m = masks.plane(n, 0);
        for (std::size_t y = 0; y < s; ++y)
            for (std::size_t x = 0; x < s; ++x) {
                const bool edge = on_outline(m, s, y, x);
                for (std::size_t c = 0; c < 3; ++c) {
                    const float v = std::clamp(images(n, c, y, x), -1.0f, 1.0f);
                    const auto level = static_cast<std::uint8_t>(std::lround((v + 1.0f) * 127.5f));
                    grid(top + y, left + x, c) = edge ? (c == 1 ? 255 : 0) : level;
                }
            }
    }
    return grid;
}

/// sample_grid written as a PNG (a square-ish grid: ⌈√N⌉ columns).
inline void write_sample_grid(const std::filesystem::path& path, const tensor<cpu>& images, const tensor<cpu>& masks) {
    const auto columns = static_cast<std::size_t>(std::ceil(std::sqrt(double(std::max<std::size_t>(images.n(), 1)))));
    io::write_png(path, sample_grid(images, masks, columns));
}

}  // namespace isinggan::train
