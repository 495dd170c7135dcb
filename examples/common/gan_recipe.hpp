#pragma once
// The recipes (--recipe): the values of the flags not given. "paper" is the
// paper's training, exactly; "patch" (the default) is what the measurements in
// docs/gan-recipe.md found best on a CPU budget. A resumed run keeps its own
// settings (gan_resume.hpp); runs from before a setting existed had the
// paper's value of it.
#include <cstddef>
#include <string>

#include "gan_args.hpp"
#include "gan_models.hpp"

namespace isinggan::examples {

/// The patch recipe's step budget at --size 64 (docs/gan-recipe.md, "the ambiguity penalty").
inline constexpr std::size_t recipe_steps_64 = 6000;

inline void apply_recipe(program_args& a) {
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

}  // namespace isinggan::examples
