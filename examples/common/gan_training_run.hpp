#pragma once
// The training run of the GAN programs' `train` command: the trainer
// (isinggan::train::gan_trainer) on the program's networks, its checkpoints,
// sample grids, logs and limits. Heavy to compile (one whole trainer per
// network pair), so only the per-pair units include it: examples/CMakeLists.txt
// writes one from gan_training_unit.in for each entry of gan_models.hpp's lists
// and each generator family, and the programs' main.cpp see the declaration alone.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "checkpoint_metadata.hpp"
#include "curves_svg.hpp"
#include "gan_args.hpp"
#include "gan_models.hpp"
#include "job.hpp"
#include "pair_report.hpp"
#include "run_files.hpp"
#include "isinggan/data/held_out_split.hpp"
#include "isinggan/data/intensity_stretch.hpp"
#include "isinggan/data/modality_balance.hpp"
#include "isinggan/data/synthetic_nuclei.hpp"
#include "isinggan/io/dataset.hpp"
#include "isinggan/io/modalities_csv.hpp"
#include "isinggan/train/gan_sampling.hpp"
#include "isinggan/train/gan_trainer.hpp"
#include "isinggan/train/progress.hpp"
#include "isinggan/train/sample_grid.hpp"

namespace isinggan::examples {

namespace fs = std::filesystem;

/// Set by Ctrl-C; the training loop saves a checkpoint and stops.
inline volatile std::sig_atomic_t interrupted = 0;
extern "C" inline void on_interrupt(int) { interrupted = 1; }

/// The training pairs: --data (BBBC038 or images/ + masks/, one --modality of it, less the held-out
/// images), else the embedded synthetic nuclei.
inline data::image_mask_set load_training_set(const program_args& a, int size) {
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
                  << " images (unet --test-fraction " << short_text(*a.holdout) << " --split-seed "
                  << a.split_seed.value_or(0) << " tests on them); training on " << kept.size() << '\n';
        return data::subset(loaded.data, kept);
    }
    return std::move(loaded.data);
}

/// `train` with the network pair Networks on backend B (cpu, or cuda from train_on_gpu).
template <class Networks, class B, class Smoothness>
int train_networks(const std::string& name, const program_args& a) {
    using Gen = typename Networks::generator;
    using Discriminator = typename Networks::discriminator;
    constexpr int S = Gen::size, D = Gen::width_divisor;
    constexpr bool ising = Smoothness::enabled;
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
        {"width", short_text(1.0 / D)}, {"d_width", short_text(1.0 / Discriminator::width_divisor)},
        {"minibatch_stddev", has_minibatch_stddev<Discriminator>() ? "on" : "off"},
        {"lambda", exact_text(ising ? o.lambda : 0.0)}, {"seed", std::to_string(a.seed)},
        {"batch", std::to_string(a.batch)},
        {"lambda_warmup", std::to_string(o.lambda_warmup)}, {"mask_range", a.mask_range.value_or("unit")},
        {"balance", std::to_string(k)},
        {"mask_noise", exact_text(o.mask_noise)}, {"hard_mask", o.straight_through_mask ? "on" : "off"},
        {"diff_augment", o.diff_augment ? "on" : "off"}, {"ema", exact_text(o.generator_ema)},
        {"smooth_mask", a.smooth_mask.value_or("soft")}, {"mask_ambiguity", exact_text(o.mask_ambiguity)},
        {"holdout", exact_text(a.holdout.value_or(0.0))},
        {"split_seed", std::to_string(a.split_seed.value_or(0))}, {"data", a.data},
        {"modalities", a.modalities}, {"modality", std::to_string(a.modality)},
        {"synthetic", std::to_string(a.synthetic)}, {"overrides", a.override_history}};
    std::vector<std::pair<std::string, std::string>> config{{"program", name}, {"generator", Gen::name},
                       {"smoothness", ising ? "mrf" : "none"}, {"data", a.data.empty() ? "synthetic" : a.data},
                       {"modalities", a.modalities}, {"modality", std::to_string(a.modality)},
                       {"recipe", a.recipe}, {"size", std::to_string(pair_side)}, {"patch", std::to_string(S)},
                       {"intensity", a.intensity.value_or("none")}, {"networks", a.networks.value_or("paper")},
                       {"width", short_text(1.0 / D)}, {"d_width", short_text(1.0 / Discriminator::width_divisor)},
                       {"minibatch_stddev", has_minibatch_stddev<Discriminator>() ? "on" : "off"},
                       {"batch", std::to_string(a.batch)}, {"iters", a.iters ? std::to_string(*a.iters) : "null"},
                       {"minutes", a.minutes ? short_text(*a.minutes) : "null"},
                       {"lambda", short_text(ising ? o.lambda : 0.0)}, {"lambda_warmup", std::to_string(o.lambda_warmup)},
                       {"lr_g", short_text(o.generator_adam.lr)}, {"lr_d", short_text(o.discriminator_adam.lr)},
                       {"mask_range", a.mask_range.value_or("unit")}, {"mask_noise", short_text(o.mask_noise)},
                       {"hard_mask", o.straight_through_mask ? "on" : "off"},
                       {"diff_augment", o.diff_augment ? "on" : "off"},
                       {"smooth_mask", ising ? a.smooth_mask.value_or("soft") : "none"},
                       {"mask_ambiguity", short_text(o.mask_ambiguity)},
                       {"balance", std::to_string(k)},
                       {"beta1", short_text(a.beta1)}, {"beta2", short_text(a.beta2)},
                       {"adam_eps", short_text(a.adam_eps)}, {"seed", std::to_string(a.seed)},
                       {"ema", short_text(o.generator_ema)}, {"holdout", short_text(a.holdout.value_or(0.0))},
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
            std::cout << "stopped by --minutes " << short_text(*a.minutes) << " after " << short_text(trained_for)
                      << " s of training, at step " << trainer.steps()
                      << (a.iters ? " (--iters " + std::to_string(*a.iters) + " not reached)" : "") << '\n';
        else
            std::cout << "stopped by --iters " << *a.iters << " before --minutes " << short_text(*a.minutes)
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

}  // namespace isinggan::examples

/// Compiles train_networks for entry Index of the Count network pairs that gan_models.hpp lists for the
/// generator family Generator on Backend, with each smoothness policy of the programs (the networks' code is
/// then compiled once for the two programs of a generator family).
#define ISINGGAN_GAN_TRAINING_UNIT(Generator, Backend, Index, Count)                                          \
    static_assert(std::tuple_size_v<isinggan::examples::built_networks<Generator, isinggan::Backend>> ==     \
                      (Count),                                                                              \
                  "examples/CMakeLists.txt's count of network pairs differs from gan_models.hpp's list");   \
    template int isinggan::examples::train_networks<                                                          \
        std::tuple_element_t<(Index), isinggan::examples::built_networks<Generator, isinggan::Backend>>,       \
        isinggan::Backend, isinggan::no_smoothness>(const std::string&, const isinggan::examples::program_args&); \
    template int isinggan::examples::train_networks<                                                          \
        std::tuple_element_t<(Index), isinggan::examples::built_networks<Generator, isinggan::Backend>>,       \
        isinggan::Backend, isinggan::mrf_loss<isinggan::ising>>(const std::string&,                          \
                                                                 const isinggan::examples::program_args&);
