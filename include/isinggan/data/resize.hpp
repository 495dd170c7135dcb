#pragma once
// Resizing planar float images, separably, with a triangle (tent) filter.
//
// Enlarging, the tent is one source pixel wide: plain bilinear interpolation
// with half-pixel centres (PyTorch's align_corners=False). Shrinking, it is
// widened by the scale factor so every source pixel contributes: an
// antialiased average (PIL's bilinear resize, PyTorch's with antialias=True),
// so thin structures do not alias away when a 1040x1388 image becomes 64x64.
// At the border the tent is cut off and its weights renormalised.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"

namespace isinggan::data {

/// For each output index along one axis: the first source index it reads,
/// how many, and their weights (summing to 1).
struct resample_weights {
    std::size_t taps = 0;  ///< weights stored per output index (some may be 0)
    std::vector<std::size_t> first;
    std::vector<std::size_t> count;
    std::vector<float> weights;  ///< out * taps
};

inline resample_weights tent_weights(std::size_t in, std::size_t out) {
    if (in == 0 || out == 0) throw argument_error("tent_weights: sizes must be positive");
    const double scale = static_cast<double>(in) / static_cast<double>(out);
    const double width = std::max(scale, 1.0);  // filter half-width in source pixels
    resample_weights r;
    r.taps = static_cast<std::size_t>(std::ceil(width)) * 2 + 1;
    r.first.resize(out);
    r.count.resize(out);
    r.weights.assign(out * r.taps, 0.0f);
    std::vector<double> w(r.taps);
    for (std::size_t i = 0; i < out; ++i) {
        const double centre = (static_cast<double>(i) + 0.5) * scale;  // in source pixel units
        const auto lo = static_cast<std::ptrdiff_t>(std::floor(centre - width));
        const auto hi = static_cast<std::ptrdiff_t>(std::ceil(centre + width));
        const std::ptrdiff_t begin = std::max<std::ptrdiff_t>(lo, 0);
        const std::ptrdiff_t end = std::min<std::ptrdiff_t>(hi, static_cast<std::ptrdiff_t>(in));
        double total = 0.0;
        std::size_t n = 0;
        for (std::ptrdiff_t j = begin; j < end && n < r.taps; ++j, ++n) {
            const double d = std::abs((static_cast<double>(j) + 0.5 - centre) / width);
            w[n] = std::max(0.0, 1.0 - d);
            total += w[n];
        }
        r.first[i] = static_cast<std::size_t>(begin);
        r.count[i] = n;
        for (std::size_t k = 0; k < n; ++k) r.weights[i * r.taps + k] = static_cast<float>(w[k] / total);
    }
    return r;
}

/// Resizes `channels` planes of in_h x in_w floats at `src` to out_h x out_w at
/// `dst` (planar, channel after channel).
inline void resize_planes(const float* src, std::size_t channels, std::size_t in_h, std::size_t in_w, float* dst,
                          std::size_t out_h, std::size_t out_w) {
    if (in_h == 0 || in_w == 0 || out_h == 0 || out_w == 0)
        throw argument_error("resize_planes: cannot resize " + std::to_string(in_h) + "x" + std::to_string(in_w) +
                             " to " + std::to_string(out_h) + "x" + std::to_string(out_w));
    if (in_h == out_h && in_w == out_w) {
        std::copy(src, src + channels * in_h * in_w, dst);
        return;
    }
    const resample_weights wx = tent_weights(in_w, out_w);
    const resample_weights wy = tent_weights(in_h, out_h);
    std::vector<float> rows(in_h * out_w);  // horizontally resized, one channel
    for (std::size_t c = 0; c < channels; ++c) {
        const float* plane = src + c * in_h * in_w;
        for (std::size_t y = 0; y < in_h; ++y) {
            const float* row = plane + y * in_w;
            for (std::size_t x = 0; x < out_w; ++x) {
                const float* w = &wx.weights[x * wx.taps];
                const float* s = row + wx.first[x];
                float acc = 0.0f;
                for (std::size_t k = 0; k < wx.count[x]; ++k) acc += w[k] * s[k];
                rows[y * out_w + x] = acc;
            }
        }
        float* out = dst + c * out_h * out_w;
        for (std::size_t y = 0; y < out_h; ++y) {
            float* o = out + y * out_w;
            std::fill(o, o + out_w, 0.0f);
            const float* w = &wy.weights[y * wy.taps];
            for (std::size_t k = 0; k < wy.count[y]; ++k) {
                const float* r = &rows[(wy.first[y] + k) * out_w];
                const float wk = w[k];
                for (std::size_t x = 0; x < out_w; ++x) o[x] += wk * r[x];
            }
        }
    }
}

}  // namespace isinggan::data
