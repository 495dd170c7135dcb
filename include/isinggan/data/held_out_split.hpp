#pragma once
// The split of a dataset into a held-out test set and the rest, fixed by a
// seed: the same seed and share give the same test images in every program.
// A GAN trained with `--holdout F --split-seed S` never sees the images that
// `unet --test-fraction F --split-seed S` tests on, so the U-Net's score on
// them measures what the generated pairs are worth on images the GAN never saw.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/core/random.hpp"

namespace isinggan::data {

/// The indices 0..n-1 in an order fixed by `seed`.
inline std::vector<std::size_t> shuffled_indices(std::size_t n, std::uint64_t seed) {
    std::vector<std::size_t> v(n);
    std::iota(v.begin(), v.end(), std::size_t(0));
    rng gen(seed);
    std::shuffle(v.begin(), v.end(), gen.engine());
    return v;
}

struct held_out_split {
    std::vector<std::size_t> test;   ///< the held-out indices, in shuffled order
    std::vector<std::size_t> train;  ///< the others, in shuffled order
};

/// The first round(test_fraction · n) indices of shuffled_indices(n, seed) are
/// the test set, the rest train. Both sides must keep at least one sample.
inline held_out_split split_held_out(std::size_t n, double test_fraction, std::uint64_t seed) {
    if (!(test_fraction > 0 && test_fraction < 1))
        throw argument_error("split_held_out: the test share must be in (0, 1), got " + std::to_string(test_fraction));
    const auto n_test = std::size_t(std::llround(test_fraction * double(n)));
    if (n_test == 0 || n_test >= n)
        throw argument_error("the data (" + std::to_string(n) + " pairs) is too small to hold out a share of " +
                             std::to_string(test_fraction) + " and keep both sides non-empty");
    const std::vector<std::size_t> order = shuffled_indices(n, seed);
    held_out_split s;
    s.test.assign(order.begin(), order.begin() + long(n_test));
    s.train.assign(order.begin() + long(n_test), order.end());
    return s;
}

}  // namespace isinggan::data
