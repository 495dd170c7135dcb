#pragma once
// Command line of the four GAN programs (gan, resgan, ising_gan,
// ising_resgan): the subcommands train, sample and export, their flags, and
// the usage text. Parsing only; examples/common/gan_program.hpp runs them.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "flag_numbers.hpp"

namespace isinggan::examples {

/// A bad command line: the message says which flag and why.
class usage_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct program_args {
    std::string command;  // train, sample, export, or "" for the default demo run
    bool help = false;    // --help or -h anywhere
    // train
    std::string data;                // empty: the embedded synthetic nuclei
    std::string modalities;          // CSV written by examples/modalities
    std::size_t modality = 0;        // 1..k, with --modalities
    std::optional<int> size;         // side S; default 64 (from the checkpoint on --resume)
    std::optional<double> width;     // width factor; default 1.0 (from the checkpoint on --resume)
    std::size_t batch = 64;
    std::optional<std::size_t> iters = 2000;  // step limit; none with --minutes and no --iters
    std::optional<double> minutes;   // wall-clock limit on this invocation's training
    std::optional<double> lambda;    // default 1.5 (Ising programs only)
    double lr = 2e-4, beta1 = 0.9, beta2 = 0.999;
    std::optional<double> lr_g, lr_d;       // per network; default --lr
    std::optional<std::size_t> lambda_warmup;  // steps of linear warm-up of λ (default 0; the run's on --resume)
    std::optional<std::string> mask_range;     // how D sees masks: unit (default) or signed
    std::optional<double> mask_noise;          // instance noise σ on D's mask channel (default 0)
    std::optional<bool> hard_mask;             // D sees binarised generated masks (straight-through)
    std::optional<bool> diff_augment;          // DiffAugment of the pairs before D
    std::optional<std::string> smooth_mask;    // what the Ising term smooths: soft (the paper) or hard (the binarised mask)
    std::optional<double> mask_ambiguity;      // weight μ of the penalty μ·Σ m(1 − m) (default 0: none)
    std::optional<double> ema;                 // decay of the generator's moving average (default 0: none)
    std::optional<double> holdout;             // share of the images held out (never trained on); default 0
    std::optional<std::uint64_t> split_seed;   // the shuffle that picks them (as unet --split-seed); default 0
    std::optional<std::string> intensity;      // per-image contrast stretch: none or stretch
    std::optional<int> patch;                  // the networks' side: train on random patch windows of the size-S images
    std::optional<std::string> networks;       // paper (the paper's generator and discriminator) or dcgan
    std::optional<double> d_width;             // the discriminator's width factor (default --width)
    std::optional<std::size_t> balance;        // k: draw each of k texture modalities alike (0: every image alike)
    std::optional<bool> minibatch_stddev;      // D sees the batch's feature spread (--networks dcgan)
    std::string recipe;                        // the defaults of the flags not given: "patch" (default) or "paper"
    std::uint64_t seed = 0;
    bool seed_given = false;         // --resume takes the run's seed unless --seed is given
    int threads = 0;                 // 0: every core
    std::string out;                 // run folder (train) / grid file (sample) / folder (export)
    bool resume = false;
    bool overwrite = false;          // replace a run already in --out (one is refused otherwise)
    bool override_settings = false;  // --override: with --resume, flags may change the run's settings
    std::set<std::string> given;     // the flags on the command line (a resume compares them with the run's)
    std::string override_history;    // the settings --override changed, step by step (kept in the checkpoint)
    std::size_t checkpoint_every = 200;
    std::size_t sample_every = 200;
    std::size_t synthetic = 512;     // synthetic samples when no --data is given
    std::string cache;               // dataset cache folder
    std::string device = "cpu";      // cpu or cuda
    // sample / export
    std::string checkpoint;
    std::size_t n = 0;               // default 64 (sample) or 1000 (export)
};

inline void print_usage(const std::string& program, std::ostream& out) {
    out << "usage: " << program << " <command> [flags]\n"
        << "       " << program << "            (no arguments: a short demo run on synthetic data, then export)\n\n"
        << "  train   --out RUN [--data DIR] [--modalities CSV --modality K] [--size S] [--width W]\n"
        << "          [--batch N] [--iters N] [--lambda L] [--lr R] [--beta1 B] [--beta2 B] [--seed S]\n"
        << "          [--threads T] [--checkpoint-every M] [--sample-every M] [--synthetic N] [--cache DIR]\n"
        << "          [--device cpu|cuda] [--minutes M] [--resume [--override] | --overwrite] [--lr-g R] [--lr-d R]\n"
        << "          [--lambda-warmup N] [--mask-range unit|signed] [--mask-noise S] [--hard-mask on|off]\n"
        << "          [--diff-augment on|off] [--ema B] [--holdout F [--split-seed S]] [--recipe patch|paper]\n"
        << "          [--patch P] [--intensity none|stretch] [--networks paper|dcgan] [--smooth-mask soft|hard]\n"
        << "          [--mask-ambiguity U] [--balance K] [--d-width W] [--minibatch-stddev on|off]\n"
        << "  sample  --checkpoint FILE --out GRID.png [--n 64] [--seed S] [--threads T]\n"
        << "  export  --checkpoint FILE --out DIR [--n 1000] [--seed S] [--batch 64] [--threads T]\n\n"
        << "  --data DIR       BBBC038/Kaggle layout or flat images/ + masks/ (default: embedded synthetic nuclei)\n"
        << "  --size S         side in pixels: 32, 64, 128 or 256 (default 64)\n"
        << "  --width W        channel width factor, 1 = the paper's: 1 or 0.25 (default 1)\n"
        << "  --lambda L       smoothness weight, applied as L/(D*N) to the summed energy (default 1.5)\n"
        << "  --device D       train on cpu (default) or cuda (the GPU; sampling and export stay on the CPU)\n"
        << "  --iters N        stop at step N (default 2000; with --minutes and no --iters, no step limit;\n"
        << "                   the patch recipe at --size 64: 6000 in both cases)\n"
        << "  --minutes M      stop after M minutes of training (M > 0, e.g. 0.5), or at --iters if sooner\n"
        << "  --resume         continue the run in RUN from its checkpoint (up to --iters), with its settings\n"
        << "  --override       with --resume: let --batch, --lambda, ... change the run's settings (recorded)\n"
        << "  --overwrite      replace the run in RUN; without --resume or --overwrite, a RUN that holds\n"
        << "                   a run (checkpoint.safetensors or log.csv) is refused\n"
        << "  --lr-g R, --lr-d R  Adam learning rate of the generator / the discriminator (default --lr)\n"
        << "  --lambda-warmup N  grow the smoothness weight linearly from 0 over the first N steps (default 0)\n"
        << "  --mask-range M   how D sees a mask m: unit (m, the paper; default) or signed (2m - 1, the images' range)\n"
        << "  --mask-noise S   Gaussian noise of std S on the mask channel of every pair D sees (default 0)\n"
        << "  --hard-mask on|off  D sees generated masks binarised at 0.5, gradient straight through (default off)\n"
        << "  --smooth-mask M  what the Ising term smooths: soft (the mask m, the paper; default) or hard (m >= 0.5,\n"
        << "                   the mask D sees with --hard-mask on; gradient straight through). Ising programs only\n"
        << "  --mask-ambiguity U  add U * sum m(1 - m) / pixels to G's loss: pushes the soft mask to 0 or 1\n"
        << "                   (normalised as --lambda, warmed up with it; default 0: none; the patch recipe: 6)\n"
        << "  --diff-augment on|off  colour, translation and cutout of every pair D sees, differentiably (CPU; default off)\n"
        << "  --ema B          sample and export from a moving average of G's weights, decay B (e.g. 0.999; default 0: off)\n"
        << "  --recipe R       the defaults of the flags below: patch (default; docs/gan-recipe.md) or paper (the\n"
        << "                   paper's exact settings, for reproduction); a flag given explicitly always wins\n"
        << "  --patch P        train the networks on random P x P windows of the S x S images; sample and export\n"
        << "                   tile (S/P)^2 generated windows into each S x S pair (patch: S/2 from 64 up; paper: S)\n"
        << "  --intensity I    stretch each image's luminance to its own 1 %..99.5 % quantiles (stretch; patch\n"
        << "                   recipe) or not (none; paper). A U-Net trained on the pairs needs the same flag.\n"
        << "  --networks N     paper (the paper's generator and 7-layer discriminator; paper recipe) or dcgan\n"
        << "                   (the same heads with DCGAN proportions, a discriminator without batch norm;\n"
        << "                   patch recipe; built at --width 0.25 for networks of side 32 and 64)\n"
        << "  --d-width W      the discriminator's width factor (default: --width); with --networks dcgan at\n"
        << "                   side 32 (the patch recipe), twice the generator's is built too (CPU only)\n"
        << "  --minibatch-stddev on|off  with --networks dcgan: D sees the batch's feature spread before its last\n"
        << "                   layer, so a generator that draws one modality of a mixed set pays for it (patch\n"
        << "                   recipe: on; default off)\n"
        << "  --balance K      cluster the training images into K modalities (the paper's texture features,\n"
        << "                   k-means) and draw each modality alike into the real batches (default 0: every\n"
        << "                   image alike; the patch recipe with --minibatch-stddev off, --data and no\n"
        << "                   --modalities: 5)\n"
        << "  --holdout F      never train on the share F of the images that unet --test-fraction F\n"
        << "                   --split-seed S tests on (default 0: train on all); --split-seed S (default 0)\n"
        << "  see examples/README.md for every flag and the outputs\n";
}

namespace cli_detail {

template <class T = std::uint64_t>
inline T whole_number(const std::string& flag, const std::string& text) {
    return parse_whole_number<usage_error, T>(flag, text);
}
inline double real_number(const std::string& flag, const std::string& text) {
    return parse_real_number<usage_error>(flag, text);
}

}  // namespace cli_detail

/// Parses argv; throws usage_error on an unknown command or flag, a missing
/// or malformed value, or a flag the command does not take.
inline program_args parse_args(int argc, char** argv) {
    using cli_detail::real_number;
    using cli_detail::whole_number;
    program_args a;
    if (argc < 2) return a;
    for (int i = 1; i < argc; ++i)
        if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
            a.help = true;
            return a;
        }
    a.command = argv[1];
    static const std::set<std::string> commands{"train", "sample", "export"};
    if (!commands.count(a.command)) throw usage_error("unknown command '" + a.command + "' (train, sample or export)");
    static const std::set<std::string> train_flags{
        "--data", "--modalities", "--modality", "--size", "--width", "--batch", "--iters", "--lambda", "--lr",
        "--beta1", "--beta2", "--seed", "--threads", "--out", "--resume", "--checkpoint-every", "--sample-every",
        "--synthetic", "--cache", "--device", "--minutes", "--overwrite", "--lr-g", "--lr-d", "--lambda-warmup",
        "--mask-range", "--mask-noise", "--hard-mask", "--diff-augment", "--override", "--holdout", "--split-seed", "--ema",
        "--recipe", "--patch", "--intensity", "--networks", "--smooth-mask", "--mask-ambiguity", "--balance", "--d-width",
        "--minibatch-stddev"};
    static const std::set<std::string> sample_flags{"--checkpoint", "--n", "--seed", "--threads", "--out"};
    static const std::set<std::string> export_flags{"--checkpoint", "--n", "--seed", "--threads", "--out", "--batch"};
    const auto& allowed = a.command == "train" ? train_flags : a.command == "sample" ? sample_flags : export_flags;
    std::set<std::string> seen;
    for (int i = 2; i < argc; ++i) {
        const std::string flag = argv[i];
        if (!allowed.count(flag))
            throw usage_error(flag.rfind("--", 0) == 0 ? "'" + a.command + "' does not take " + flag
                                                       : "unexpected argument '" + flag + "'");
        if (!seen.insert(flag).second) throw usage_error(flag + " is given twice");
        if (flag == "--resume" || flag == "--overwrite" || flag == "--override") {  // switches: no value follows
            if (flag == "--resume") a.resume = true;
            else if (flag == "--overwrite") a.overwrite = true;
            else a.override_settings = true;
            continue;
        }
        if (i + 1 >= argc) throw usage_error(flag + " needs a value");
        const std::string v = argv[++i];
        if (flag == "--data") a.data = v;
        else if (flag == "--modalities") a.modalities = v;
        else if (flag == "--modality") a.modality = whole_number(flag, v);
        else if (flag == "--size") a.size = whole_number<int>(flag, v);
        else if (flag == "--width") a.width = real_number(flag, v);
        else if (flag == "--batch") a.batch = whole_number(flag, v);
        else if (flag == "--iters") a.iters = whole_number(flag, v);
        else if (flag == "--minutes") {
            a.minutes = real_number(flag, v);
            if (*a.minutes <= 0) throw usage_error("--minutes needs a positive number of minutes, got '" + v + "'");
        }
        else if (flag == "--lambda") a.lambda = real_number(flag, v);
        else if (flag == "--lr") a.lr = real_number(flag, v);
        else if (flag == "--lr-g") a.lr_g = real_number(flag, v);
        else if (flag == "--lr-d") a.lr_d = real_number(flag, v);
        else if (flag == "--lambda-warmup") a.lambda_warmup = whole_number(flag, v);
        else if (flag == "--mask-range") {
            if (v != "unit" && v != "signed") throw usage_error("--mask-range takes unit or signed, got '" + v + "'");
            a.mask_range = v;
        }
        else if (flag == "--hard-mask" || flag == "--diff-augment" || flag == "--minibatch-stddev") {
            if (v != "on" && v != "off") throw usage_error(flag + " takes on or off, got '" + v + "'");
            (flag == "--hard-mask" ? a.hard_mask : flag == "--diff-augment" ? a.diff_augment : a.minibatch_stddev) =
                v == "on";
        }
        else if (flag == "--smooth-mask") {
            if (v != "soft" && v != "hard") throw usage_error("--smooth-mask takes soft or hard, got '" + v + "'");
            a.smooth_mask = v;
        }
        else if (flag == "--mask-ambiguity") {
            a.mask_ambiguity = real_number(flag, v);
            if (*a.mask_ambiguity < 0) throw usage_error("--mask-ambiguity needs a number >= 0, got '" + v + "'");
        }
        else if (flag == "--mask-noise") {
            a.mask_noise = real_number(flag, v);
            if (*a.mask_noise < 0) throw usage_error("--mask-noise needs a number >= 0, got '" + v + "'");
        }
        else if (flag == "--holdout") {
            a.holdout = real_number(flag, v);
            if (!(*a.holdout >= 0 && *a.holdout < 1)) throw usage_error("--holdout needs a share in [0, 1), got '" + v + "'");
        }
        else if (flag == "--split-seed") a.split_seed = whole_number(flag, v);
        else if (flag == "--recipe") {
            if (v != "patch" && v != "paper") throw usage_error("--recipe takes patch or paper, got '" + v + "'");
            a.recipe = v;
        }
        else if (flag == "--patch") a.patch = whole_number<int>(flag, v);
        else if (flag == "--balance") a.balance = whole_number(flag, v);
        else if (flag == "--d-width") a.d_width = real_number(flag, v);
        else if (flag == "--networks") {
            if (v != "paper" && v != "dcgan") throw usage_error("--networks takes paper or dcgan, got '" + v + "'");
            a.networks = v;
        }
        else if (flag == "--intensity") {
            if (v != "none" && v != "stretch") throw usage_error("--intensity takes none or stretch, got '" + v + "'");
            a.intensity = v;
        }
        else if (flag == "--ema") {
            a.ema = real_number(flag, v);
            if (!(*a.ema >= 0 && *a.ema < 1)) throw usage_error("--ema needs a decay in [0, 1) (e.g. 0.999), got '" + v + "'");
        }
        else if (flag == "--beta1") a.beta1 = real_number(flag, v);
        else if (flag == "--beta2") a.beta2 = real_number(flag, v);
        else if (flag == "--seed") a.seed = whole_number(flag, v), a.seed_given = true;
        else if (flag == "--threads") a.threads = whole_number<int>(flag, v);
        else if (flag == "--out") a.out = v;
        else if (flag == "--checkpoint-every") a.checkpoint_every = whole_number<std::int64_t>(flag, v);  // compared with int64 steps
        else if (flag == "--sample-every") a.sample_every = whole_number<std::int64_t>(flag, v);
        else if (flag == "--synthetic") a.synthetic = whole_number(flag, v);
        else if (flag == "--cache") a.cache = v;
        else if (flag == "--device") {
            if (v != "cpu" && v != "cuda") throw usage_error("--device takes cpu or cuda, got '" + v + "'");
            a.device = v;
        }
        else if (flag == "--checkpoint") a.checkpoint = v;
        else if (flag == "--n") a.n = whole_number(flag, v);
    }
    if (a.out.empty()) throw usage_error("'" + a.command + "' needs --out");
    if (a.command != "train" && a.checkpoint.empty()) throw usage_error("'" + a.command + "' needs --checkpoint FILE");
    if (seen.count("--n") && a.n == 0) throw usage_error("--n must be at least 1");
    if (a.n == 0) a.n = a.command == "sample" ? 64 : 1000;
    if (a.batch < (a.command == "train" ? 2u : 1u)) throw usage_error("--batch must be at least 2 (batch norm)");
    if (a.command == "train") {
        if (a.iters && *a.iters == 0) throw usage_error("--iters must be at least 1");
        if (a.minutes && !seen.count("--iters")) a.iters.reset();  // the time limit alone stops the run
        if (a.resume && a.overwrite)
            throw usage_error("--resume continues the run in --out, --overwrite replaces it: give one of them");
        if (a.override_settings && !a.resume) throw usage_error("--override goes with --resume");
        if (!a.modalities.empty() && a.modality == 0) throw usage_error("--modalities needs --modality K (1..k)");
        if (a.modality != 0 && a.modalities.empty()) throw usage_error("--modality needs --modalities CSV");
        if (!a.modalities.empty() && a.data.empty()) throw usage_error("--modalities needs --data DIR");
        if (a.checkpoint_every == 0 || a.sample_every == 0)
            throw usage_error("--checkpoint-every and --sample-every must be at least 1");
        if (a.synthetic < 1) throw usage_error("--synthetic must be at least 1");
        for (const auto& [flag, lr] : {std::pair{"--lr", std::optional<double>(a.lr)}, std::pair{"--lr-g", a.lr_g},
                                       std::pair{"--lr-d", a.lr_d}})
            if (lr && *lr <= 0) throw usage_error(std::string(flag) + " must be positive");
    }
    a.given = std::move(seen);
    return a;
}

}  // namespace isinggan::examples
