#pragma once
// What the four GAN programs (examples/gan, resgan, ising_gan, ising_resgan)
// do: one trainer (isinggan::train::gan_trainer) instantiated with the
// program's generator and smoothness policy, and the commands train, sample,
// export and the no-argument demo. The command line is gan_cli.hpp's, and
// gan_program::run, which parses it, is defined with it in gan_program.hpp:
// this header goes without CLI11, so the part nvcc compiles
// (gan_program_cuda.cuh) includes it alone.
//
// Channel counts are compile-time, so each (side, width) pair is a separate
// instantiation; to keep compile times short a program instantiates only the
// pairs in `for_model` below, and --size/--width reject the others.
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "curves_svg.hpp"
#include "gan_args.hpp"
#include "job.hpp"
#include "pair_report.hpp"
#include "run_files.hpp"
#include "isinggan/data/held_out_split.hpp"
#include "isinggan/data/intensity_stretch.hpp"
#include "isinggan/data/modality_balance.hpp"
#include "isinggan/data/synthetic_nuclei.hpp"
#include "isinggan/io/dataset.hpp"
#include "isinggan/io/modalities_csv.hpp"
#include "isinggan/metrics/mask_topology.hpp"
#include "isinggan/models/dcgan_discriminator.hpp"
#include "isinggan/models/dcgan_generator.hpp"
#include "isinggan/models/discriminator.hpp"
#include "isinggan/models/generator.hpp"
#include "isinggan/train/gan_export.hpp"
#include "isinggan/train/gan_sampling.hpp"
#include "isinggan/train/gan_trainer.hpp"
#include "isinggan/train/progress.hpp"
#include "isinggan/train/sample_grid.hpp"

namespace isinggan::examples {

namespace fs = std::filesystem;

/// Set by Ctrl-C; the training loop saves a checkpoint and stops.
inline volatile std::sig_atomic_t interrupted = 0;
extern "C" inline void on_interrupt(int) { interrupted = 1; }

/// Widths a program is built for, as the factor the user types and the divisor the types use.
inline int width_divisor(double width) {
    if (width == 1.0) return 1;
    if (width == 0.25) return 4;
    std::ostringstream w;
    w << width;
    throw usage_error("--width " + w.str() + " is not built into this program; use 1 or 0.25");
}

/// --d-width as a divisor of the paper's channel counts: 1, 0.5, 0.25 or 0.125 (which of them a
/// program has built is checked where the networks are chosen).
inline int discriminator_width_divisor(double width) {
    for (int divisor : {1, 2, 4, 8})
        if (width == 1.0 / divisor) return divisor;
    std::ostringstream w;
    w << width;
    throw usage_error("--d-width " + w.str() + ": use 1, 0.5, 0.25 or 0.125 (the generator's --width or twice it)");
}

/// Calls f.template operator()<Size, WidthDivisor>() for the built pairs.
/// The paper's full width at 64 and 256, a quarter width (CPU runs) at every side.
template <class F>
int for_model(int size, int divisor, F&& f) {
#define ISINGGAN_MODEL_CASE(S, D) \
    if (size == S && divisor == D) return f.template operator()<S, D>();
    ISINGGAN_MODEL_CASE(32, 4)
    ISINGGAN_MODEL_CASE(64, 1) ISINGGAN_MODEL_CASE(64, 4)
    ISINGGAN_MODEL_CASE(128, 4)
    ISINGGAN_MODEL_CASE(256, 1) ISINGGAN_MODEL_CASE(256, 4)
#undef ISINGGAN_MODEL_CASE
    if (!models::supported_size(size))
        throw usage_error("--size " + std::to_string(size) + " is not a model side: use 32, 64, 128 or 256");
    throw usage_error("--size " + std::to_string(size) + " with --width 1" +
                      " is not built into this program; at 32 and 128 use --width 0.25");
}

template <template <int, int> class Generator, class Smoothness>
class gan_program {
public:
    /// The program: parses the command line (argv) and runs its command; returns the exit status.
    /// Defined in gan_program.hpp.
    static int run(const std::string& name, int argc, char** argv);

private:
    static constexpr bool ising = Smoothness::enabled;

    static void set_threads(int threads) {
#if defined(_OPENMP)
        if (threads > 0) omp_set_num_threads(threads);
#else
        (void)threads;
#endif
    }

    /// No arguments: a few minutes of training on synthetic data at a small
    /// side, then a small exported set.
    static int demo(const std::string& name) {
        program_args a;
        a.command = "train";
        a.out = (fs::path("isinggan-runs") / name).string();
        a.size = 32;
        a.width = 0.25;
        a.batch = 32;
        // 2000 steps (2-3 minutes on two cores): by then the masks have the synthetic nuclei's
        // number, size and contrast and differ from sample to sample (measured: 3.0 objects of
        // 27 px against the real 3.5 of 28, pairwise mask IoU 0.07 against 0.05); at 300 steps
        // they were one repeated shape (pairwise IoU 0.77).
        a.iters = 2000;
        a.sample_every = 250;
        a.checkpoint_every = 500;
        a.overwrite = true;  // each demo run replaces the previous one
        // The recipe's average (0.999) would still be mostly the initial weights after 2000 steps.
        a.ema = 0.99;
        // Measured as above without the recipe's ambiguity penalty (measured at 64 px only).
        a.mask_ambiguity = 0.0;
        std::cout << name << ": no arguments, so a short demo: " << *a.iters << " steps at " << *a.size << "x"
                  << *a.size << ", width " << *a.width << ", on the embedded synthetic nuclei (" << name
                  << " --help lists the flags)\n";
        if (const int rc = train(name, a); rc != 0) return rc;
        program_args e;
        e.command = "export";
        e.checkpoint = checkpoint_path(a.out).string();
        e.out = (fs::path(a.out) / "export").string();
        e.n = 256;
        if (const int rc = generate_from_checkpoint(name, e); rc != 0) return rc;
        std::cout << "\nEverything is under " << fs::absolute(a.out).string() << ":\n"
                  << "  config.json, log.csv          settings and the per-step losses\n"
                  << "  checkpoint.safetensors        both networks and their optimizers\n"
                  << "  samples/step_*.png            generated images with the mask outline in green\n"
                  << "  export/images, export/masks   " << e.n << " generated pairs (flat layout), manifest.csv\n";
        return 0;
    }

    static data::image_mask_set load_training_set(const program_args& a, int size) {
        const auto intensity = data::parse_intensity_mode(a.intensity.value_or("none"));
        if (a.data.empty()) {
            std::cout << "data: " << a.synthetic << " embedded synthetic nuclei at " << size << "x" << size
                      << (intensity == data::intensity_mode::stretch ? " (contrast stretched per image)" : "") << '\n';
            auto set = data::synthetic_nuclei(a.synthetic, std::size_t(size), a.seed);
            data::apply_intensity(intensity, set.images);
            return set;
        }
        if (!fs::is_directory(a.data))
            throw io_error(a.data + ": no such data folder (expected the BBBC038 layout or images/ + masks/)");
        io::dataset_options o;
        o.size = std::size_t(size);
        o.cache_dir = a.cache;
        o.intensity = intensity;
        if (!a.modalities.empty()) {
            o.only_ids = io::ids_of_modality(io::read_modalities_csv(a.modalities), a.modality);
            if (o.only_ids.empty())
                throw usage_error("modality " + std::to_string(a.modality) + " has no images in " + a.modalities);
        }
        auto loaded = io::load_dataset(a.data, o);
        std::cout << "data: " << loaded.data.size() << " images from " << a.data
                  << (a.modalities.empty() ? "" : " (modality " + std::to_string(a.modality) + ")") << " at " << size
                  << "x" << size << " (x8 by rotations and flips"
                  << (intensity == data::intensity_mode::stretch ? "; contrast stretched per image" : "") << ")\n";
        if (loaded.data.empty()) throw io_error(a.data + ": no samples to train on");
        if (a.holdout.value_or(0.0) > 0) {
            // The images `unet --test-fraction F --split-seed S` tests on: the GAN never sees them.
            const auto split = data::split_held_out(loaded.data.size(), *a.holdout, a.split_seed.value_or(0));
            std::vector<std::size_t> kept = split.train;
            std::sort(kept.begin(), kept.end());
            std::cout << "holding out " << split.test.size() << " of " << loaded.data.size()
                      << " images (unet --test-fraction " << format(*a.holdout) << " --split-seed "
                      << a.split_seed.value_or(0) << " tests on them); training on " << kept.size() << '\n';
            return data::subset(loaded.data, kept);
        }
        return std::move(loaded.data);
    }

    static int train(const std::string& name, program_args a) {
        const fs::path run = a.out, checkpoint = checkpoint_path(run);
        if (!a.resume && !a.overwrite) {
            // A second run in the same folder would overwrite the first one's checkpoint and mix the logs.
            if (const auto found = run_files_in(run); !found.empty())
                throw usage_error("--out " + run.string() + " already holds a run (" + found.front() +
                                  (found.size() > 1 ? " and " + found.back() : "") +
                                  "): continue it with --resume, or replace it with --overwrite");
        }
        if (a.resume) {
            if (!fs::exists(checkpoint))
                throw io_error(checkpoint.string() + ": no checkpoint to resume from (train without --resume first)");
            const auto info = train::read_checkpoint_info(checkpoint);
            const auto& meta = info.metadata;
            check_program(meta, checkpoint, name);
            // The generators are shared (gan and ising_gan both train "gan"): the program decides the loss.
            if (!meta.count("program"))
                throw io_error(checkpoint.string() + ": not a checkpoint of the GAN programs (no \"program\" entry)");
            if (meta.at("program") != name)
                throw usage_error(checkpoint.string() + " is a run of " + meta.at("program") + ", not of " + name +
                                  ": resume it with " + meta.at("program") + " train --resume");
            const int saved_size = int(number(meta, "size", checkpoint));
            const double saved_width = number(meta, "width", checkpoint);
            std::uint64_t saved_seed = 0;
            try {
                saved_seed = std::stoull(meta.at("seed"));  // 64 bits: not through a double
            } catch (const std::exception&) {
                throw io_error(checkpoint.string() + ": checkpoint entry \"seed\" is missing or not a number");
            }
            if (a.size && *a.size != saved_size)
                throw usage_error("--size " + std::to_string(*a.size) + " differs from the run's " + meta.at("size"));
            if (a.width && *a.width != saved_width)
                throw usage_error("--width differs from the run's " + meta.at("width"));
            if (a.seed_given && a.seed != saved_seed)
                throw usage_error("--seed differs from the run's " + meta.at("seed") + " (a resumed run repeats its seed)");
            a.size = saved_size;
            a.width = saved_width;
            a.seed = saved_seed;
            keep_run_settings(a, info, checkpoint);
        }
        if (!ising && a.lambda) throw usage_error("--lambda: " + name + " has no smoothness term");
        if (!ising && a.smooth_mask) throw usage_error("--smooth-mask: " + name + " has no smoothness term");
        apply_recipe(a);
        if (a.device == "cuda") {
#ifdef ISINGGAN_EXAMPLES_CUDA
            return train_on_gpu(name, a);
#else
            throw usage_error("--device cuda: this build of " + name +
                              " has no CUDA backend (build it where the CUDA toolkit and cuDNN are installed)");
#endif
        }
        const int divisor = width_divisor(a.width.value_or(1.0));
        return for_model(*a.patch, divisor, [&]<int S, int D>() { return train_with<S, D, cpu>(name, a); });
    }

    /// The (side, width divisor) pairs the DCGAN-proportioned networks are built for (compile time:
    /// each pair is one more instantiation of the whole trainer).
    static constexpr bool dcgan_built(int size, int divisor) { return divisor == 4 && (size == 32 || size == 64); }

    /// The program's generator with DCGAN proportions (residual heads for the ResGAN programs).
    template <int S, int D>
    using dcgan_generator_type = models::dcgan_generator<S, D, models::has_residual_heads<Generator<S, D>>>;

    /// Calls f.template operator()<G>() with the generator type --networks names.
    template <int S, int D, class F>
    static int with_networks(const std::string& networks, F&& f) {
        if (networks == "paper") return f.template operator()<Generator<S, D>>();
        if constexpr (dcgan_built(S, D)) {
            return f.template operator()<dcgan_generator_type<S, D>>();
        } else {
            throw usage_error("--networks dcgan is built for --width 0.25 with networks of side 32 or 64 (--patch, "
                              "else --size); this run's are " + std::to_string(S) + " px at width " + format(1.0 / D));
        }
    }

    /// The discriminator widths (--d-width) built beside the generator's: on the CPU, with the
    /// dcgan networks at side 32 (the patch recipe's), also twice the generator's width. Each is
    /// one more instantiation of the whole trainer (on the GPU, of its nvcc build: not built there,
    /// as the measurements did not adopt it; docs/gan-recipe.md, "mode coverage").
    template <class B>
    static constexpr bool d_width_built(int size, int divisor, int d_divisor) {
        return d_divisor == divisor ||
               (std::same_as<B, cpu> && dcgan_built(size, divisor) && size == 32 && d_divisor * 2 == divisor);
    }

    /// Whether the discriminator type appends the minibatch standard deviation (only dcgan's can).
    template <class Discriminator>
    static constexpr bool d_minibatch_stddev() {
        if constexpr (requires { Discriminator::minibatch_stddev; })
            return Discriminator::minibatch_stddev;
        else
            return false;
    }

    /// train_model with the networks --networks names, the discriminator at --d-width.
    template <int S, int D, class B>
    static int train_with(const std::string& name, const program_args& a) {
        const int d_divisor = a.d_width ? discriminator_width_divisor(*a.d_width) : D;
        return with_networks<S, D>(a.networks.value_or("paper"), [&]<class G>() {
            const bool minibatch_stddev = a.minibatch_stddev.value_or(false);
            if constexpr (std::same_as<G, Generator<S, D>>) {
                if (d_divisor != D)
                    throw usage_error("--d-width: the paper's networks have the generator's width (--width); "
                                      "a discriminator of its own width needs --networks dcgan");
                if (minibatch_stddev)
                    throw usage_error("--minibatch-stddev on needs --networks dcgan (the paper's discriminator "
                                      "has none)");
                return train_model<S, D, B, G, models::paper_discriminator<S, D>>(name, a);
            } else {
                if constexpr (d_width_built<B>(S, D, D / 2)) {
                    if (d_divisor == D / 2) {
                        if (minibatch_stddev)
                            throw usage_error("--minibatch-stddev on is built with a discriminator of the "
                                              "generator's width only (leave --d-width out, or give "
                                              "--minibatch-stddev off)");
                        return train_model<S, D, B, G, models::dcgan_discriminator<S, D / 2>>(name, a);
                    }
                }
                if (d_divisor != D)
                    throw usage_error("--d-width " + format(1.0 / d_divisor) + " is not built: with --networks dcgan "
                                      "at side 32 on the CPU the discriminator's width is the generator's or twice it "
                                      "(here " + format(1.0 / D) + " or " + format(2.0 / D) +
                                      "); at other sides and on the GPU, the generator's");
                if (minibatch_stddev)
                    return train_model<S, D, B, G, models::dcgan_discriminator<S, D, cpu, true>>(name, a);
                return train_model<S, D, B, G, models::dcgan_discriminator<S, D>>(name, a);
            }
        });
    }

    /// The patch recipe's step budget at --size 64 (docs/gan-recipe.md, "the ambiguity penalty").
    static constexpr std::size_t recipe_steps_64 = 6000;

    /// The recipes (--recipe): the values of the flags not given. "paper" is the
    /// paper's training, exactly; "patch" (the default) is what the measurements
    /// in docs/gan-recipe.md found best on a CPU budget. A resumed run keeps its
    /// own settings (keep_run_settings); runs from before a setting existed had
    /// the paper's value of it.
    static void apply_recipe(program_args& a) {
        if (a.recipe.empty()) a.recipe = a.resume ? "paper" : "patch";
        const int size = a.size.value_or(64);
        if (!models::supported_size(size))
            throw usage_error("--size " + std::to_string(size) + " is not a model side: use 32, 64, 128 or 256");
        a.size = size;
        if (a.recipe == "patch") {
            if (!a.given.count("--beta1") && !a.resume) a.beta1 = 0.5;  // a resumed run's Adam comes from its checkpoint
            if (!a.width) a.width = 0.25;  // the measured width (a CPU budget)
            if (!a.lambda_warmup) a.lambda_warmup = 500;
            if (!a.mask_range) a.mask_range = "signed";
            if (!a.hard_mask) a.hard_mask = true;
            if (!a.diff_augment) a.diff_augment = true;
            if (!a.ema) a.ema = 0.999;
            if (!a.mask_ambiguity) a.mask_ambiguity = 6.0;
            // At 64 px the masks are closest to the real ones at 5,000-8,000 steps; later the
            // discriminator wins and they fragment again (docs/gan-recipe.md). A step cap, also under
            // --minutes; an explicit --iters wins.
            if (size == 64 && !a.given.count("--iters") && !a.resume) a.iters = recipe_steps_64;
            if (!a.intensity) a.intensity = "stretch";
            if (!a.patch) a.patch = size == 64 ? 32 : size;  // measured at 64 px only
            if (!a.networks) a.networks = dcgan_built(*a.patch, width_divisor(*a.width)) ? "dcgan" : "paper";
            // The minibatch standard deviation: without it the generators dropped whole modalities in
            // some seeds, balanced batches or not; with it every seed drew them (docs/gan-recipe.md,
            // "the minibatch standard deviation").
            if (!a.minibatch_stddev && !a.resume && *a.networks == "dcgan" &&
                (!a.d_width || discriminator_width_divisor(*a.d_width) == width_divisor(*a.width)))
                a.minibatch_stddev = true;
            // Without it, a mix of imaging modalities (real data, not one --modality of it) is drawn
            // alike, so that the minorities (bright-field, stained tissue) are drawn at all. With it
            // the balance is not needed and over-draws the low-contrast minorities.
            if (!a.balance && !a.resume && !a.data.empty() && a.modalities.empty() && !a.minibatch_stddev.value_or(false))
                a.balance = 5;
        }
        if (!a.patch) a.patch = size;
        if (!models::supported_size(*a.patch) || *a.patch > size)
            throw usage_error("--patch " + std::to_string(*a.patch) + ": the networks' side must be 32, 64, 128 or 256, "
                              "at most --size " + std::to_string(size));
    }

    /// --resume: the settings that change what a step computes are the run's (from its checkpoint).
    /// A flag that gives one of them a different value is refused, unless --override is given: then
    /// the change is printed and recorded (config.json and the checkpoint's "overrides"). Checkpoints
    /// from before a setting was recorded had the flag's default, or take the flag as given.
    static void keep_run_settings(program_args& a, const checkpoint_info& info, const fs::path& checkpoint) {
        const auto& meta = info.metadata;
        std::vector<std::string> changes;
        // Refuses or records a flag given with a value other than the run's.
        const auto differs = [&](const std::string& flag, const std::string& given, const std::string& run) {
            if (!a.override_settings)
                throw usage_error(flag + " " + given + " differs from the run's " + run +
                                  ": a resumed run keeps its settings (leave " + flag +
                                  " out, or give --override to change it)");
            changes.push_back(flag + " " + run + " -> " + given);
        };
        const auto same = [](double x, double y) { return x == y || format(x) == format(y); };
        if (ising) {
            const double run = number(meta, "lambda", checkpoint);
            if (a.given.count("--lambda") && !same(*a.lambda, run)) differs("--lambda", format(*a.lambda), format(run));
            else a.lambda = run;
        }
        if (meta.count("batch")) {
            const auto run = std::size_t(number(meta, "batch", checkpoint));
            if (a.given.count("--batch") && a.batch != run) differs("--batch", std::to_string(a.batch), std::to_string(run));
            else a.batch = run;
        }
        {
            // Runs from before --balance drew every image alike.
            const auto run = meta.count("balance") ? std::size_t(number(meta, "balance", checkpoint)) : std::size_t(0);
            if (a.balance && *a.balance != run) differs("--balance", std::to_string(*a.balance), std::to_string(run));
            else a.balance = run;
        }
        if (meta.count("lambda_warmup")) {
            const auto run = std::size_t(number(meta, "lambda_warmup", checkpoint));
            if (a.lambda_warmup && *a.lambda_warmup != run)
                differs("--lambda-warmup", std::to_string(*a.lambda_warmup), std::to_string(run));
            else a.lambda_warmup = run;
        }
        if (meta.count("mask_range")) {
            if (a.mask_range && *a.mask_range != meta.at("mask_range"))
                differs("--mask-range", *a.mask_range, meta.at("mask_range"));
            else a.mask_range = meta.at("mask_range");
        }
        // The training images: a run keeps them (a resume without --data used to train on the synthetic set).
        if (meta.count("data")) {
            const std::string& run = meta.at("data");
            std::error_code ec;
            const bool same_folder = a.data == run || (!a.data.empty() && !run.empty() && fs::equivalent(a.data, run, ec));
            if (a.given.count("--data") && !same_folder) differs("--data", a.data, run.empty() ? "(synthetic)" : run);
            else a.data = run;
        }
        if (meta.count("modalities")) {
            const std::string& run = meta.at("modalities");
            const auto run_k = std::size_t(number(meta, "modality", checkpoint));
            if ((a.given.count("--modalities") && a.modalities != run) || (a.given.count("--modality") && a.modality != run_k))
                differs("--modalities/--modality", a.modalities + " " + std::to_string(a.modality),
                        run + " " + std::to_string(run_k));
            else a.modalities = run, a.modality = run_k;
        }
        if (meta.count("synthetic")) {
            const auto run = std::size_t(number(meta, "synthetic", checkpoint));
            if (a.given.count("--synthetic") && a.synthetic != run)
                differs("--synthetic", std::to_string(a.synthetic), std::to_string(run));
            else a.synthetic = run;
        }
        if (meta.count("holdout")) {
            const double run = number(meta, "holdout", checkpoint);
            if (a.holdout && !same(*a.holdout, run)) differs("--holdout", format(*a.holdout), format(run));
            else a.holdout = run;
            const auto run_seed = std::uint64_t(std::stoull(meta.count("split_seed") ? meta.at("split_seed") : "0"));
            if (a.split_seed && *a.split_seed != run_seed)
                differs("--split-seed", std::to_string(*a.split_seed), std::to_string(run_seed));
            else a.split_seed = run_seed;
        }
        // The networks' side fixes the checkpoint's shapes: never changed on a resume (runs from
        // before --patch trained on whole images).
        {
            const int run = meta.count("patch") ? int(number(meta, "patch", checkpoint)) : *a.size;
            if (a.patch && *a.patch != run)
                throw usage_error("--patch " + std::to_string(*a.patch) + " differs from the run's " +
                                  std::to_string(run) + " (the networks' side cannot change on a resume)");
            a.patch = run;
        }
        {
            const std::string run = meta.count("networks") ? meta.at("networks") : "paper";
            if (a.networks && *a.networks != run)
                throw usage_error("--networks " + *a.networks + " differs from the run's " + run +
                                  " (the checkpoint holds networks of that design)");
            a.networks = run;
        }
        if (meta.count("d_width")) {  // runs from before --d-width had the generator's
            const double run = number(meta, "d_width", checkpoint);
            if (a.d_width && !same(*a.d_width, run))
                throw usage_error("--d-width " + format(*a.d_width) + " differs from the run's " + format(run) +
                                  " (the checkpoint holds a discriminator of that width)");
            a.d_width = run;
        }
        {  // runs from before --minibatch-stddev had none; the discriminator's shapes depend on it
            const bool run = meta.count("minibatch_stddev") && meta.at("minibatch_stddev") == "on";
            if (a.minibatch_stddev && *a.minibatch_stddev != run)
                throw usage_error(std::string("--minibatch-stddev ") + (*a.minibatch_stddev ? "on" : "off") +
                                  " differs from the run's " + (run ? "on" : "off") +
                                  " (the checkpoint holds a discriminator built that way)");
            a.minibatch_stddev = run;
        }
        {
            const std::string run = meta.count("intensity") ? meta.at("intensity") : "none";
            if (a.intensity && *a.intensity != run) differs("--intensity", *a.intensity, run);
            else a.intensity = run;
        }
        if (meta.count("recipe")) {
            if (!a.recipe.empty() && a.recipe != meta.at("recipe")) differs("--recipe", a.recipe, meta.at("recipe"));
            else a.recipe = meta.at("recipe");
        }
        if (meta.count("ema")) {
            const double run = number(meta, "ema", checkpoint);
            if (a.ema && !same(*a.ema, run)) differs("--ema", format(*a.ema), format(run));
            else a.ema = run;
        }
        if (meta.count("mask_noise")) {
            const double run = number(meta, "mask_noise", checkpoint);
            if (a.mask_noise && !same(*a.mask_noise, run)) differs("--mask-noise", format(*a.mask_noise), format(run));
            else a.mask_noise = run;
        }
        if (meta.count("mask_ambiguity")) {
            const double run = number(meta, "mask_ambiguity", checkpoint);
            if (a.mask_ambiguity && !same(*a.mask_ambiguity, run))
                differs("--mask-ambiguity", format(*a.mask_ambiguity), format(run));
            else a.mask_ambiguity = run;
        } else if (!a.mask_ambiguity) {
            a.mask_ambiguity = 0.0;  // runs from before the penalty had none (the recipe's value would change them)
        }
        if (meta.count("smooth_mask")) {
            const std::string run = meta.at("smooth_mask");
            if (a.smooth_mask && *a.smooth_mask != run) differs("--smooth-mask", *a.smooth_mask, run);
            else a.smooth_mask = run;
        }
        for (const auto& [flag, key, value] : {std::tuple{"--hard-mask", "hard_mask", &a.hard_mask},
                                               std::tuple{"--diff-augment", "diff_augment", &a.diff_augment}}) {
            if (!meta.count(key)) continue;
            const bool run = meta.at(key) == "on";
            if (*value && **value != run) differs(flag, **value ? "on" : "off", run ? "on" : "off");
            else *value = run;
        }
        // Adam's settings: the trainer restores them from the checkpoint's optimizer state, so a
        // different value could not take effect; it is refused, --override or not.
        const checkpoint_reader reader(checkpoint);
        const auto adam = [&](const char* network, const char* setting) -> std::optional<double> {
            const std::string* v = reader.file().find_metadata(std::string("isinggan.optimizer.") + network + "." + setting);
            double d = 0;
            if (!v || std::from_chars(v->data(), v->data() + v->size(), d).ptr != v->data() + v->size()) return std::nullopt;
            return d;
        };
        const auto fixed = [&](const std::string& flag, double given, std::optional<double> run) {
            if (run && !same(given, *run))
                throw usage_error(flag + " " + format(given) + " differs from the run's " + format(*run) +
                                  ": the optimizers' settings come from the checkpoint and cannot change on a resume "
                                  "(leave " + flag + " out)");
        };
        const auto g_lr = adam("generator", "lr"), d_lr = adam("discriminator", "lr");
        if (a.given.count("--lr-g")) fixed("--lr-g", *a.lr_g, g_lr);
        else if (a.given.count("--lr")) fixed("--lr", a.lr, g_lr);
        if (a.given.count("--lr-d")) fixed("--lr-d", *a.lr_d, d_lr);
        else if (a.given.count("--lr")) fixed("--lr", a.lr, d_lr);
        for (const char* network : {"generator", "discriminator"}) {
            if (a.given.count("--beta1")) fixed("--beta1", a.beta1, adam(network, "beta1"));
            if (a.given.count("--beta2")) fixed("--beta2", a.beta2, adam(network, "beta2"));
            if (a.given.count("--adam-eps")) fixed("--adam-eps", a.adam_eps, adam(network, "eps"));
        }
        // What config.json records: the values the run goes on with.
        if (g_lr) a.lr_g = *g_lr;
        if (d_lr) a.lr_d = *d_lr;
        if (const auto b = adam("generator", "beta1")) a.beta1 = *b;
        if (const auto b = adam("generator", "beta2")) a.beta2 = *b;
        if (const auto e = adam("generator", "eps")) a.adam_eps = *e;

        a.override_history = meta.count("overrides") ? meta.at("overrides") : "";
        if (!changes.empty()) {
            std::string line = "step " + std::to_string(info.step) + ":";
            for (const auto& c : changes) line += " " + c + (&c == &changes.back() ? "" : ",");
            std::cout << "--override: the run's settings change at " << line << '\n';
            a.override_history += (a.override_history.empty() ? "" : "; ") + line;
        }
    }

#ifdef ISINGGAN_EXAMPLES_CUDA
    /// train on the GPU: defined in gan_program_cuda.cuh, compiled by nvcc
    /// in the program's cuda.cu.
    static int train_on_gpu(const std::string& name, const program_args& a);
#endif

    /// The training run on backend B (cpu, or cuda from train_on_gpu).
    template <int S, int D, class B, class Gen, class Discriminator>
    static int train_model(const std::string& name, const program_args& a) {
        using trainer_type = train::gan_trainer<on_backend<Gen, B>, on_backend<Discriminator, B>, Smoothness>;
        const fs::path run = a.out, checkpoint = checkpoint_path(run);
        const int pair_side = *a.size;                        // what sample and export make
        const std::size_t tiles = std::size_t(pair_side / S);  // windows per side of a pair (1: whole images)
        const data::image_mask_set training_set = load_training_set(a, pair_side);
        train::gan_options o;
        o.batch = a.batch;
        o.generator_adam = {.lr = a.lr_g.value_or(a.lr), .beta1 = a.beta1, .beta2 = a.beta2, .eps = a.adam_eps};
        o.discriminator_adam = {.lr = a.lr_d.value_or(a.lr), .beta1 = a.beta1, .beta2 = a.beta2, .eps = a.adam_eps};
        o.lambda = a.lambda.value_or(1.5);
        o.lambda_warmup = a.lambda_warmup.value_or(0);
        o.discriminator_mask = a.mask_range.value_or("unit") == "signed" ? train::mask_range::signed_ : train::mask_range::unit;
        o.mask_noise = a.mask_noise.value_or(0.0);
        o.straight_through_mask = a.hard_mask.value_or(false);
        o.diff_augment = a.diff_augment.value_or(false);
        o.smoothness_on = a.smooth_mask.value_or("soft") == "hard" ? train::smoothness_input::hard : train::smoothness_input::soft;
        o.mask_ambiguity = a.mask_ambiguity.value_or(0.0);
        o.generator_ema = a.ema.value_or(0.0);
        o.random_crop = tiles > 1;
        o.seed = a.seed;
        // The recipe's default asks for 5 modalities; a set of fewer images has at most one per image.
        std::size_t k = a.balance.value_or(0);
        if (k > training_set.size()) {
            if (a.given.count("--balance"))
                throw usage_error("--balance " + std::to_string(k) + ": more modalities than the " +
                                  std::to_string(training_set.size()) + " training images");
            k = training_set.size();
        }
        if (k > 0) {
            const data::modality_balance balance = data::balance_modalities(training_set, k);
            o.sample_weights = balance.weights;
            std::cout << "--balance " << k << ": modalities of";
            for (std::size_t c = 0; c < balance.sizes.size(); ++c) std::cout << (c ? ", " : " ") << balance.sizes[c];
            std::cout << " images, each drawn alike\n";
        }
        trainer_type trainer(o);
        if (a.resume) {
            trainer.load(checkpoint);
            std::cout << "resuming " << checkpoint.string() << " at step " << trainer.steps() << '\n';
        }
        // Under mpirun/srun: every rank trains its slice of each batch; rank 0's weights are broadcast
        // now (the collective also waits for every rank to have read the run folder as it was).
        if (job* j = job::current(); j && j->parallel()) {
            trainer.set_data_parallel(*j->communicator(a.collective_timeout, !std::same_as<B, cpu>), a.sync_bn);
            std::cout << "data-parallel: " << j->size() << " ranks of " << a.batch / std::size_t(j->size())
                      << " samples (global batch " << a.batch << "), batch norm "
                      << (a.sync_bn ? "over the global batch" : "per rank") << '\n';
        } else if (a.sync_bn) {
            std::cout << "--sync-bn: one process (no MPI launcher), nothing to synchronise\n";
        }
        const bool writer = trainer.writes_files();  // rank 0, or the only process
        // Only now, with the settings and the data accepted, so that a mistyped command keeps the old run.
        if (writer && a.overwrite && !run_files_in(run).empty()) {
            remove_run(run);
            std::cout << "replacing the previous run in " << run.string() << '\n';
        }
        for (const fs::path& dir : {run, run / "samples"}) {
            if (!writer) break;
            std::error_code ec;
            fs::create_directories(dir, ec);
            if (ec) throw io_error(dir.string() + ": cannot create folder: " + ec.message());
        }
        if (const std::size_t n = writer ? remove_stale_temporaries(checkpoint) : 0)
            std::cout << "removed " << n << " leftover temporary file" << (n > 1 ? "s" : "")
                      << " of an interrupted save (" << checkpoint.filename().string() << ".tmp-*)\n";
        const std::map<std::string, std::string> meta{
            {"program", name}, {"generator", Gen::name}, {"size", std::to_string(pair_side)},
            {"patch", std::to_string(S)}, {"intensity", a.intensity.value_or("none")}, {"recipe", a.recipe},
            {"networks", a.networks.value_or("paper")},
            {"width", format(1.0 / D)}, {"d_width", format(1.0 / Discriminator::width_divisor)},
            {"minibatch_stddev", d_minibatch_stddev<Discriminator>() ? "on" : "off"},
            {"lambda", exact(ising ? o.lambda : 0.0)}, {"seed", std::to_string(a.seed)},
            {"batch", std::to_string(a.batch)},
            {"lambda_warmup", std::to_string(o.lambda_warmup)}, {"mask_range", a.mask_range.value_or("unit")},
            {"balance", std::to_string(k)},
            {"mask_noise", exact(o.mask_noise)}, {"hard_mask", o.straight_through_mask ? "on" : "off"},
            {"diff_augment", o.diff_augment ? "on" : "off"}, {"ema", exact(o.generator_ema)},
            {"smooth_mask", a.smooth_mask.value_or("soft")}, {"mask_ambiguity", exact(o.mask_ambiguity)},
            {"holdout", exact(a.holdout.value_or(0.0))},
            {"split_seed", std::to_string(a.split_seed.value_or(0))}, {"data", a.data},
            {"modalities", a.modalities}, {"modality", std::to_string(a.modality)},
            {"synthetic", std::to_string(a.synthetic)}, {"overrides", a.override_history}};
        std::vector<std::pair<std::string, std::string>> config{{"program", name}, {"generator", Gen::name},
                           {"smoothness", ising ? "mrf" : "none"}, {"data", a.data.empty() ? "synthetic" : a.data},
                           {"modalities", a.modalities}, {"modality", std::to_string(a.modality)},
                           {"recipe", a.recipe}, {"size", std::to_string(pair_side)}, {"patch", std::to_string(S)},
                           {"intensity", a.intensity.value_or("none")}, {"networks", a.networks.value_or("paper")},
                           {"width", format(1.0 / D)}, {"d_width", format(1.0 / Discriminator::width_divisor)},
                           {"minibatch_stddev", d_minibatch_stddev<Discriminator>() ? "on" : "off"},
                           {"batch", std::to_string(a.batch)}, {"iters", a.iters ? std::to_string(*a.iters) : "null"},
                           {"minutes", a.minutes ? format(*a.minutes) : "null"},
                           {"lambda", format(ising ? o.lambda : 0.0)}, {"lambda_warmup", std::to_string(o.lambda_warmup)},
                           {"lr_g", format(o.generator_adam.lr)}, {"lr_d", format(o.discriminator_adam.lr)},
                           {"mask_range", a.mask_range.value_or("unit")}, {"mask_noise", format(o.mask_noise)},
                           {"hard_mask", o.straight_through_mask ? "on" : "off"},
                           {"diff_augment", o.diff_augment ? "on" : "off"},
                           {"smooth_mask", ising ? a.smooth_mask.value_or("soft") : "none"},
                           {"mask_ambiguity", format(o.mask_ambiguity)},
                           {"balance", std::to_string(k)},
                           {"beta1", format(a.beta1)}, {"beta2", format(a.beta2)},
                           {"adam_eps", format(a.adam_eps)}, {"seed", std::to_string(a.seed)},
                           {"ema", format(o.generator_ema)}, {"holdout", format(a.holdout.value_or(0.0))},
                           {"split_seed", std::to_string(a.split_seed.value_or(0))},
                           {"training_samples", std::to_string(training_set.size())},
                           {"checkpoint_every", std::to_string(a.checkpoint_every)},
                           {"sample_every", std::to_string(a.sample_every)}, {"device", B::name}};
        if (!a.override_history.empty()) config.emplace_back("overrides", a.override_history);
        if (job* j = job::current(); j && j->parallel()) {
            config.emplace_back("ranks", std::to_string(j->size()));
            config.emplace_back("sync_bn", a.sync_bn ? "on" : "off");
        }
        if (writer) write_config_json(run / "config.json", config);
        double seconds = 0.0;
        std::optional<training_log> log;
        if (writer) log.emplace(log_path(run), a.resume, trainer.steps(), seconds);

        tensor<cpu> grid_images, grid_masks;
        std::unique_ptr<Gen> host_generator;  // GPU runs draw their sample grids on a host copy
        // The moving average when kept (--ema), with its batch-norm statistics recomputed, as export sees it.
        auto sampling_generator = [&]() -> Gen& {
            trainer.refresh_ema_statistics();
            if constexpr (std::same_as<B, cpu>) {
                return trainer.sampling_generator();
            } else {
                if (!host_generator) host_generator = std::make_unique<Gen>();
                copy_model_state(trainer.sampling_generator(), *host_generator);
                return *host_generator;
            }
        };
        // At every grid, the statistics of 256 generated pairs (64 above 64 px) go to metrics.csv
        // beside those of the real training pairs, so that a run shows in numbers when its masks
        // empty, fragment or collapse (metrics/pair_statistics.hpp).
        const std::size_t measured = pair_side <= 64 ? 256 : 64;
        tensor<cpu> measured_images, measured_masks;
        auto record_metrics = [&](Gen& g) {
            const bool fresh = !fs::exists(metrics_path(run));
            std::ofstream csv(metrics_path(run), std::ios::app);
            if (fresh) {
                const std::size_t n_real = std::min(measured, training_set.size());
                std::vector<std::size_t> first(n_real);
                for (std::size_t i = 0; i < n_real; ++i) first[i] = i;
                tensor<cpu> real_images, real_masks;
                data::gather(training_set, first, real_images, real_masks);
                csv << "step," << pair_statistics_csv_header() << '\n'
                    << "0," << pair_statistics_csv_row("real", measure_pairs(real_images, real_masks)) << '\n';
            }
            train::generate_tiled(g, 0x5eed, 0, measured, tiles, measured_images, measured_masks);
            const auto stats = measure_pairs(measured_images, measured_masks);
            csv << trainer.steps() << ',' << pair_statistics_csv_row("generated", stats) << '\n';
            if (!csv) throw io_error(metrics_path(run).string() + ": cannot write");
            return stats;
        };
        pair_statistics last_stats;
        std::int64_t last_grid = -1;
        auto save_grid = [&] {
            if (!writer) return;
            if (last_grid == trainer.steps()) return;  // the final grid of a run that ends on a grid step
            last_grid = trainer.steps();
            Gen& g = sampling_generator();
            train::generate_tiled(g, 0x5eed, 0, 16, tiles, grid_images, grid_masks);  // the same z every time
            train::write_sample_grid(grid_path(run, trainer.steps()), grid_images, grid_masks);
            last_stats = record_metrics(g);
            write_run_curves(run, name + ": " + run.string());  // curves.svg, losses and mask statistics so far
        };
        // The step of the checkpoint on disk (the one resumed from, then each save); -1 before the first.
        std::int64_t saved_step = a.resume ? trainer.steps() : -1;
        auto save_checkpoint = [&] {
            trainer.save(checkpoint, meta);
            saved_step = trainer.steps();
        };

        interrupted = 0;
        const auto previous_handler = std::signal(SIGINT, on_interrupt);
        struct restore_handler {
            decltype(previous_handler) h;
            ~restore_handler() { std::signal(SIGINT, h); }
        } restore{previous_handler};

        // The step-0 grid (and its statistics) first, so that the time limit counts training alone.
        if (trainer.steps() == 0) save_grid();
        // Two limits, checked between steps: --iters (none when only --minutes is given) and --minutes of
        // wall-clock training in this invocation (a resumed run gets its --minutes afresh).
        const auto started = std::chrono::steady_clock::now();
        const auto reached_iters = [&] { return a.iters && trainer.steps() >= std::int64_t(*a.iters); };
        const auto training_seconds = [&] {
            return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        };
        // At least one step per invocation, however short the budget: a run always makes progress.
        const std::int64_t first_step = trainer.steps();
        const auto reached_minutes = [&] {
            return a.minutes && trainer.steps() > first_step && training_seconds() >= *a.minutes * 60.0;
        };

        train::progress_reporter progress(name,
                                          a.iters ? std::size_t(*a.iters) : train::progress_reporter::unknown_total);
        progress.update(std::size_t(trainer.steps()));
        auto last = std::chrono::steady_clock::now();
        try {
            // Whether to take another step; with several ranks rank 0's answer (its clock, its Ctrl-C),
            // so that every rank stops at the same step.
            const auto keep_going = [&] {
                double go = !reached_iters() && !reached_minutes() && !interrupted ? 1.0 : 0.0;
                if (collective* c = trainer.data_parallel()) c->broadcast(std::span<double>(&go, 1), 0);
                return go != 0.0;
            };
            while (keep_going()) {
                const train::gan_step_stats s = trainer.step(training_set);
                const auto now = std::chrono::steady_clock::now();
                seconds += std::chrono::duration<double>(now - last).count();
                last = now;
                if (log) log->append(s, seconds);
                std::ostringstream status;
                status.precision(3);
                status << "D " << s.d_loss << "  G " << s.g_loss << "  energy " << s.mask_energy;
                progress.update(std::size_t(s.step), status.str());
                if (s.step % std::int64_t(a.sample_every) == 0) save_grid();
                if (s.step % std::int64_t(a.checkpoint_every) == 0) save_checkpoint();
            }
        } catch (const train::non_finite_loss& e) {
            progress.finish("stopped");
            if (saved_step >= 0 && fs::exists(checkpoint))
                throw train::non_finite_loss(std::string(e.what()) + ". The last good checkpoint is " +
                                             checkpoint.string() + ", at step " + std::to_string(saved_step) +
                                             " (one every " + std::to_string(a.checkpoint_every) + " steps)");
            throw train::non_finite_loss(std::string(e.what()) +
                                         ". No checkpoint was written: the run stopped before its first one (due at step " +
                                         std::to_string(a.checkpoint_every) + ", --checkpoint-every)");
        }
        const double trained_for = training_seconds();
        const bool by_time = !interrupted && !reached_iters();  // the loop ended, so --minutes did it
        save_checkpoint();
        save_grid();
        progress.finish(interrupted ? "interrupted" : by_time ? "time limit" : "done");
        std::cout << pair_report_line(last_stats, measured) << " (all in " << metrics_path(run).string() << ")\n";
        if (a.minutes && !interrupted) {
            if (by_time)
                std::cout << "stopped by --minutes " << format(*a.minutes) << " after " << format(trained_for)
                          << " s of training, at step " << trainer.steps()
                          << (a.iters ? " (--iters " + std::to_string(*a.iters) + " not reached)" : "") << '\n';
            else
                std::cout << "stopped by --iters " << *a.iters << " before --minutes " << format(*a.minutes)
                          << " had passed\n";
        }
        std::cout << (interrupted ? "interrupted at step " : "trained to step ") << trainer.steps() << "; checkpoint "
                  << checkpoint.string() << ", log " << log_path(run).string() << ", samples "
                  << grid_path(run, trainer.steps()).string() << '\n';
        if (interrupted) std::cout << "continue with: " << name << " train --out " << run.string() << " --resume\n";
        else if (by_time)
            std::cout << "continue with: " << name << " train --out " << run.string() << " --resume [--minutes M]\n";
        return interrupted ? 130 : 0;
    }

    static void check_program(const std::map<std::string, std::string>& meta, const fs::path& path,
                              const std::string& name) {
        for (const char* key : {"generator", "size", "width"})
            if (!meta.count(key))
                throw io_error(path.string() + ": not a checkpoint of the GAN programs (no \"" + key + "\" entry)");
        const std::string want = Generator<32, 8>::name;
        if (meta.at("generator") != want)
            throw usage_error(path.string() + " holds a '" + meta.at("generator") + "' generator; " + name +
                              " trains '" + want + "' (use the " + meta.at("generator") + " programs)");
    }

    static int generate_from_checkpoint(const std::string& name, const program_args& a) {
        const auto meta = train::read_checkpoint_info(a.checkpoint).metadata;
        check_program(meta, a.checkpoint, name);
        const int size = int(number(meta, "size", a.checkpoint));
        // Runs from before --patch trained on whole images: their "size" is the networks' side.
        const int patch = meta.count("patch") ? int(number(meta, "patch", a.checkpoint)) : size;
        if (!models::supported_size(patch) || patch > size || size % patch != 0)
            throw io_error(a.checkpoint + ": checkpoint entries \"size\" " + std::to_string(size) +
                           " and \"patch\" " + std::to_string(patch) + " do not fit together");
        const std::size_t tiles = std::size_t(size / patch);
        const int divisor = width_divisor(number(meta, "width", a.checkpoint));
        const std::string networks = meta.count("networks") ? meta.at("networks") : "paper";
        if (networks != "paper" && networks != "dcgan")
            throw io_error(a.checkpoint + ": unknown \"networks\" entry '" + networks + "'");
        return for_model(patch, divisor, [&]<int S, int D>() { return with_networks<S, D>(networks, [&]<class G>() {
            G g;
            train::load_generator(a.checkpoint, g);
            {
                const checkpoint_reader r(a.checkpoint);
                if (train::checkpoint_holds(r, g, train::generator_ema_prefix))
                    std::cout << "drawing from the generator's moving average (--ema) in " << a.checkpoint << '\n';
            }
            if (a.command == "sample") {
                tensor<cpu> images, masks;
                train::generate_tiled(g, a.seed, 0, a.n, tiles, images, masks);
                const fs::path out = a.out;
                if (out.has_parent_path()) fs::create_directories(out.parent_path());
                train::write_sample_grid(out, images, masks);
                std::cout << "wrote " << a.n << " samples to " << out.string() << '\n'
                          << pair_report_line(measure_pairs(images, masks, a.seed), a.n) << '\n';
                return 0;
            }
            train::progress_reporter progress("export", a.n);
            train::export_options o;
            o.count = a.n;
            o.seed = a.seed;
            o.batch = a.batch;
            o.prefix = name;
            o.tiles = tiles;
            o.on_progress = [&](std::size_t done) { progress.update(done); };
            const auto r = train::export_pairs(g, a.out, o);
            progress.finish();
            std::cout << "exported " << r.pairs << " pairs to " << a.out << " in " << format(r.seconds) << " s ("
                      << format(r.pairs_per_second()) << " pairs/s)\n";
            // Sample i depends on (seed, i) only: these are the first exported pairs, bit for bit.
            tensor<cpu> images, masks;
            train::generate_tiled(g, a.seed, 0, std::min<std::size_t>(r.pairs, 256), tiles, images, masks);
            std::cout << pair_report_line(measure_pairs(images, masks, a.seed), r.pairs) << '\n';
            return 0;
        }); });
    }

    /// A numeric metadata entry of a checkpoint; io_error naming the file when absent or malformed.
    static double number(const std::map<std::string, std::string>& meta, const std::string& key, const fs::path& path) {
        const auto it = meta.find(key);
        std::size_t used = 0;
        double v = 0;
        if (it != meta.end()) {
            try {
                v = std::stod(it->second, &used);
            } catch (const std::exception&) {
                used = 0;
            }
        }
        if (it == meta.end() || used == 0 || used != it->second.size())
            throw io_error(path.string() + ": checkpoint entry \"" + key + "\" is missing or not a number");
        return v;
    }

    /// A number as metadata: the shortest text that reads back as the same double.
    static std::string exact(double v) {
        char buf[32];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        return std::string(buf, r.ptr);
    }

    static std::string format(double v) {
        std::ostringstream s;
        s.precision(6);
        s << v;
        return s.str();
    }
};

}  // namespace isinggan::examples
