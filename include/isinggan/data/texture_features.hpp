#pragma once
// The 18 features the paper clusters BBBC038 into modalities with (sec. 3):
// for each of the R, G, B channels, the six histogram texture measures of
// Gonzalez & Woods (Digital Image Processing, "statistical approaches" to
// texture), from the channel's 256-bin histogram p(z), z = 0..255:
//   mean          m = sum z p(z)                          (0..255)
//   contrast      sigma = sqrt(sum (z - m)^2 p(z))        (0..127.5)
//   smoothness    R = 1 - 1 / (1 + sigma^2 / 255^2)       (intensities normalised to [0, 1])
//   uniformity    U = sum p(z)^2                          (1 for a constant image)
//   third moment  mu3 = sum ((z - m) / 255)^3 p(z)        (skewness, normalised intensities)
//   entropy       e = -sum p(z) log2 p(z)                 (0 for a constant image; 8 at most)
// Their scales differ widely; standardise them (data/kmeans.hpp) before clustering.
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/core/image.hpp"

namespace isinggan::data {

inline constexpr std::size_t texture_measure_count = 6;
inline constexpr std::size_t modality_feature_count = 3 * texture_measure_count;

struct texture_measures {
    double mean = 0, contrast = 0, smoothness = 0, uniformity = 0, third_moment = 0, entropy = 0;
};

/// The six measures of a 256-bin histogram of counts (not all zero).
inline texture_measures histogram_texture(std::span<const std::uint64_t, 256> counts) {
    double total = 0;
    for (auto c : counts) total += static_cast<double>(c);
    if (total == 0) throw argument_error("histogram_texture: the histogram is empty");
    texture_measures t;
    for (std::size_t z = 0; z < 256; ++z) t.mean += static_cast<double>(z) * (static_cast<double>(counts[z]) / total);
    double variance = 0, third = 0;
    for (std::size_t z = 0; z < 256; ++z) {
        if (!counts[z]) continue;
        const double p = static_cast<double>(counts[z]) / total;
        const double d = static_cast<double>(z) - t.mean;
        variance += d * d * p;
        third += (d / 255.0) * (d / 255.0) * (d / 255.0) * p;
        t.uniformity += p * p;
        t.entropy -= p * std::log2(p);
    }
    t.contrast = std::sqrt(variance);
    t.smoothness = 1.0 - 1.0 / (1.0 + variance / (255.0 * 255.0));
    t.third_moment = third;
    t.entropy += 0.0;  // -0.0 (a single bin) reads as 0
    return t;
}

/// The 18 features of an 8-bit image: measures of R, then G, then B. A grey
/// image (1 or 2 channels) counts as three equal channels; alpha is ignored.
inline std::array<double, modality_feature_count> modality_features(const image8& img) {
    if (img.empty() || img.channels < 1 || img.channels > 4)
        throw argument_error("modality_features: need a non-empty image with 1 to 4 channels");
    const std::size_t colours = img.channels >= 3 ? 3 : 1;
    std::array<std::array<std::uint64_t, 256>, 3> hist{};
    const std::size_t pixels = img.width * img.height;
    for (std::size_t i = 0; i < pixels; ++i)
        for (std::size_t c = 0; c < colours; ++c) ++hist[c][img.samples[i * img.channels + c]];
    std::array<double, modality_feature_count> f{};
    for (std::size_t c = 0; c < 3; ++c) {
        const auto t = histogram_texture(hist[colours == 3 ? c : 0]);
        const double values[] = {t.mean, t.contrast, t.smoothness, t.uniformity, t.third_moment, t.entropy};
        for (std::size_t k = 0; k < texture_measure_count; ++k) f[c * texture_measure_count + k] = values[k];
    }
    return f;
}

/// Column names in the order modality_features returns them: r_mean, r_contrast, ..., b_entropy.
inline std::vector<std::string> modality_feature_names() {
    std::vector<std::string> names;
    for (const char* channel : {"r", "g", "b"})
        for (const char* measure : {"mean", "contrast", "smoothness", "uniformity", "third_moment", "entropy"})
            names.push_back(std::string(channel) + "_" + measure);
    return names;
}

}  // namespace isinggan::data
