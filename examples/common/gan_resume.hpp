#pragma once
// --resume: a run goes on with its own settings, read from its checkpoint's
// metadata. Flags that would change what a step computes are refused, or with
// --override recorded; those that fix the checkpoint's shapes or its
// optimizers' state are refused always.
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "checkpoint_metadata.hpp"
#include "gan_args.hpp"
#include "run_files.hpp"
#include "isinggan/io/checkpoint.hpp"
#include "isinggan/train/gan_sampling.hpp"

namespace isinggan::examples {

namespace fs = std::filesystem;

/// Refuses a checkpoint that is not of the GAN programs, or holds another program's generator
/// (`generator_name`, the program's generator type's name).
inline void check_program(const std::map<std::string, std::string>& meta, const fs::path& path, const std::string& name,
                          const std::string& generator_name) {
    for (const char* key : {"generator", "size", "width"})
        if (!meta.count(key))
            throw io_error(path.string() + ": not a checkpoint of the GAN programs (no \"" + key + "\" entry)");
    if (meta.at("generator") != generator_name)
        throw usage_error(path.string() + " holds a '" + meta.at("generator") + "' generator; " + name + " trains '" +
                          generator_name + "' (use the " + meta.at("generator") + " programs)");
}

/// --resume: the settings that change what a step computes are the run's (from its checkpoint).
/// A flag that gives one of them a different value is refused, unless --override is given: then
/// the change is printed and recorded (config.json and the checkpoint's "overrides"). Checkpoints
/// from before a setting was recorded had the flag's default, or take the flag as given.
inline void keep_run_settings(program_args& a, const checkpoint_info& info, const fs::path& checkpoint, bool ising) {
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
    const auto same = [](double x, double y) { return x == y || short_text(x) == short_text(y); };
    if (ising) {
        const double run = metadata_number(meta, "lambda", checkpoint);
        if (a.given.count("--lambda") && !same(*a.lambda, run)) differs("--lambda", short_text(*a.lambda), short_text(run));
        else a.lambda = run;
    }
    if (meta.count("batch")) {
        const auto run = std::size_t(metadata_number(meta, "batch", checkpoint));
        if (a.given.count("--batch") && a.batch != run) differs("--batch", std::to_string(a.batch), std::to_string(run));
        else a.batch = run;
    }
    {
        // Runs from before --balance drew every image alike.
        const auto run = meta.count("balance") ? std::size_t(metadata_number(meta, "balance", checkpoint)) : std::size_t(0);
        if (a.balance && *a.balance != run) differs("--balance", std::to_string(*a.balance), std::to_string(run));
        else a.balance = run;
    }
    if (meta.count("lambda_warmup")) {
        const auto run = std::size_t(metadata_number(meta, "lambda_warmup", checkpoint));
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
        const auto run_k = std::size_t(metadata_number(meta, "modality", checkpoint));
        if ((a.given.count("--modalities") && a.modalities != run) || (a.given.count("--modality") && a.modality != run_k))
            differs("--modalities/--modality", a.modalities + " " + std::to_string(a.modality),
                    run + " " + std::to_string(run_k));
        else a.modalities = run, a.modality = run_k;
    }
    if (meta.count("synthetic")) {
        const auto run = std::size_t(metadata_number(meta, "synthetic", checkpoint));
        if (a.given.count("--synthetic") && a.synthetic != run)
            differs("--synthetic", std::to_string(a.synthetic), std::to_string(run));
        else a.synthetic = run;
    }
    if (meta.count("holdout")) {
        const double run = metadata_number(meta, "holdout", checkpoint);
        if (a.holdout && !same(*a.holdout, run)) differs("--holdout", short_text(*a.holdout), short_text(run));
        else a.holdout = run;
        const auto run_seed = std::uint64_t(std::stoull(meta.count("split_seed") ? meta.at("split_seed") : "0"));
        if (a.split_seed && *a.split_seed != run_seed)
            differs("--split-seed", std::to_string(*a.split_seed), std::to_string(run_seed));
        else a.split_seed = run_seed;
    }
    // The networks' side fixes the checkpoint's shapes: never changed on a resume (runs from
    // before --patch trained on whole images).
    {
        const int run = meta.count("patch") ? int(metadata_number(meta, "patch", checkpoint)) : *a.size;
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
        const double run = metadata_number(meta, "d_width", checkpoint);
        if (a.d_width && !same(*a.d_width, run))
            throw usage_error("--d-width " + short_text(*a.d_width) + " differs from the run's " + short_text(run) +
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
        const double run = metadata_number(meta, "ema", checkpoint);
        if (a.ema && !same(*a.ema, run)) differs("--ema", short_text(*a.ema), short_text(run));
        else a.ema = run;
    }
    if (meta.count("mask_noise")) {
        const double run = metadata_number(meta, "mask_noise", checkpoint);
        if (a.mask_noise && !same(*a.mask_noise, run)) differs("--mask-noise", short_text(*a.mask_noise), short_text(run));
        else a.mask_noise = run;
    }
    if (meta.count("mask_ambiguity")) {
        const double run = metadata_number(meta, "mask_ambiguity", checkpoint);
        if (a.mask_ambiguity && !same(*a.mask_ambiguity, run))
            differs("--mask-ambiguity", short_text(*a.mask_ambiguity), short_text(run));
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
            throw usage_error(flag + " " + short_text(given) + " differs from the run's " + short_text(*run) +
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

/// `train --resume`: reads the run's checkpoint (in --out) and fills `a` with the run's settings,
/// refusing a checkpoint of another program and the flags that contradict it.
inline void resume_settings(program_args& a, const std::string& name, const std::string& generator_name, bool ising) {
    const fs::path checkpoint = checkpoint_path(a.out);
    if (!fs::exists(checkpoint))
        throw io_error(checkpoint.string() + ": no checkpoint to resume from (train without --resume first)");
    const auto info = train::read_checkpoint_info(checkpoint);
    const auto& meta = info.metadata;
    check_program(meta, checkpoint, name, generator_name);
    // The generators are shared (gan and ising_gan both train "gan"): the program decides the loss.
    if (!meta.count("program"))
        throw io_error(checkpoint.string() + ": not a checkpoint of the GAN programs (no \"program\" entry)");
    if (meta.at("program") != name)
        throw usage_error(checkpoint.string() + " is a run of " + meta.at("program") + ", not of " + name +
                          ": resume it with " + meta.at("program") + " train --resume");
    const int saved_size = int(metadata_number(meta, "size", checkpoint));
    const double saved_width = metadata_number(meta, "width", checkpoint);
    std::uint64_t saved_seed = 0;
    try {
        saved_seed = std::stoull(meta.at("seed"));  // 64 bits: not through a double
    } catch (const std::exception&) {
        throw io_error(checkpoint.string() + ": checkpoint entry \"seed\" is missing or not a number");
    }
    if (a.size && *a.size != saved_size)
        throw usage_error("--size " + std::to_string(*a.size) + " differs from the run's " + meta.at("size"));
    if (a.width && *a.width != saved_width) throw usage_error("--width differs from the run's " + meta.at("width"));
    if (a.seed_given && a.seed != saved_seed)
        throw usage_error("--seed differs from the run's " + meta.at("seed") + " (a resumed run repeats its seed)");
    a.size = saved_size;
    a.width = saved_width;
    a.seed = saved_seed;
    keep_run_settings(a, info, checkpoint, ising);
}

}  // namespace isinggan::examples
