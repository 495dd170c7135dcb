// The GAN trainer with the default recipe's networks (examples/common,
// --recipe patch): the DCGAN-proportioned generator with residual heads and
// the discriminator with the minibatch standard deviation. What D is shown
// in each step is recorded by thin wrappers of the two networks, so that
// DiffAugment's place in the step is checked on the CPU: both of D's views
// of the generated pairs (its own step's and G's) are augmented, each with
// its own draw. And a resumed run of the recipe equals an uninterrupted one.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <vector>

#include "isinggan/backend/cpu/channel_concat.hpp"
#include "isinggan/models/dcgan_discriminator.hpp"
#include "isinggan/models/dcgan_generator.hpp"
#include "support/temp_directory.hpp"
#include "train/tiny_gan.hpp"

using namespace isinggan;
using namespace isinggan::testing;

namespace {

using recipe_generator = models::dcgan_generator<tiny_size, 4, true>;
using recipe_discriminator = models::dcgan_discriminator<tiny_size, 4, cpu, true>;

/// What the networks were given and gave during a step, while `on`.
struct seen {
    inline static bool on = false;
    inline static std::vector<tensor<cpu>> d_inputs, g_images, g_masks;
    static void start() {
        on = true;
        d_inputs.clear(), g_images.clear(), g_masks.clear();
    }
};

/// The recipe's generator, recording its outputs.
class recording_generator : public recipe_generator {
public:
    decltype(auto) forward(const tensor<cpu>& z) {
        decltype(auto) out = recipe_generator::forward(z);
        if (seen::on) {
            const auto& [image, mask] = out;
            seen::g_images.push_back(image);
            seen::g_masks.push_back(mask);
        }
        return out;
    }
};

/// The recipe's discriminator, recording its inputs.
class recording_discriminator : public recipe_discriminator {
public:
    const tensor<cpu>& forward(const tensor<cpu>& x) {
        if (seen::on) seen::d_inputs.push_back(x);
        return recipe_discriminator::forward(x);
    }
};

}  // namespace

namespace isinggan {
template <class B>
struct rebind_backend<recording_generator, B> {
    using type = recording_generator;  // the tests run on the CPU alone
};
template <class B>
struct rebind_backend<recording_discriminator, B> {
    using type = recording_discriminator;
};
}  // namespace isinggan

namespace {

using recipe_gan = train::gan_trainer<recording_generator, recording_discriminator, mrf_loss<ising>>;

/// The trainer options of --recipe patch (examples/common/gan_recipe.hpp, apply_recipe), with a small batch.
train::gan_options recipe_options(std::uint64_t seed) {
    train::gan_options o = tiny_options(seed);
    o.generator_adam.beta1 = o.discriminator_adam.beta1 = 0.5;
    o.lambda_warmup = 4;
    o.discriminator_mask = train::mask_range::signed_;
    o.straight_through_mask = true;
    o.smoothness_on = train::smoothness_input::hard;
    o.diff_augment = true;
    o.generator_ema = 0.999;
    o.mask_ambiguity = 6.0;
    return o;
}

bool same(const tensor<cpu>& a, const tensor<cpu>& b) {
    return a.shape() == b.shape() && std::equal(a.begin(), a.end(), b.begin());
}

std::vector<float> all_params(auto& m) {
    std::vector<float> v;
    visit_params(m, [&](std::string_view, parameter<cpu>& p) { v.insert(v.end(), p.value.begin(), p.value.end()); });
    return v;
}

/// Every parameter and buffer value of a model, in visiting order.
std::vector<float> all_values(auto& m) {
    std::vector<float> v = all_params(m);
    visit_buffers(m, [&](std::string_view, tensor<cpu>& t) { v.insert(v.end(), t.begin(), t.end()); });
    return v;
}

}  // namespace

TEST_CASE("with diff_augment both of D's views of the generated pairs are augmented, each with its own draw") {
    // D's view of a generated pair is then (image, mask) as G drew it: no signed range, no binarising, no noise.
    auto o = recipe_options(5);
    o.discriminator_mask = train::mask_range::unit;
    o.straight_through_mask = false;
    const auto& data = tiny_training_set();
    for (const bool augment : {true, false}) {
        CAPTURE(augment);
        o.diff_augment = augment;
        recipe_gan t(o);
        seen::start();
        t.step(data);
        seen::on = false;
        REQUIRE(seen::g_images.size() == 1);  // one generated batch, judged twice
        REQUIRE(seen::d_inputs.size() == 3);  // D's step: real, generated; G's step: generated
        tensor<cpu> drawn;
        concat_channels(seen::g_images[0], seen::g_masks[0], drawn);
        const tensor<cpu>& for_d = seen::d_inputs[1];
        const tensor<cpu>& for_g = seen::d_inputs[2];
        if (!augment) {  // the control: the recorded pair is what D sees without augmentation
            CHECK(same(for_d, drawn));
            CHECK(same(for_g, drawn));
            continue;
        }
        CHECK_FALSE(same(for_d, drawn));
        CHECK_FALSE(same(for_g, drawn));
        CHECK_FALSE(same(for_g, for_d));
        // Each is a translated, cut-out copy of the drawn pair: cutout zeroes a square of side S/2 in all
        // four channels of every sample, where a sigmoid mask is never exactly 0.
        for (const tensor<cpu>* view : {&for_d, &for_g})
            for (std::size_t b = 0; b < view->n(); ++b) {
                std::size_t zeros = 0;
                for (std::size_t i = 0; i < view->shape().plane_size(); ++i) zeros += view->plane(b, 3)[i] == 0.0f;
                CHECK(zeros >= std::size_t(tiny_size / 2 * tiny_size / 2));
            }
    }
}

TEST_CASE("the default recipe's networks train with finite losses, and a resumed run equals an uninterrupted one") {
    static const testing::temp_directory dir("isinggan-gan-recipe");
    const auto path = dir / "recipe.safetensors";
    const auto& data = tiny_training_set();
    const auto o = recipe_options(13);
    recipe_gan direct(o);
    const auto start = all_values(direct.discriminator());
    train::gan_step_stats direct_last;
    for (int i = 0; i < 5; ++i) {
        direct_last = direct.step(data);
        CHECK(std::isfinite(direct_last.d_loss));
        CHECK(std::isfinite(direct_last.g_loss));
        CHECK(direct_last.ambiguity_loss > 0);
    }
    CHECK(all_values(direct.discriminator()) != start);
    {
        recipe_gan first(o);
        for (int i = 0; i < 2; ++i) first.step(data);
        first.save(path);
    }
    recipe_gan resumed(o);
    resumed.load(path);
    train::gan_step_stats resumed_last;
    for (int i = 0; i < 3; ++i) resumed_last = resumed.step(data);
    CHECK(resumed_last.d_loss == direct_last.d_loss);
    CHECK(resumed_last.g_loss == direct_last.g_loss);
    CHECK(all_values(resumed.generator()) == all_values(direct.generator()));
    CHECK(all_values(resumed.discriminator()) == all_values(direct.discriminator()));
    REQUIRE(resumed.generator_ema() != nullptr);
    // Its parameters (its statistics are recomputed when saved: the direct run saved none).
    CHECK(all_params(*resumed.generator_ema()) == all_params(*direct.generator_ema()));
}
