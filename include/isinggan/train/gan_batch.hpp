#pragma once
// The tensors a GAN step moves around: latent vectors z and the
// discriminator's mean probability (the 4-channel (image, mask) pairs are
// concat_channels / split_channels, backend/cpu/channel_concat.hpp).
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

/// Mean of σ(logit): the discriminator's average "real" probability.
inline double mean_probability(const tensor<cpu>& logits) {
    double s = 0.0;
    for (float z : logits) s += z >= 0 ? 1.0 / (1.0 + std::exp(-double(z))) : std::exp(double(z)) / (1.0 + std::exp(double(z)));
    return logits.size() ? s / double(logits.size()) : 0.0;
}

}  // namespace isinggan::train
