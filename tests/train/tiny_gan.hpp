#pragma once
// The smallest paper GAN the tests train: side 32, widths divided by 8, on
// synthetic nuclei. One instantiation shared by every training test keeps
// the test binary quick to compile.
#if defined(_OPENMP)
#include <omp.h>
#endif

#include "isinggan/data/synthetic_nuclei.hpp"
#include "isinggan/models/discriminator.hpp"
#include "isinggan/models/generator.hpp"
#include "isinggan/train/gan_trainer.hpp"

namespace isinggan::testing {

inline constexpr int tiny_size = 32;
inline constexpr int tiny_width = 8;
using tiny_generator = models::paper_generator<tiny_size, tiny_width>;
using tiny_discriminator = models::paper_discriminator<tiny_size, tiny_width>;
using tiny_ising_gan = train::gan_trainer<tiny_generator, tiny_discriminator, mrf_loss<ising>>;
using tiny_vanilla_gan = train::gan_trainer<tiny_generator, tiny_discriminator, no_smoothness>;

/// Runs the tiny networks on one thread: their layers are so small that
/// waking a second thread costs more than it saves, and on a loaded CI
/// machine far more. (Each doctest case runs in its own process.)
inline void use_one_thread() {
#if defined(_OPENMP)
    omp_set_num_threads(1);
#endif
}

inline const data::image_mask_set& tiny_training_set() {
    use_one_thread();
    static const data::image_mask_set set = data::synthetic_nuclei(48, tiny_size, 7);
    return set;
}

inline train::gan_options tiny_options(std::uint64_t seed = 1) {
    train::gan_options o;
    o.batch = 8;
    o.seed = seed;
    return o;
}

}  // namespace isinggan::testing
