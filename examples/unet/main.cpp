// unet: trains the paper's U-Net on real image/mask pairs, optionally plus
// GAN-generated pairs, and reports the IoU on a held-out test set (Table 1).
// Flags, outputs and exit codes: examples/unet/README.md.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <isinggan/data/held_out_split.hpp>
#include <isinggan/io/dataset.hpp>
#include <isinggan/io/training_data.hpp>

#include "../common/cli.hpp"
#include "../common/json_file.hpp"
#include "../common/program_main.hpp"
#include "evaluate.hpp"
#include "training.hpp"

namespace ig = isinggan;
namespace cli = isinggan::examples::cli;
namespace fs = std::filesystem;
using unet_program::settings;
using unet_program::split_sets;

namespace {

using isinggan::examples::usage_error;

/// What `unet` was asked to do: a training run (settings), or `unet evaluate`.
struct command_line {
    settings train;
    unet_program::evaluate_settings evaluate;
    int evaluate_threads = 0;
    bool evaluating = false;
    std::optional<std::string> help;  // --help: the text to print
};

constexpr cli::real_rule share_closed{[](double v) { return v >= 0 && v <= 1; }, "a share in [0, 1]"};
constexpr cli::real_rule share_open{[](double v) { return v > 0 && v < 1; }, "a share in (0, 1)"};
constexpr cli::real_rule built_width{[](double v) { return v == 1.0 || v == 0.25 || v == 0.125; },
                                     "1, 0.25 or 0.125 (channel counts are compile-time)"};

/// The flags of a training run, on the program itself.
void declare_training(CLI::App& app, settings& s) {
    using namespace cli;
    path(app, "--out RUN", s.out, "run folder (required); created when missing; its files are overwritten");
    path(app, "--data DIR", s.data,
         "real pairs: Kaggle/BBBC038 layout or flat images/ + masks/ (default: embedded synthetic nuclei, "
         "--synthetic-count of them)");
    path(app, "--modalities CSV", s.modalities,
         "keep only modality --modality of this table (written by the modalities program; applies to --data, not "
         "to --test-data or --synthetic)");
    whole(app, "--modality K", s.modality, "the modality --modalities keeps, 1..k", {.least = 1});
    each(app, "--synthetic DIR", "add the pairs in DIR (flat layout, as export writes) to the training set only; "
         "repeatable (default: none)",
         [&s](const std::string& text) { s.synthetic.emplace_back(cli::path("--synthetic", text)); });
    real(app, "--fraction F", s.fraction,
         "keep this share of the real training pairs; the test set is unchanged (default 1; 0: only the "
         "--synthetic pairs, TSTR)",
         share_closed);
    real(app, "--test-fraction F", s.test_fraction, "share of the real pairs held out as the test set (default 0.2)",
         share_open);
    path(app, "--test-data DIR", s.test_data,
         "evaluate on all pairs of DIR instead of a split; then all of --data (after --fraction) trains");
    whole(app, "--size S", s.size, "side images and masks are resized to, a multiple of 16 (default 256)");
    real(app, "--width W", s.width, "channel widths as a fraction of the paper's: 1, 0.25 or 0.125 (default 1)",
         built_width);
    whole(app, "--epochs N", s.epochs, "passes over the training set (default 30)", {.least = 1});
    real(app, "--lr R", s.lr, "Adam learning rate (default 1e-4)", positive);
    whole(app, "--batch B", s.batch, "mini-batch (default 4)", {.least = 1});
    real(app, "--dice W", s.dice, "weight of a soft Dice term added to the BCE loss (default 0)", non_negative);
    whole(app, "--split-seed S", s.split_seed,
          "the shuffle that picks the test set and the --fraction subset (default 0)");
    whole(app, "--seed S", s.seed, "initial weights and batch order (default 0)");
    threads(app, s.threads);
    path(app, "--cache DIR", s.cache, "keep the resized datasets here (default: none)");
    whole(app, "--synthetic-count N", s.synthetic_count, "pairs generated when no --data is given (default 256)");
    value_flag(app, "--intensity none|stretch",
               "stretch every image's luminance to its own 1 %..99.5 % quantiles, as the GAN programs' default "
               "recipe trains (default none)",
               [&s](const std::string& text) {
                   s.intensity = ig::data::parse_intensity_mode(cli::one_of("--intensity", text, {"none", "stretch"}));
               });
    choice(app, "--device", s.device, {"cpu", "cuda"}, "train and score on the CPU (default) or the GPU (cuda)");
    flag(app, "--sync-bn", s.sync_bn,
         "under mpirun/srun: batch norm uses the statistics of the whole mini-batch (CPU; default: each rank's own; "
         "docs/cluster.md)");
    real(app, "--collective-timeout S", s.collective_timeout,
         "under mpirun/srun: a rank that waits longer than S seconds for the others stops the job (default 600)",
         positive);
}

/// The flags of `unet evaluate`.
void declare_evaluate(CLI::App& evaluate, unet_program::evaluate_settings& e, int& evaluate_threads) {
    using namespace cli;
    path(evaluate, "--checkpoint CK", e.checkpoint, "a unet checkpoint (required)");
    path(evaluate, "--data DIR", e.data, "the pairs to score, either layout (required)");
    path(evaluate, "--out DIR", e.out, "write evaluation.json and evaluation_per_image.csv here (default: none)");
    whole(evaluate, "--size S", e.size, "side (default: the checkpoint's)");
    real(evaluate, "--width W", e.width, "channel width factor (default: the checkpoint's)");
    whole(evaluate, "--batch B", e.batch, "pairs scored at a time (default 16)", {.least = 1});
    threads(evaluate, evaluate_threads);
    path(evaluate, "--cache DIR", e.cache, "keep the resized pairs here (default: none)");
}

command_line parse(int argc, char** argv) {
    command_line c;
    CLI::App app("unet: trains the paper's U-Net on real image/mask pairs, optionally plus GAN-generated pairs, and "
                 "reports the IoU on a held-out test set (Table 1; examples/unet/README.md)",
                 "unet");
    declare_training(app, c.train);
    declare_evaluate(*app.add_subcommand("evaluate", "the IoU of a trained U-Net's predictions on a folder of pairs "
                                                     "(size and width from the checkpoint)"),
                     c.evaluate, c.evaluate_threads);
    const cli::parsed parsed = cli::parse(app, argc, argv);
    if (parsed.help) {
        c.help = parsed.help;
        return c;
    }
    if (parsed.command) {
        c.evaluating = true;
        if (c.evaluate.checkpoint.empty() || c.evaluate.data.empty())
            throw usage_error("evaluate needs --checkpoint CK and --data DIR");
        return c;
    }
    const settings& s = c.train;
    if (s.out.empty()) throw usage_error("--out RUN is required");
    if (s.fraction == 0 && s.synthetic.empty())
        throw usage_error("--fraction 0 trains on --synthetic pairs alone: give at least one --synthetic DIR");
    if (s.size == 0 || s.size % 16 != 0) throw usage_error("--size must be a positive multiple of 16");
    if ((s.modality == 0) != s.modalities.empty())
        throw usage_error("--modalities and --modality K (1..k) go together");
    if (s.data.empty() && s.modality) throw usage_error("--modality needs --data");
#ifndef ISINGGAN_EXAMPLES_CUDA
    if (s.device == "cuda")
        throw usage_error("--device cuda: this build has no CUDA backend (build with the CUDA toolkit and cuDNN "
                          "installed)");
#endif
    return c;
}

/// a followed by b (both of the same side).
ig::data::image_mask_set joined(const ig::data::image_mask_set& a, const ig::data::image_mask_set& b) {
    if (a.empty()) return b;
    if (b.empty()) return a;
    if (a.side() != b.side()) throw ig::shape_error("cannot join pairs of side " + std::to_string(a.side()) + " and " +
                                                    std::to_string(b.side()));
    ig::data::image_mask_set out;
    const auto is = a.images.shape();
    out.images.resize({a.size() + b.size(), is.c, is.h, is.w});
    out.masks.resize({a.size() + b.size(), 1, is.h, is.w});
    std::copy(a.images.begin(), a.images.end(), out.images.begin());
    std::copy(b.images.begin(), b.images.end(), out.images.begin() + long(a.images.size()));
    std::copy(a.masks.begin(), a.masks.end(), out.masks.begin());
    std::copy(b.masks.begin(), b.masks.end(), out.masks.begin() + long(a.masks.size()));
    out.ids = a.ids;
    out.ids.insert(out.ids.end(), b.ids.begin(), b.ids.end());
    return out;
}

ig::data::image_mask_set load_folder(const fs::path& dir, const settings& s) {
    if (!fs::is_directory(dir)) throw ig::io_error(dir.string() + ": no such folder");
    ig::io::dataset_options o;
    o.size = s.size;
    o.cache_dir = s.cache;
    o.intensity = s.intensity;
    return ig::io::load_dataset(dir, o).data;
}

split_sets prepare(const settings& s) {
    ig::io::training_data_options t;
    t.data_dir = s.data;
    t.size = s.size;
    t.modalities_csv = s.modalities;
    t.modality = s.modality;
    t.cache_dir = s.cache;
    t.synthetic_count = s.synthetic_count;
    t.synthetic_seed = s.split_seed;
    t.intensity = s.intensity;
    if (!s.data.empty() && !fs::is_directory(s.data)) throw ig::io_error(s.data.string() + ": no such folder");
    const ig::data::image_mask_set real = ig::io::load_training_data(t);
    split_sets out;
    out.real_total = real.size();

    // Test split first, then --fraction of what remains, both from --split-seed,
    // so the test set is the same for every fraction and every augmentation
    // (and the images a GAN trained with --holdout F --split-seed S never saw).
    std::vector<std::size_t> train_idx;
    if (s.test_data.empty()) {
        const ig::data::held_out_split split = ig::data::split_held_out(real.size(), s.test_fraction, s.split_seed);
        out.test = ig::data::subset(real, split.test);
        train_idx = split.train;
    } else {
        out.test = load_folder(s.test_data, s);
        train_idx = ig::data::shuffled_indices(real.size(), s.split_seed);
    }
    // --fraction 0 trains on the synthetic pairs alone (TSTR: train on synthetic, test on real).
    const auto keep = s.fraction == 0 ? std::size_t(0)
                                      : std::max<std::size_t>(1, std::size_t(std::llround(s.fraction * double(train_idx.size()))));
    train_idx.resize(keep);
    std::sort(train_idx.begin(), train_idx.end());
    out.train = ig::data::subset(real, train_idx);
    out.real_train = out.train.size();
    for (const fs::path& dir : s.synthetic) {
        const ig::data::image_mask_set extra = load_folder(dir, s);
        out.synthetic += extra.size();
        out.train = joined(out.train, extra);
    }
    if (out.test.empty()) throw ig::argument_error("the test set is empty");
    return out;
}

/// The training run on the device --device names (parse refused cuda where this build has no CUDA backend).
unet_program::training_result train_on_device(const settings& s, const split_sets& sets) {
#ifdef ISINGGAN_EXAMPLES_CUDA
    if (s.device == "cuda") return unet_program::train_on_gpu(s, sets);
#endif
    return unet_program::train<ig::cpu>(s, sets);
}

int run(const settings& s) {
    const auto start = std::chrono::steady_clock::now();
    // Several GPU ranks: each takes its GPU (the communicator picks it) before any other GPU work.
    if (isinggan::examples::job* j = isinggan::examples::job::current(); j && j->parallel() && s.device == "cuda")
        j->communicator(s.collective_timeout, true);
#ifdef ISINGGAN_EXAMPLES_CUDA
    if (s.device == "cuda") unet_program::require_gpu();
#endif
    const split_sets sets = prepare(s);
    std::cerr << "training on " << sets.real_train << " real + " << sets.synthetic << " synthetic pairs, testing on "
              << sets.test.size() << " (" << s.size << "x" << s.size << ", width " << s.width << ", " << s.device
              << ")\n";
    // Under mpirun/srun every rank trains; rank 0 alone writes the run's files.
    const isinggan::examples::job* const ranks = isinggan::examples::job::current();
    const bool writer = !ranks || ranks->rank() == 0;
    if (writer) fs::create_directories(s.out);

    const unet_program::training_result trained = train_on_device(s, sets);
    if (!writer) return 0;
    const ig::metrics::iou_accumulator& iou = trained.iou;
    const double last_loss = trained.final_loss, train_seconds = trained.train_seconds;
    std::ofstream per_image(s.out / "per_image_iou.csv");
    per_image << "id,iou\n";
    for (std::size_t i = 0; i < iou.images(); ++i) per_image << sets.test.ids[i] << ',' << iou.per_image()[i] << '\n';
    // What it trained on: the real training images, then the --synthetic pairs (never tested on).
    std::ofstream trained_on(s.out / "training_images.csv");
    trained_on << "id,source\n";
    for (std::size_t i = 0; i < sets.train.size(); ++i)
        trained_on << sets.train.ids[i] << ',' << (i < sets.real_train ? "real" : "synthetic") << '\n';
    if (!per_image) throw ig::io_error((s.out / "per_image_iou.csv").string() + ": cannot write");
    if (!trained_on) throw ig::io_error((s.out / "training_images.csv").string() + ": cannot write");

    const auto q = iou.per_image_quartiles();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    isinggan::examples::json synthetic = isinggan::examples::json::array();
    for (const fs::path& dir : s.synthetic) synthetic.push_back(dir.string());
    const isinggan::examples::json metrics{
        {"iou", iou.mean_per_image()}, {"iou_mean_per_image", iou.mean_per_image()}, {"iou_pooled", iou.pooled()},
        {"iou_per_image_quartiles", {{"min", q.min}, {"q1", q.q1}, {"median", q.median}, {"q3", q.q3}, {"max", q.max}}},
        {"test_images", sets.test.size()}, {"real_images", sets.real_total},
        {"real_training_images", sets.real_train}, {"synthetic_training_images", sets.synthetic},
        {"epochs", s.epochs}, {"final_training_loss", last_loss}, {"train_seconds", train_seconds},
        {"seconds", seconds}, {"size", s.size}, {"width", s.width}, {"batch", s.batch}, {"lr", s.lr},
        {"dice_weight", s.dice}, {"fraction", s.fraction},
        {"test_fraction", s.test_data.empty() ? s.test_fraction : 0.0}, {"split_seed", s.split_seed},
        {"seed", s.seed}, {"intensity", ig::data::to_string(s.intensity)}, {"device", s.device},
        {"data", s.data.string()}, {"modality", s.modality}, {"test_data", s.test_data.string()},
        {"synthetic", synthetic}};
    isinggan::examples::write_json_file(s.out / "metrics.json", metrics);  // complete or absent

    std::printf("IoU (mean per image): %.4f  pooled: %.4f  median: %.4f  (%zu test images, %.0f s)\n",
                iou.mean_per_image(), iou.pooled(), q.median, iou.images(), seconds);
    std::printf("IoU: %.4f\n", iou.mean_per_image());
    std::printf("wrote %s\n", (s.out / "metrics.json").string().c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // Under mpirun or srun, one rank of a data-parallel job (docs/cluster.md).
    namespace ex = isinggan::examples;
    return ex::program_main("unet", "unet [evaluate]", argc, argv, [&](ex::job& ranks) {
        const command_line c = parse(argc, argv);
        if (c.help) {
            std::cout << *c.help;
            return 0;
        }
        ex::set_threads(c.evaluating ? c.evaluate_threads : c.train.threads);
        if (!c.evaluating) return run(c.train);
        if (ranks.rank() != 0) return 0;  // rank 0 alone scores and writes
        try {
            return unet_program::evaluate(c.evaluate);
        } catch (const std::exception& err) {
            std::cerr << "unet evaluate: " << err.what() << "\n";
            return 1;
        }
    });
}
