#pragma once
// The settings of the four GAN programs (gan, resgan, ising_gan, ising_resgan)
// as their command line gives them: gan_cli.hpp parses it into a program_args,
// gan_commands.hpp runs the command. Kept apart from gan_cli.hpp (and CLI11) so
// that the part nvcc compiles (gan_program_cuda.cuh) does without the parser.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "usage_error.hpp"

namespace isinggan::examples {

/// A GAN program's command line, parsed (gan_cli.hpp's parse_args); the run's
/// checkpoint fills what a resume keeps (gan_resume.hpp).
struct program_args {
    std::string command;    // train, sample, export, or "" for the default demo run
    bool help = false;      // --help or -h: print help_text, nothing else
    std::string help_text;  // the help of the program, or of the command given
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
    double lr = 2e-4, beta1 = 0.9, beta2 = 0.999, adam_eps = 1e-8;
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
    bool sync_bn = false;            // under an MPI launcher: batch norm over the global batch
    double collective_timeout = 600; // under an MPI launcher: the longest wait for the other ranks, seconds
    // sample / export
    std::string checkpoint;
    std::size_t n = 0;               // default 64 (sample) or 1000 (export)
};

}  // namespace isinggan::examples
