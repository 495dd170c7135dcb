#pragma once
// The networks a GAN program is built with. Channel counts are compile-time, so
// each choice of side, width and discriminator instantiates the whole trainer.
// The choices are listed here, one list per backend; examples/CMakeLists.txt
// compiles each entry in a translation unit of its own (gan_training_unit.in),
// shared by the two programs of a generator family (gan and ising_gan, resgan and
// ising_resgan), so that no unit holds more than one pair of networks. The flags that pick networks
// (--size/--patch, --width, --networks, --d-width, --minibatch-stddev) refuse
// what is not listed, saying what is.
#include <concepts>
#include <sstream>
#include <string>
#include <tuple>

#include "checkpoint_metadata.hpp"
#include "gan_args.hpp"
#include "isinggan/core/backend.hpp"
#include "isinggan/losses/mrf.hpp"
#include "isinggan/models/dcgan_discriminator.hpp"
#include "isinggan/models/dcgan_generator.hpp"
#include "isinggan/models/discriminator.hpp"
#include "isinggan/models/generator.hpp"

namespace isinggan::examples {

/// A generator and the discriminator trained against it (host types; the trainer puts them on its backend).
template <class Gen, class Disc>
struct gan_networks {
    using generator = Gen;
    using discriminator = Disc;
};

/// The program's generator with DCGAN proportions (residual heads for the ResGAN programs).
template <template <int, int> class Generator, int S, int D>
using dcgan_generator_of = models::dcgan_generator<S, D, models::has_residual_heads<Generator<S, D>>>;

/// The paper's generator and discriminator, of side S and width 1/D.
template <template <int, int> class Generator, int S, int D>
using paper_networks = gan_networks<Generator<S, D>, models::paper_discriminator<S, D>>;

/// The DCGAN-proportioned networks; the discriminator of width 1/DD, with the minibatch standard deviation or not.
template <template <int, int> class Generator, int S, int D, int DD = D, bool MinibatchStddev = false>
using dcgan_networks = gan_networks<dcgan_generator_of<Generator, S, D>,
                                    models::dcgan_discriminator<S, DD, cpu, MinibatchStddev>>;

/// On the CPU: the paper's networks at full width at 64 and 256 px and at a quarter width at every side;
/// the DCGAN-proportioned ones at a quarter width at 32 and 64 px, with and without the minibatch standard
/// deviation, and at 32 px (the patch recipe's windows) also with a discriminator of twice the generator's width.
template <template <int, int> class G>
using cpu_built_networks =
    std::tuple<paper_networks<G, 32, 4>, dcgan_networks<G, 32, 4>, dcgan_networks<G, 32, 4, 2>,
               dcgan_networks<G, 32, 4, 4, true>, paper_networks<G, 64, 1>, paper_networks<G, 64, 4>,
               dcgan_networks<G, 64, 4>, dcgan_networks<G, 64, 4, 4, true>, paper_networks<G, 128, 4>,
               paper_networks<G, 256, 1>, paper_networks<G, 256, 4>>;

/// On the GPU (--device cuda): the paper's full width at 64 and 256 px, a quarter width at 32 (the demo's)
/// and 64 px, the DCGAN-proportioned networks as on the CPU less the wider discriminator (not adopted by the
/// measurements; docs/gan-recipe.md, "mode coverage").
/// A build that only checks that the CUDA programs compile (ISINGGAN_CUDA_COMPILE_CHECK, where no GPU is
/// present) builds the first three: one of each network design, the others differ from them by constants.
template <template <int, int> class G>
using cuda_built_networks =
    std::tuple<paper_networks<G, 32, 4>, dcgan_networks<G, 32, 4>, dcgan_networks<G, 32, 4, 4, true>
#ifndef ISINGGAN_GAN_CUDA_COMPILE_CHECK
               ,
               paper_networks<G, 64, 1>, paper_networks<G, 64, 4>, dcgan_networks<G, 64, 4>,
               dcgan_networks<G, 64, 4, 4, true>, paper_networks<G, 256, 1>
#endif
               >;

template <template <int, int> class G, class B>
using built_networks = std::conditional_t<std::same_as<B, cpu>, cpu_built_networks<G>, cuda_built_networks<G>>;

/// The smoothness policies of the programs: none (GAN, ResGAN) and the Ising prior (Ising-GAN, Ising-ResGAN).
/// Each training unit compiles both.
using program_smoothness_policies = std::tuple<no_smoothness, mrf_loss<ising>>;

template <class T, class List>
inline constexpr bool listed = false;
template <class T, class... Ts>
inline constexpr bool listed<T, std::tuple<Ts...>> = (std::same_as<T, Ts> || ...);

/// The training run of one listed network pair on backend B: defined in gan_training_run.hpp and compiled
/// once per list entry (explicit instantiation), so the program's main.cpp only declares it.
template <class Networks, class B, class Smoothness>
int train_networks(const std::string& name, const program_args& a);

/// --width as the divisor of the paper's channel counts the types use.
inline int width_divisor(double width) {
    if (width == 1.0) return 1;
    if (width == 0.25) return 4;
    throw usage_error("--width " + short_text(width) + " is not built into this program; use 1 or 0.25");
}

/// --d-width as a divisor of the paper's channel counts: 1, 0.5, 0.25 or 0.125 (which of them a
/// program has built is checked where the networks are chosen).
inline int discriminator_width_divisor(double width) {
    for (int divisor : {1, 2, 4, 8})
        if (width == 1.0 / divisor) return divisor;
    throw usage_error("--d-width " + short_text(width) +
                      ": use 1, 0.5, 0.25 or 0.125 (the generator's --width or twice it)");
}

/// Calls f.template operator()<Side, WidthDivisor>() for the (side, width) pairs built on the CPU.
template <class F>
int for_cpu_model(int size, int divisor, F&& f) {
    if (size == 32 && divisor == 4) return f.template operator()<32, 4>();
    if (size == 64 && divisor == 1) return f.template operator()<64, 1>();
    if (size == 64 && divisor == 4) return f.template operator()<64, 4>();
    if (size == 128 && divisor == 4) return f.template operator()<128, 4>();
    if (size == 256 && divisor == 1) return f.template operator()<256, 1>();
    if (size == 256 && divisor == 4) return f.template operator()<256, 4>();
    if (!models::supported_size(size))
        throw usage_error("--size " + std::to_string(size) + " is not a model side: use 32, 64, 128 or 256");
    throw usage_error("--size " + std::to_string(size) + " with --width 1" +
                      " is not built into this program; at 32 and 128 use --width 0.25");
}

/// The (side, width divisor) pairs the DCGAN-proportioned networks are built for.
constexpr bool dcgan_built(int size, int divisor) { return divisor == 4 && (size == 32 || size == 64); }

/// Calls f.template operator()<G>() with the generator type --networks names.
template <template <int, int> class Generator, int S, int D, class F>
int with_generator(const std::string& networks, F&& f) {
    if (networks == "paper") return f.template operator()<Generator<S, D>>();
    if constexpr (dcgan_built(S, D)) {
        return f.template operator()<dcgan_generator_of<Generator, S, D>>();
    } else {
        throw usage_error("--networks dcgan is built for --width 0.25 with networks of side 32 or 64 (--patch, "
                          "else --size); this run's are " + std::to_string(S) + " px at width " +
                          short_text(1.0 / D));
    }
}

/// Calls f.template operator()<Networks>() with the listed network pair on backend B that the settings
/// name (--networks, --d-width, --minibatch-stddev), for side S and width 1/D; refuses the others.
template <template <int, int> class Generator, class B, int S, int D, class F>
int with_networks(const program_args& a, F&& f) {
    const int d_divisor = a.d_width ? discriminator_width_divisor(*a.d_width) : D;
    const bool minibatch_stddev = a.minibatch_stddev.value_or(false);
    // Only listed pairs are compiled (nvcc instantiates some branches that `if constexpr` discards).
    auto train = [&]<class Networks>() -> int {
        if constexpr (listed<Networks, built_networks<Generator, B>>)
            return f.template operator()<Networks>();
        else
            throw usage_error("these networks (--networks, --size/--patch, --width, --d-width, --minibatch-stddev) "
                              "are not built for --device " + std::string(B::name) + " (examples/common/gan_models.hpp)");
    };
    return with_generator<Generator, S, D>(a.networks.value_or("paper"), [&]<class G>() {
        if constexpr (std::same_as<G, Generator<S, D>>) {
            if (d_divisor != D)
                throw usage_error("--d-width: the paper's networks have the generator's width (--width); "
                                  "a discriminator of its own width needs --networks dcgan");
            if (minibatch_stddev)
                throw usage_error("--minibatch-stddev on needs --networks dcgan (the paper's discriminator "
                                  "has none)");
            return train.template operator()<paper_networks<Generator, S, D>>();
        } else {
            constexpr bool wider_built = listed<dcgan_networks<Generator, S, D, D / 2>, built_networks<Generator, B>>;
            if constexpr (wider_built) {
                if (d_divisor == D / 2) {
                    if (minibatch_stddev)
                        throw usage_error("--minibatch-stddev on is built with a discriminator of the "
                                          "generator's width only (leave --d-width out, or give "
                                          "--minibatch-stddev off)");
                    return train.template operator()<dcgan_networks<Generator, S, D, D / 2>>();
                }
            }
            if (d_divisor != D)
                throw usage_error("--d-width " + short_text(1.0 / d_divisor) + " is not built: with --networks "
                                  "dcgan at side 32 on the CPU the discriminator's width is the generator's or "
                                  "twice it (here " + short_text(1.0 / D) + " or " + short_text(2.0 / D) +
                                  "); at other sides and on the GPU, the generator's");
            if (minibatch_stddev) return train.template operator()<dcgan_networks<Generator, S, D, D, true>>();
            return train.template operator()<dcgan_networks<Generator, S, D>>();
        }
    });
}

/// Whether the discriminator type appends the minibatch standard deviation (only dcgan's can).
template <class Discriminator>
constexpr bool has_minibatch_stddev() {
    if constexpr (requires { Discriminator::minibatch_stddev; })
        return Discriminator::minibatch_stddev;
    else
        return false;
}

}  // namespace isinggan::examples
