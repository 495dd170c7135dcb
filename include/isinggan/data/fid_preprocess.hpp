#pragma once
// Turning an image into the Inception input as pytorch-fid does:
//   PIL convert("RGB") → ToTensor (byte / 255 in float) →
//   F.interpolate(size=(299, 299), mode="bilinear", align_corners=False)
//   (no antialias) → 2x − 1.
//
// The resize follows PyTorch's CPU kernel as its source describes it, in
// float: the scale is in/out in float, a destination index maps to the
// source coordinate scale * (i + 0.5) − 0.5 (evaluated in double, as
// PyTorch's mixed int/float expression is, then rounded to float and
// clamped at 0), and the two taps per axis are blended rows first:
// (x00 w0 + x01 w1) h0 + (x10 w0 + x11 w1) h1. Against PyTorch 1.13
// (tests/metrics/fid_preprocess.cpp, on a fixture) the outputs agree to a
// few float ulps, not bit for bit: that build's weights differ from these
// in their last bits. The input's quantum is 1/255, so FID is unaffected.
// Shrinking is not antialiased either: pytorch-fid does not antialias.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/io/image.hpp"

namespace isinggan::data {

/// The side of pytorch-fid's Inception input.
inline constexpr std::size_t fid_input_size = 299;

/// Per output index along one axis: the two source indices and their weights.
struct bilinear_taps {
    std::vector<std::size_t> first, second;
    std::vector<float> first_weight, second_weight;
};

/// PyTorch's bilinear (align_corners=False, no antialias) taps for in → out.
inline bilinear_taps bilinear_taps_for(std::size_t in, std::size_t out) {
    if (in == 0 || out == 0) throw argument_error("bilinear resize: sizes must be positive");
    bilinear_taps t;
    t.first.resize(out);
    t.second.resize(out);
    t.first_weight.resize(out);
    t.second_weight.resize(out);
    const float scale = static_cast<float>(in) / static_cast<float>(out);
    for (std::size_t i = 0; i < out; ++i) {
        if (in == out) {  // PyTorch copies when the size does not change
            t.first[i] = t.second[i] = i;
            t.first_weight[i] = 1.0f;
            t.second_weight[i] = 0.0f;
            continue;
        }
        float src = static_cast<float>(static_cast<double>(scale) * (static_cast<double>(i) + 0.5) - 0.5);
        if (src < 0.0f) src = 0.0f;
        const auto i0 = static_cast<std::size_t>(src);
        t.first[i] = i0;
        t.second[i] = i0 + (i0 < in - 1 ? 1 : 0);
        float lambda = src - static_cast<float>(i0);
        lambda = lambda < 0.0f ? 0.0f : (lambda > 1.0f ? 1.0f : lambda);
        t.second_weight[i] = lambda;
        t.first_weight[i] = 1.0f - lambda;
    }
    return t;
}

/// Resizes one plane (row-major, in_h × in_w) into `dst` (out_h × out_w).
inline void resize_bilinear_plane(const float* src, std::size_t in_h, std::size_t in_w, float* dst,
                                  std::size_t out_h, std::size_t out_w) {
    const bilinear_taps rows = bilinear_taps_for(in_h, out_h);
    const bilinear_taps cols = bilinear_taps_for(in_w, out_w);
    for (std::size_t y = 0; y < out_h; ++y) {
        const float* r0 = src + rows.first[y] * in_w;
        const float* r1 = src + rows.second[y] * in_w;
        const float h0 = rows.first_weight[y], h1 = rows.second_weight[y];
        float* out = dst + y * out_w;
        for (std::size_t x = 0; x < out_w; ++x) {
            const std::size_t c0 = cols.first[x], c1 = cols.second[x];
            const float w0 = cols.first_weight[x], w1 = cols.second_weight[x];
            // Separate statements keep the compiler from fusing into FMAs that PyTorch does not use.
            const float top = r0[c0] * w0 + r0[c1] * w1;
            const float bottom = r1[c0] * w0 + r1[c1] * w1;
            const float a = top * h0;
            const float b = bottom * h1;
            out[x] = a + b;
        }
    }
}

/// The RGB planes of `img` in [0, 1] (3 × height × width floats), as PIL's
/// convert("RGB") and ToTensor give them: grey is repeated into all three
/// channels and alpha is dropped (not composited).
inline std::vector<float> rgb_unit_planes(const io::image8& img) {
    if (img.width == 0 || img.height == 0 || img.channels < 1 || img.channels > 4 ||
        img.samples.size() != img.width * img.height * img.channels)
        throw argument_error("FID preprocessing: image of size " + img.size_str() + " with " +
                             std::to_string(img.channels) + " channels is malformed");
    const std::size_t plane = img.width * img.height;
    std::vector<float> out(3 * plane);
    const bool colour = img.channels >= 3;
    for (std::size_t p = 0; p < plane; ++p) {
        const std::uint8_t* px = img.samples.data() + p * img.channels;
        for (std::size_t c = 0; c < 3; ++c)
            out[c * plane + p] = static_cast<float>(px[colour ? c : 0]) / 255.0f;
    }
    return out;
}

/// Writes the 3 × 299 × 299 Inception input for `img` to `dst`.
inline void fid_input_from_image(const io::image8& img, float* dst) {
    const std::vector<float> planes = rgb_unit_planes(img);
    const std::size_t plane = img.width * img.height, out_plane = fid_input_size * fid_input_size;
    for (std::size_t c = 0; c < 3; ++c) {
        float* out = dst + c * out_plane;
        resize_bilinear_plane(planes.data() + c * plane, img.height, img.width, out, fid_input_size, fid_input_size);
        for (std::size_t i = 0; i < out_plane; ++i) out[i] = 2.0f * out[i] - 1.0f;
    }
}

}  // namespace isinggan::data
