#pragma once
// Turning an image into the Inception input as pytorch-fid does:
//   PIL convert("RGB") → ToTensor (byte / 255 in float) →
//   F.interpolate(size=(299, 299), mode="bilinear", align_corners=False)
//   (no antialias) → 2x − 1.
//
// The resize reproduces PyTorch 1.13's CPU float32 kernel bit for bit, as
// found by experiment against that build (tests/metrics/fid_preprocess.cpp
// checks equality of every float on a fixture):
//  * weights, per axis and output index i: scale = float(in) / float(out);
//    the source coordinate real = scale * (i + 0.5) − 0.5 is evaluated in
//    double (PyTorch's int + 0.5 makes the expression double) and clamped at
//    0; i0 = int(real), i1 = i0 + 1 unless i0 is the last index;
//    lambda1 = float(real − i0) (the fraction taken in double, then rounded
//    once to float, clamped to [0, 1]); lambda0 = 1 − lambda1 in float.
//    Rounding real to float before taking the fraction, or computing it all
//    in float, changes a last bit of most weights.
//  * blend, with t0, t1 the two taps along an axis: fma(t0, w0, t1 * w1),
//    first along the width, then the same along the height:
//      out = fma(fma(x00, w0, x01 w1), h0, fma(x10, w0, x11 w1) h1).
//    PyTorch writes t0 w0 + t1 w1; its AVX2 and AVX-512 kernel builds are
//    compiled with FMA enabled and contracted exactly this way, and on an
//    AVX2 or AVX-512 CPU (the usual case) those kernels run. On a CPU
//    without AVX2 (or with ATEN_CPU_CAPABILITY=default) PyTorch rounds each
//    product separately instead, which differs from this by up to an ulp.
//    The fmas are explicit (std::fma), so this code gives the same floats
//    whether or not the compiler contracts expressions (-march=native or not).
// When an axis keeps its size both taps are the same pixel with weights 1
// and 0, as in PyTorch, so the blend returns the source value unchanged.
// Shrinking is not antialiased either: pytorch-fid does not antialias.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/core/image.hpp"

namespace isinggan::data {

/// The side of pytorch-fid's Inception input.
inline constexpr std::size_t fid_input_size = 299;

/// Per output index along one axis: the two source indices and their weights.
struct bilinear_taps {
    std::vector<std::size_t> first, second;
    std::vector<float> first_weight, second_weight;
};

/// PyTorch 1.13's bilinear (align_corners=False, no antialias) taps for in → out.
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
        // scale * (i + 0.5) is exact in double (a float times a half-integer
        // below 2^29), so a fused multiply-add here gives the same value.
        double real = static_cast<double>(scale) * (static_cast<double>(i) + 0.5) - 0.5;
        if (real < 0.0) real = 0.0;
        const auto i0 = static_cast<std::size_t>(real);
        t.first[i] = i0;
        t.second[i] = i0 + (i0 < in - 1 ? 1 : 0);
        double lambda = real - static_cast<double>(i0);  // exact in double
        lambda = lambda < 0.0 ? 0.0 : (lambda > 1.0 ? 1.0 : lambda);
        t.second_weight[i] = static_cast<float>(lambda);
        t.first_weight[i] = 1.0f - t.second_weight[i];
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
            // PyTorch's t0 * w0 + t1 * w1 as its FMA builds contract it.
            const float top = std::fma(r0[c0], w0, r0[c1] * w1);
            const float bottom = std::fma(r1[c0], w0, r1[c1] * w1);
            out[x] = std::fma(top, h0, bottom * h1);
        }
    }
}

/// The RGB planes of `img` in [0, 1] (3 × height × width floats), as PIL's
/// convert("RGB") and ToTensor give them: grey is repeated into all three
/// channels and alpha is dropped (not composited).
inline std::vector<float> rgb_unit_planes(const image8& img) {
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
inline void fid_input_from_image(const image8& img, float* dst) {
    const std::vector<float> planes = rgb_unit_planes(img);
    const std::size_t plane = img.width * img.height, out_plane = fid_input_size * fid_input_size;
    for (std::size_t c = 0; c < 3; ++c) {
        float* out = dst + c * out_plane;
        resize_bilinear_plane(planes.data() + c * plane, img.height, img.width, out, fid_input_size, fid_input_size);
        // 2x is exact, so whether or not this is fused, it rounds once, as PyTorch's 2 * x − 1 does.
        for (std::size_t i = 0; i < out_plane; ++i) out[i] = 2.0f * out[i] - 1.0f;
    }
}

}  // namespace isinggan::data
