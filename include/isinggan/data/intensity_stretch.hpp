#pragma once
// Per-image contrast stretch. Most BBBC038 fluorescence images hold their
// nuclei within a few grey levels of black: at 64 px the median image's mean
// is −0.89 in [−1, 1], and the mean inside/outside contrast of the real pairs
// is 0.09. A discriminator then separates real from generated pairs by
// details it can hardly see, and a generator can match the mask to nothing.
// Stretching each image so that its own low and high luminance quantiles
// map to −1 and +1 makes the nuclei visible (contrast 0.37) to the GAN and
// to the U-Net alike; both must then see the same preprocessing, so a U-Net
// records it in its checkpoint.
//
// One affine map per image, the same for its three channels (colours keep
// their ratios), computed from the luminance (channel mean), then clamped to
// [−1, 1]. A stretched image stretched again moves by well under one 8-bit
// grey level (the clamped tails shift the quantiles slightly), so generated
// pairs of a GAN trained on stretched images pass through it unchanged in
// effect. Images whose quantiles (nearly) coincide, such as blank
// ones, are left as they are.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan::data {

/// How images are preprocessed beyond the paper's mapping to [−1, 1].
enum class intensity_mode { none, stretch };

inline const char* to_string(intensity_mode m) { return m == intensity_mode::stretch ? "stretch" : "none"; }

/// "none" or "stretch"; anything else throws argument_error naming the word.
inline intensity_mode parse_intensity_mode(std::string_view word) {
    if (word == "none") return intensity_mode::none;
    if (word == "stretch") return intensity_mode::stretch;
    throw argument_error("intensity: expected none or stretch, got '" + std::string(word) + "'");
}

/// The q-quantile of `values` with linear interpolation between order
/// statistics (numpy's default); reorders `values`.
inline float quantile(std::vector<float>& values, double q) {
    if (values.empty()) throw argument_error("quantile: no values");
    const double position = q * double(values.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(position));
    const std::size_t above = std::min(below + 1, values.size() - 1);
    std::nth_element(values.begin(), values.begin() + std::ptrdiff_t(below), values.end());
    const float lo = values[below];
    if (above == below) return lo;
    // the smallest value above position `below` (nth_element leaves them after it)
    const float hi = *std::min_element(values.begin() + std::ptrdiff_t(above), values.end());
    return lo + float(position - double(below)) * (hi - lo);
}

struct intensity_stretch_options {
    double low_quantile = 0.01;    ///< luminance quantile mapped to −1
    double high_quantile = 0.995;  ///< luminance quantile mapped to +1
    float min_range = 1e-3f;       ///< images whose quantiles are closer than this are left unchanged
};

/// Stretches every image of `images` ([N, 3, S, S], values in [−1, 1]) in place.
inline void stretch_intensity(tensor<cpu>& images, const intensity_stretch_options& o = {}) {
    const shape4 s = images.shape();
    if (s.c != 3) throw shape_error("stretch_intensity: images must be [N, 3, S, S], got " + s.str());
    if (!(o.low_quantile >= 0.0 && o.low_quantile < o.high_quantile && o.high_quantile <= 1.0))
        throw argument_error("stretch_intensity: need 0 <= low_quantile < high_quantile <= 1");
    const std::size_t plane = s.h * s.w;
    if (plane == 0) return;
    std::vector<float> luminance(plane);
    for (std::size_t n = 0; n < s.n; ++n) {
        float* x = images.sample(n);
        for (std::size_t i = 0; i < plane; ++i) luminance[i] = (x[i] + x[plane + i] + x[2 * plane + i]) / 3.0f;
        const float lo = quantile(luminance, o.low_quantile);
        const float hi = quantile(luminance, o.high_quantile);
        if (!(hi - lo >= o.min_range)) continue;  // blank (or NaN): nothing to stretch
        const float gain = 2.0f / (hi - lo);
        for (std::size_t i = 0; i < 3 * plane; ++i) x[i] = std::clamp((x[i] - lo) * gain - 1.0f, -1.0f, 1.0f);
    }
}

/// Applies `mode` to the images of a loaded set (masks are untouched).
inline void apply_intensity(intensity_mode mode, tensor<cpu>& images) {
    if (mode == intensity_mode::stretch) stretch_intensity(images);
}

}  // namespace isinggan::data
