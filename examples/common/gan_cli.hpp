#pragma once
// Command line of the four GAN programs (gan, resgan, ising_gan,
// ising_resgan): the commands train, sample and export, their flags and help,
// in the vocabulary of cli.hpp. Parsing only; gan_program.hpp runs them.
#include <string>

#include "cli.hpp"
#include "gan_args.hpp"

namespace isinggan::examples {

namespace gan_cli_detail {

inline constexpr cli::real_rule minutes{[](double v) { return v > 0; }, "a positive number of minutes"};
inline constexpr cli::real_rule share{[](double v) { return v >= 0 && v < 1; }, "a share in [0, 1)"};
inline constexpr cli::real_rule decay{[](double v) { return v >= 0 && v < 1; }, "a decay in [0, 1) (e.g. 0.999)"};

inline void declare_train(CLI::App& train, program_args& a) {
    using namespace cli;
    path(train, "--out RUN", a.out,
         "the run folder (required); created when missing. One that already holds a run (checkpoint.safetensors "
         "or log.csv) is refused unless --resume or --overwrite is given");
    path(train, "--data DIR", a.data,
         "BBBC038/Kaggle layout or flat images/ + masks/ (default: the embedded synthetic nuclei)");
    path(train, "--modalities CSV", a.modalities,
         "keep the images of one modality (--modality) of this table, written by the modalities program "
         "(with --data; default: all images)");
    whole(train, "--modality K", a.modality, "the modality --modalities keeps, 1..k", {.least = 1});
    whole(train, "--size S", a.size, "side of the generated pairs in pixels: 32, 64, 128 or 256 (default 64)");
    real(train, "--width W", a.width,
         "channel width factor, 1 = the paper's: 1 or 0.25 (default: patch recipe 0.25, paper 1)");
    whole(train, "--batch N", a.batch, "mini-batch, at least 2 (default 64)", {.least = 2, .why = "batch norm"});
    whole(train, "--iters N", a.iters,
          "stop at step N (default 2000; with --minutes and no --iters, no step limit; the patch recipe at "
          "--size 64: 6000 in both cases)",
          {.least = 1});
    real(train, "--minutes M", a.minutes,
         "stop after M minutes of training (M > 0, e.g. 0.5), or at --iters if sooner (default: no time limit)",
         minutes);
    real(train, "--lambda L", a.lambda,
         "smoothness weight, applied as L/(D*N) to the summed energy (default 1.5). Ising programs only");
    real(train, "--lr R", a.lr, "Adam learning rate of both networks (default 2e-4)", positive);
    real(train, "--lr-g R", a.lr_g, "Adam learning rate of the generator (default --lr)", positive);
    real(train, "--lr-d R", a.lr_d, "Adam learning rate of the discriminator (default --lr)", positive);
    real(train, "--beta1 B", a.beta1, "Adam's beta1 (default: patch recipe 0.5, paper 0.9)");
    real(train, "--beta2 B", a.beta2, "Adam's beta2 (default 0.999)");
    real(train, "--adam-eps E", a.adam_eps, "Adam's epsilon (default 1e-8)", positive);
    whole(train, "--seed S", a.seed,
          "initial weights, batches, rotations, z: a seed repeats a run exactly (default 0; on --resume, the run's)");
    threads(train, a.threads);
    // Compared with the trainer's (64-bit, signed) step count: above its range they would wrap to negative.
    whole(train, "--checkpoint-every M", a.checkpoint_every,
          "steps between checkpoints; one is always written at the end (default 200)",
          whole_bounds<std::int64_t>{.least = 1});
    whole(train, "--sample-every M", a.sample_every, "steps between sample grids (default 200)",
          whole_bounds<std::int64_t>{.least = 1});
    whole(train, "--synthetic N", a.synthetic, "synthetic training pairs when no --data is given (default 512)",
          {.least = 1});
    path(train, "--cache DIR", a.cache,
         "keep the preprocessed dataset here; the next run loads it in seconds (default: none)");
    choice(train, "--device", a.device, {"cpu", "cuda"},
           "train on the CPU (default) or the GPU (cuda; sampling and export stay on the CPU)");
    flag(train, "--resume", a.resume,
         "continue the run in --out from its checkpoint (up to --iters), with the run's settings");
    flag(train, "--override", a.override_settings,
         "with --resume: let --batch, --lambda, ... change the run's settings (each change is recorded)");
    flag(train, "--overwrite", a.overwrite, "replace the run in --out (not with --resume)");
    choice(train, "--recipe", a.recipe, {"patch", "paper"},
           "the defaults of the flags not given: patch (default; docs/gan-recipe.md) or paper (the paper's exact "
           "settings, for reproduction); a flag given explicitly always wins");
    whole(train, "--patch P", a.patch,
          "train the networks on random P x P windows of the S x S images; sample and export tile (S/P)^2 "
          "generated windows into each S x S pair (default: patch recipe S/2 from 64 up, else S; paper S)");
    choice(train, "--intensity", a.intensity, {"none", "stretch"},
           "stretch each image's luminance to its own 1 %..99.5 % quantiles (stretch; patch recipe) or not "
           "(none; paper). A U-Net trained on the pairs needs the same flag");
    choice(train, "--networks", a.networks, {"paper", "dcgan"},
           "paper (the paper's generator and 7-layer discriminator; paper recipe) or dcgan (the same heads with "
           "DCGAN proportions, a discriminator without batch norm; patch recipe; built at --width 0.25 for "
           "networks of side 32 and 64)");
    real(train, "--d-width W", a.d_width,
         "the discriminator's width factor (default: --width); with --networks dcgan at side 32 (the patch "
         "recipe), twice the generator's is built too (CPU only)");
    on_off(train, "--minibatch-stddev", a.minibatch_stddev,
           "with --networks dcgan: D sees the batch's feature spread before its last layer, so a generator that "
           "draws one modality of a mixed set pays for it (default: patch recipe on, paper off)");
    whole(train, "--balance K", a.balance,
          "cluster the training images into K modalities (the paper's texture features, k-means) and draw each "
          "modality alike into the real batches (default 0: every image alike; the patch recipe with "
          "--minibatch-stddev off, --data and no --modalities: 5)");
    whole(train, "--lambda-warmup N", a.lambda_warmup,
          "grow the smoothness weight linearly from 0 over the first N steps (default: patch recipe 500, paper 0)");
    choice(train, "--mask-range", a.mask_range, {"unit", "signed"},
           "how D sees a mask m: unit (m, the paper) or signed (2m - 1, the images' range) (default: patch "
           "recipe signed, paper unit)");
    real(train, "--mask-noise S", a.mask_noise, "Gaussian noise of std S on the mask channel of every pair D sees "
         "(default 0)", non_negative);
    on_off(train, "--hard-mask", a.hard_mask,
           "D sees generated masks binarised at 0.5, gradient straight through (default: patch recipe on, paper "
           "off)");
    choice(train, "--smooth-mask", a.smooth_mask, {"soft", "hard"},
           "what the Ising term smooths: soft (the mask m, the paper; default) or hard (m >= 0.5, the mask D sees "
           "with --hard-mask on; gradient straight through). Ising programs only");
    real(train, "--mask-ambiguity U", a.mask_ambiguity,
         "add U * sum m(1 - m) / pixels to G's loss: pushes the soft mask to 0 or 1 (normalised as --lambda, "
         "warmed up with it; default: patch recipe 6, paper 0)",
         non_negative);
    on_off(train, "--diff-augment", a.diff_augment,
           "colour, translation and cutout of every pair D sees, differentiably (CPU; default: patch recipe on, "
           "paper off)");
    real(train, "--ema B", a.ema,
         "sample and export from a moving average of G's weights, decay B (e.g. 0.999; default: patch recipe "
         "0.999, paper 0: off)",
         decay);
    flag(train, "--sync-bn", a.sync_bn,
         "under mpirun/srun: batch norm uses the statistics of the whole global batch, so R ranks train as one "
         "process would (CPU; default: each rank's own, as PyTorch's DDP; docs/cluster.md)");
    real(train, "--collective-timeout S", a.collective_timeout,
         "under mpirun/srun: a rank that waits longer than S seconds for the others stops the job (default 600)",
         positive);
    real(train, "--holdout F", a.holdout,
         "never train on the share F of the images that unet --test-fraction F --split-seed S tests on "
         "(default 0: train on all)",
         share);
    whole(train, "--split-seed S", a.split_seed, "the shuffle --holdout draws from, as unet's (default 0)");
    train.footer("Every flag, the recipes and the outputs: examples/README.md");
}

/// sample and export: generated pairs from a checkpoint.
inline void declare_generate(CLI::App& command, program_args& a, bool to_folder) {
    using namespace cli;
    path(command, "--checkpoint FILE", a.checkpoint, "the run's checkpoint.safetensors (required)");
    if (to_folder)
        path(command, "--out DIR", a.out,
             "the folder (required): DIR/images, DIR/masks (flat layout) and DIR/manifest.csv");
    else
        path(command, "--out GRID.png", a.out, "the grid of samples, the mask outlines in green (required)");
    whole(command, "--n N", a.n, to_folder ? "pairs to write (default 1000)" : "samples to draw (default 64)",
          {.least = 1});
    whole(command, "--seed S", a.seed, "sample i depends on (seed, i) alone (default 0)");
    if (to_folder) whole(command, "--batch N", a.batch, "pairs generated at a time (default 64)", {.least = 1});
    threads(command, a.threads);
}

}  // namespace gan_cli_detail

/// Parses a GAN program's argv (`name`: the program's name; default: argv[0]'s).
/// No arguments is the demo run (command ""); throws usage_error on a bad command line.
inline program_args parse_args(int argc, char** argv, std::string name = {}) {
    program_args a;
    if (name.empty()) name = cli::program_name(argc > 0 ? argv[0] : nullptr);
    if (argc < 2) return a;
    CLI::App app(name + ": a GAN of image/mask pairs (examples/README.md). With no arguments: a short demo run on "
                        "synthetic nuclei, then an export.",
                 name);
    gan_cli_detail::declare_train(*app.add_subcommand("train", "train the networks into a run folder (--out)"), a);
    gan_cli_detail::declare_generate(
        *app.add_subcommand("sample", "draw --n samples from a checkpoint into one grid PNG (--out)"), a, false);
    gan_cli_detail::declare_generate(
        *app.add_subcommand("export", "write --n generated pairs from a checkpoint into a folder (--out)"), a, true);
    app.footer("'" + name + " <command> --help' lists a command's flags.");  // after the commands: not theirs

    const cli::parsed parsed = cli::parse(app, argc, argv);
    if (parsed.help) {
        a.help = true;
        a.help_text = *parsed.help;
        return a;
    }
    if (!parsed.command) throw usage_error("give a command: train, sample or export");
    a.command = parsed.command->get_name();
    a.given = cli::given_flags(*parsed.command);
    a.seed_given = a.given.count("--seed") > 0;
    if (a.out.empty()) throw usage_error("'" + a.command + "' needs --out");
    if (a.command != "train" && a.checkpoint.empty()) throw usage_error("'" + a.command + "' needs --checkpoint FILE");
    if (a.n == 0) a.n = a.command == "sample" ? 64 : 1000;
    if (a.command == "train") {
        if (a.minutes && !a.given.count("--iters")) a.iters.reset();  // the time limit alone stops the run
        if (a.resume && a.overwrite)
            throw usage_error("--resume continues the run in --out, --overwrite replaces it: give one of them");
        if (a.override_settings && !a.resume) throw usage_error("--override goes with --resume");
        if (!a.modalities.empty() && a.modality == 0) throw usage_error("--modalities needs --modality K (1..k)");
        if (a.modality != 0 && a.modalities.empty()) throw usage_error("--modality needs --modalities CSV");
        if (!a.modalities.empty() && a.data.empty()) throw usage_error("--modalities needs --data DIR");
    }
    return a;
}

}  // namespace isinggan::examples
