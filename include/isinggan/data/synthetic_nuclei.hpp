#pragma once
// synthetic_nuclei: procedurally generated, fluorescence-like annotated images
// — bright, slightly textured elliptical nuclei on a dark, noisy, unevenly lit
// background, some of them touching — with their exact masks. It is the data
// the examples train on when no --data is given, so a first run, the tests
// and CI need no download.
//
// Sample i depends only on (seed, i, size): asking for more samples extends a
// set without changing the ones before, and results are the same on every
// platform (the draws come from isinggan::rng; see core/random.hpp).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/core/random.hpp"
#include "isinggan/data/image_mask_set.hpp"

namespace isinggan::data {

namespace synthetic_detail {

struct nucleus {
    double cx, cy;      // centre, pixels
    double a, b;        // semi-axes, pixels
    double cos_t, sin_t;
    double brightness;  // 0..1
    double wave[3][5];  // texture: amplitude, frequency, direction (cos, sin), phase of three waves
};

/// Normalised elliptical radius of (x, y): < 1 inside, 1 on the boundary.
inline double radius(const nucleus& n, double x, double y) {
    const double dx = x - n.cx, dy = y - n.cy;
    const double u = (dx * n.cos_t + dy * n.sin_t) / n.a;
    const double v = (-dx * n.sin_t + dy * n.cos_t) / n.b;
    return std::sqrt(u * u + v * v);
}

inline void render_sample(std::size_t size, rng& g, float* image, float* mask) {
    const double s = static_cast<double>(size);
    // Background: dark, with a gentle illumination gradient.
    const double bg = g.uniform(0.02, 0.10);
    const double gx = g.uniform(-0.04, 0.04), gy = g.uniform(-0.04, 0.04);
    const double noise = g.uniform(0.01, 0.03);
    // Stain colour: mostly grey-white, sometimes blue or green tinted.
    double tint[3] = {1.0, 1.0, 1.0};
    const auto palette = g.below(4);
    if (palette == 1) tint[0] = 0.45, tint[1] = 0.6;  // blue (DAPI-like)
    if (palette == 2) tint[0] = 0.5, tint[2] = 0.45;  // green
    const double mean_radius = s * g.uniform(0.06, 0.11);
    const std::size_t count = 3 + g.below(3 + static_cast<std::uint64_t>(s * s / (40.0 * mean_radius * mean_radius)));

    std::vector<nucleus> nuclei;
    for (std::size_t k = 0; k < count; ++k) {
        nucleus n{};
        n.a = mean_radius * g.uniform(0.75, 1.35);
        n.b = n.a * g.uniform(0.6, 1.0);
        const double t = g.uniform(0.0, std::numbers::pi);
        n.cos_t = std::cos(t);
        n.sin_t = std::sin(t);
        if (!nuclei.empty() && g.uniform01() < 0.3) {
            // Touching a previous nucleus: centres about the sum of their sizes apart.
            const nucleus& other = nuclei[g.below(nuclei.size())];
            const double dir = g.uniform(0.0, 2 * std::numbers::pi);
            const double gap = 0.85 * (std::min(other.a, other.b) + std::min(n.a, n.b)) + 0.6 * g.uniform01();
            n.cx = std::clamp(other.cx + gap * std::cos(dir), 0.0, s);
            n.cy = std::clamp(other.cy + gap * std::sin(dir), 0.0, s);
        } else {
            n.cx = g.uniform(0.0, s);
            n.cy = g.uniform(0.0, s);
        }
        n.brightness = g.uniform(0.45, 0.95);
        for (auto& w : n.wave) {
            w[0] = g.uniform(0.03, 0.08);
            w[1] = g.uniform(0.4, 1.4) / mean_radius;
            const double direction = g.uniform(0.0, std::numbers::pi);
            w[2] = std::cos(direction);
            w[3] = std::sin(direction);
            w[4] = g.uniform(0.0, 2 * std::numbers::pi);
        }
        nuclei.push_back(n);
    }

    const std::size_t plane = size * size;
    for (std::size_t y = 0; y < size; ++y)
        for (std::size_t x = 0; x < size; ++x) {
            const double px = static_cast<double>(x) + 0.5, py = static_cast<double>(y) + 0.5;
            double level = bg + gx * (px / s - 0.5) + gy * (py / s - 0.5);
            bool inside = false;
            for (const auto& n : nuclei) {
                const double r = radius(n, px, py);
                if (r <= 1.0) inside = true;
                // Soft edge about one pixel wide, centred on the boundary: the mask is where it passes 0.5.
                const double edge = std::clamp(0.5 + (1.0 - r) * std::min(n.a, n.b), 0.0, 1.0);
                if (edge <= 0) continue;
                double texture = 0;
                for (const auto& w : n.wave) texture += w[0] * std::sin(w[1] * (px * w[2] + py * w[3]) + w[4]);
                const double v = n.brightness * (1.0 - 0.25 * r * r) + texture;
                level = std::max(level, level + (v - level) * edge);
            }
            mask[y * size + x] = inside ? 1.0f : 0.0f;
            const double grain = noise * g.normal();
            for (std::size_t c = 0; c < 3; ++c) {
                const double value = std::clamp(tint[c] * level + grain, 0.0, 1.0);
                image[c * plane + y * size + x] = static_cast<float>(2.0 * value - 1.0);
            }
        }
}

}  // namespace synthetic_detail

/// `n` synthetic (image, mask) pairs of side `size`: images [n,3,size,size]
/// in [-1, 1], masks [n,1,size,size] in {0, 1}, ids "synthetic-<i>".
inline image_mask_set synthetic_nuclei(std::size_t n, std::size_t size, std::uint64_t seed) {
    if (n == 0 || size < 8 || size > 4096)
        throw argument_error("synthetic_nuclei: need n >= 1 and size in [8, 4096], got n = " + std::to_string(n) +
                             ", size = " + std::to_string(size));
    image_mask_set set;
    set.images.resize({n, 3, size, size});
    set.masks.resize({n, 1, size, size});
    set.ids.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        rng g(splitmix64(seed ^ splitmix64(i + 1)));
        synthetic_detail::render_sample(size, g, set.images.sample(i), set.masks.sample(i));
        set.ids[i] = "synthetic-" + std::to_string(i);
    }
    return set;
}

}  // namespace isinggan::data
