#pragma once
// Drawing from a trained generator: the latent vector of sample i depends on
// (seed, i) only, so `--n 64` gives the first 64 of `--n 1000` at the same
// seed, and the generator runs in evaluation mode (batch norm from its running
// statistics), so a sample does not depend on the others in its batch.
// Samples are computed in fixed blocks of the index space (sample_block), so
// that a sample is the same to the bit however many are asked for at once:
// GEMM libraries pick their kernels by the product's size, and their rounding
// with them (docs/determinism.md).
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "isinggan/core/random.hpp"
#include "isinggan/core/tensor.hpp"
#include "isinggan/io/checkpoint.hpp"
#include "isinggan/train/gan_batch.hpp"
#include "isinggan/train/gan_trainer.hpp"

namespace isinggan::train {

inline constexpr std::uint64_t sample_stream = 3;
/// Samples b·sample_block .. (b+1)·sample_block − 1 always run as one batch.
inline constexpr std::size_t sample_block = 16;

/// z for samples first .. first+n−1 of `seed`, as [n, dim, 1, 1].
inline void latent_for_samples(tensor<cpu>& z, std::uint64_t seed, std::size_t first, std::size_t n, std::size_t dim) {
    z.resize({n, dim, 1, 1});
    for (std::size_t i = 0; i < n; ++i) {
        rng gen(derive_seed(seed, sample_stream, first + i));
        float* v = z.sample(i);
        for (std::size_t k = 0; k < dim; ++k) v[k] = float(gen.uniform(-1.0, 1.0));
    }
}

/// Generates samples first .. first+n−1 of `seed` into images [n, 3, S, S] and
/// masks [n, 1, S, S] (mask values in [0, 1], not binarised).
template <class Generator>
void generate(Generator& g, std::uint64_t seed, std::size_t first, std::size_t n, tensor<cpu>& images,
              tensor<cpu>& masks) {
    if (n == 0) throw argument_error("generate: no samples asked for");
    tensor<cpu> z;
    g.set_training(false);
    const std::size_t end = first + n;
    for (std::size_t block = first / sample_block * sample_block; block < end; block += sample_block) {
        latent_for_samples(z, seed, block, sample_block, 100);
        auto [image, mask] = g.forward(z);
        if (block <= first) {
            images.resize({n, image.c(), image.h(), image.w()});
            masks.resize({n, mask.c(), mask.h(), mask.w()});
        }
        // The block's samples that were asked for.
        const std::size_t lo = std::max(block, first), hi = std::min(block + sample_block, end);
        const std::size_t isz = image.shape().sample_size(), msz = mask.shape().sample_size();
        std::copy(image.sample(lo - block), image.sample(lo - block) + (hi - lo) * isz, images.sample(lo - first));
        std::copy(mask.sample(lo - block), mask.sample(lo - block) + (hi - lo) * msz, masks.sample(lo - first));
    }
}

/// Pairs first .. first+n−1 of `seed` from a generator trained on windows
/// (gan_options::random_crop): pair i is a tiles × tiles mosaic of samples
/// i·tiles² .. (i + 1)·tiles² − 1, row by row, so images are [n, 3, tiles·S, tiles·S]
/// and masks [n, 1, tiles·S, tiles·S]. tiles = 1 is generate().
template <class Generator>
void generate_tiled(Generator& g, std::uint64_t seed, std::size_t first, std::size_t n, std::size_t tiles,
                    tensor<cpu>& images, tensor<cpu>& masks) {
    if (tiles == 0) throw argument_error("generate_tiled: tiles must be at least 1");
    if (tiles == 1) return generate(g, seed, first, n, images, masks);
    const std::size_t per_pair = tiles * tiles;
    tensor<cpu> patch_images, patch_masks;
    generate(g, seed, first * per_pair, n * per_pair, patch_images, patch_masks);
    const auto mosaic = [&](const tensor<cpu>& patches, tensor<cpu>& out) {
        const shape4 p = patches.shape();
        out.resize({n, p.c, p.h * tiles, p.w * tiles});
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t t = 0; t < per_pair; ++t)
                for (std::size_t c = 0; c < p.c; ++c) {
                    const float* src = patches.plane(i * per_pair + t, c);
                    float* dst = out.plane(i, c) + (t / tiles) * p.h * out.w() + (t % tiles) * p.w;
                    for (std::size_t y = 0; y < p.h; ++y) std::copy(src + y * p.w, src + (y + 1) * p.w, dst + y * out.w());
                }
    };
    mosaic(patch_images, images);
    mosaic(patch_masks, masks);
}

/// The free-form metadata and step of a checkpoint, without loading tensors.
inline checkpoint_info read_checkpoint_info(const std::filesystem::path& path) {
    checkpoint_reader r(path);
    return r.info();
}

/// Loads only the generator of a gan_trainer checkpoint (sample and export
/// need nothing else): its moving average when the checkpoint keeps one
/// (gan_options::generator_ema), else the generator; `use_average` false takes
/// the generator itself. An error leaves `g` unchanged.
template <class Generator>
checkpoint_info load_generator(const std::filesystem::path& path, Generator& g, bool use_average = true) {
    checkpoint_reader r(path);
    const bool average = use_average && checkpoint_holds(r, g, generator_ema_prefix);
    const auto plan = r.plan_model(g, average ? generator_ema_prefix : generator_prefix);
    const auto info = r.info();
    r.apply(plan);
    return info;
}

}  // namespace isinggan::train
