#pragma once
// The tensors a GAN step moves around: latent vectors z, the 4-channel
// (image, mask) pairs the discriminator reads, and the split of its input
// gradient back into the generator's two heads.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "isinggan/core/error.hpp"
#include "isinggan/core/random.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan::train {

/// n latent vectors z ∈ [−1, 1]^dim, uniform (paper, sec. 2), as [n, dim, 1, 1].
inline void draw_latent(tensor<cpu>& z, std::size_t n, std::size_t dim, rng& gen) {
    z.resize({n, dim, 1, 1});
    fill_uniform(z, -1.0, 1.0, gen);
}

/// splitmix64 of (seed, stream, index): independent generator seeds, so the
/// draws of training step k depend on (seed, k) only and a resumed run
/// repeats an uninterrupted one exactly.
inline std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
    std::uint64_t x = seed ^ (stream * 0x9e3779b97f4a7c15ULL) ^ (index * 0xbf58476d1ce4e5b9ULL);
    for (int round = 0; round < 2; ++round) {
        x += 0x9e3779b97f4a7c15ULL;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        x ^= x >> 31;
    }
    return x;
}

/// out = [image | mask] along channels: [N, 3, S, S] and [N, 1, S, S] → [N, 4, S, S].
inline void stack_pair(const tensor<cpu>& image, const tensor<cpu>& mask, tensor<cpu>& out) {
    const shape4 is = image.shape(), ms = mask.shape();
    if (is.n != ms.n || is.h != ms.h || is.w != ms.w)
        throw shape_error("stack_pair: image " + is.str() + " and mask " + ms.str() + " differ in batch or size");
    out.resize({is.n, is.c + ms.c, is.h, is.w});
    for (std::size_t n = 0; n < is.n; ++n) {
        float* dst = out.sample(n);
        dst = std::copy(image.sample(n), image.sample(n) + is.sample_size(), dst);
        std::copy(mask.sample(n), mask.sample(n) + ms.sample_size(), dst);
    }
}

/// The inverse of stack_pair for gradients: the first `image_channels`
/// channels of `grad` go to d_image, the rest to d_mask.
inline void split_pair(const tensor<cpu>& grad, std::size_t image_channels, tensor<cpu>& d_image, tensor<cpu>& d_mask) {
    const shape4 s = grad.shape();
    if (s.c <= image_channels)
        throw shape_error("split_pair: gradient " + s.str() + " has no channels beyond the image's " +
                          std::to_string(image_channels));
    d_image.resize({s.n, image_channels, s.h, s.w});
    d_mask.resize({s.n, s.c - image_channels, s.h, s.w});
    const std::size_t image_part = image_channels * s.plane_size();
    for (std::size_t n = 0; n < s.n; ++n) {
        const float* src = grad.sample(n);
        std::copy(src, src + image_part, d_image.sample(n));
        std::copy(src + image_part, src + s.sample_size(), d_mask.sample(n));
    }
}

/// Mean of σ(logit): the discriminator's average "real" probability.
inline double mean_probability(const tensor<cpu>& logits) {
    double s = 0.0;
    for (float z : logits) s += z >= 0 ? 1.0 / (1.0 + std::exp(-double(z))) : std::exp(double(z)) / (1.0 + std::exp(double(z)));
    return logits.size() ? s / double(logits.size()) : 0.0;
}

}  // namespace isinggan::train
