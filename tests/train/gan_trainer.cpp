// The GAN trainer end to end at a tiny size: losses stay finite and move, the
// Ising term makes the generated masks smoother than the vanilla GAN's from
// the same start, a resumed run equals an uninterrupted one bit for bit, and
// divergence and bad inputs are reported instead of corrupting the models.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "isinggan/train/gan_sampling.hpp"
#include "support/temp_directory.hpp"
#include "train/nan_smoothness.hpp"
#include "train/tiny_gan.hpp"

using namespace isinggan;
using namespace isinggan::testing;

namespace {

/// Every parameter and buffer value of a model, in visiting order.
template <class Model>
std::vector<float> all_values(Model& m) {
    std::vector<float> v;
    visit_params(m, [&](std::string_view, parameter<cpu>& p) { v.insert(v.end(), p.value.begin(), p.value.end()); });
    visit_buffers(m, [&](std::string_view, tensor<cpu>& t) { v.insert(v.end(), t.begin(), t.end()); });
    return v;
}

/// The bit patterns of every parameter (so NaN compares equal to itself).
template <class Model>
std::vector<std::uint32_t> all_params(Model& m) {
    std::vector<std::uint32_t> v;
    visit_params(m, [&](std::string_view, parameter<cpu>& p) {
        for (float x : p.value) v.push_back(std::bit_cast<std::uint32_t>(x));
    });
    return v;
}

/// A caller-assembled step: the first 8 training pairs (masks mapped to 2m − 1
/// when `signed_masks`, D's signed convention) and 8 latent vectors drawn from `seed`.
struct fixed_batch {
    tensor<cpu> real, z{shape4{8, 100, 1, 1}};
};
fixed_batch first_pairs(std::uint64_t seed, bool signed_masks = false) {
    fixed_batch b;
    tensor<cpu> image, mask;
    const std::vector<std::size_t> idx{0, 1, 2, 3, 4, 5, 6, 7};
    data::gather(tiny_training_set(), idx, image, mask);
    if (signed_masks)
        for (auto& v : mask) v = 2.0f * v - 1.0f;
    concat_channels(image, mask, b.real);
    rng gen(seed);
    for (auto& v : b.z) v = float(gen.uniform(-1.0, 1.0));
    return b;
}

/// A file in a folder of this process's own, removed at exit.
std::filesystem::path temp_path(const std::string& name) {
    static const testing::temp_directory dir("isinggan-gan-trainer");
    return dir / name;
}

}  // namespace

TEST_CASE("a tiny Ising-GAN trains with finite, moving losses") {
    tiny_ising_gan t(tiny_options());
    const auto& data = tiny_training_set();
    train::gan_step_stats first, last;
    for (int i = 0; i < 30; ++i) {
        last = t.step(data);
        if (i == 0) first = last;
        REQUIRE(std::isfinite(last.d_loss));
        REQUIRE(std::isfinite(last.g_loss));
        REQUIRE(std::isfinite(last.smooth_loss));
        CHECK(last.d_real > 0.0);
        CHECK(last.d_real < 1.0);
    }
    CHECK(t.steps() == 30);
    CHECK(last.step == 30);
    CHECK(first.smooth_loss > 0.0);
    // λ·E/(D·N) with λ = 1.5 is 1.5 times the per-pixel energy the trainer logs.
    CHECK(last.smooth_loss == doctest::Approx(1.5 * last.mask_energy).epsilon(1e-4));
    // The discriminator learns: its loss falls from log(4) territory.
    CHECK(first.d_loss > 1.2);
    CHECK(last.d_loss < first.d_loss - 0.1);
}

TEST_CASE("the Ising term gives smoother generated masks than the vanilla GAN at equal steps") {
    // Same seed: same initial weights and the same batches; only the loss differs.
    tiny_ising_gan ising(tiny_options(5));
    tiny_vanilla_gan vanilla(tiny_options(5));
    const auto& data = tiny_training_set();
    double e_ising = 0, e_vanilla = 0;
    for (int i = 0; i < 40; ++i) {
        const auto a = ising.step(data), b = vanilla.step(data);
        if (i == 0) CHECK(a.mask_energy == b.mask_energy);  // the same generator so far
        CHECK(b.smooth_loss == 0.0);
        if (i >= 30) e_ising += a.mask_energy, e_vanilla += b.mask_energy;
    }
    MESSAGE("mean mask energy per pixel over steps 31-40: Ising ", e_ising / 10, ", vanilla ", e_vanilla / 10);
    CHECK(e_ising < 0.95 * e_vanilla);  // measured: 0.157 vs 0.185
}

TEST_CASE("resuming from a checkpoint after k steps equals running n steps directly") {
    const auto& data = tiny_training_set();
    const auto path = temp_path("resume.safetensors");
    tiny_ising_gan direct(tiny_options(9));
    train::gan_step_stats direct_last;
    for (int i = 0; i < 6; ++i) direct_last = direct.step(data);

    {
        tiny_ising_gan first_half(tiny_options(9));
        for (int i = 0; i < 3; ++i) first_half.step(data);
        first_half.save(path, {{"note", "resume test"}});
    }
    tiny_ising_gan resumed(tiny_options(9));
    const auto info = resumed.load(path);
    CHECK(info.step == 3);
    CHECK(info.metadata.at("note") == "resume test");
    CHECK(resumed.steps() == 3);
    train::gan_step_stats resumed_last;
    for (int i = 0; i < 3; ++i) resumed_last = resumed.step(data);
    std::filesystem::remove(path);

    CHECK(resumed_last.step == 6);
    CHECK(resumed_last.d_loss == direct_last.d_loss);
    CHECK(resumed_last.g_loss == direct_last.g_loss);
    CHECK(all_values(resumed.generator()) == all_values(direct.generator()));
    CHECK(all_values(resumed.discriminator()) == all_values(direct.discriminator()));
}

TEST_CASE("a diverged step throws before any weight or optimizer state changes") {
    tiny_ising_gan t(tiny_options());
    const auto& data = tiny_training_set();
    t.step(data);
    // Poison the image head's output layer: every generated image becomes NaN.
    bool poisoned = false;
    visit_params(t.generator(), [&](std::string_view name, parameter<cpu>& p) {
        if (name == "heads.0.2.weight") p.value.fill(std::nanf("")), poisoned = true;
    });
    REQUIRE(poisoned);
    // Parameters only: the forward passes before the check have moved the
    // batch-norm running statistics, as they would in PyTorch.
    const auto d_before = all_params(t.discriminator());
    const auto g_before = all_params(t.generator());
    // Found at the discriminator's loss, before its step: the message names it.
    CHECK_THROWS_WITH_AS(t.step(data), doctest::Contains("the discriminator loss is"), train::non_finite_loss);
    CHECK(all_params(t.discriminator()) == d_before);
    CHECK(all_params(t.generator()) == g_before);
    CHECK(t.steps() == 1);
}


TEST_CASE("a non-finite generator loss undoes the discriminator step already taken") {
    using trainer = train::gan_trainer<tiny_generator, tiny_discriminator, nan_smoothness>;
    nan_smoothness::poisoned = true;
    trainer t(tiny_options());
    const auto& data = tiny_training_set();
    const auto d_before = all_params(t.discriminator());
    const auto g_before = all_params(t.generator());
    // The first step: Adam's moments are created by the very step that is undone.
    CHECK_THROWS_AS(t.step(data), train::non_finite_loss);
    CHECK(all_params(t.discriminator()) == d_before);
    CHECK(all_params(t.generator()) == g_before);
    CHECK(t.steps() == 0);
    // Adam's moments and step count went back too: the next good step moves
    // D exactly as a fresh trainer's first step does.
    nan_smoothness::poisoned = false;
    trainer fresh(tiny_options());
    t.step(data);
    fresh.step(data);
    CHECK(all_params(t.discriminator()) == all_params(fresh.discriminator()));
    CHECK(all_params(t.generator()) == all_params(fresh.generator()));
    nan_smoothness::poisoned = true;
}

TEST_CASE("a non-finite generator loss after earlier steps restores Adam's moments, not a fresh Adam") {
    using trainer = train::gan_trainer<tiny_generator, tiny_discriminator, nan_smoothness>;
    nan_smoothness::poisoned = false;
    const auto& data = tiny_training_set();
    trainer t(tiny_options()), straight(tiny_options());
    for (int i = 0; i < 3; ++i) t.step(data), straight.step(data);  // D's Adam now has moments and a step count
    const auto d_before = all_params(t.discriminator());
    std::vector<std::vector<float>> moments_before;
    t.discriminator_optimizer().for_each_state([&](std::string_view, std::string_view, tensor<cpu>& m, bool) {
        moments_before.emplace_back(m.begin(), m.end());
    });
    const auto adam_steps = t.discriminator_optimizer().steps();
    nan_smoothness::poisoned = true;
    CHECK_THROWS_AS(t.step(data), train::non_finite_loss);
    nan_smoothness::poisoned = false;
    CHECK(t.steps() == 3);
    CHECK(all_params(t.discriminator()) == d_before);
    CHECK(t.discriminator_optimizer().steps() == adam_steps);
    std::size_t k = 0;
    bool nonzero = false;
    t.discriminator_optimizer().for_each_state([&](std::string_view, std::string_view, tensor<cpu>& m, bool) {
        CHECK(std::vector<float>(m.begin(), m.end()) == moments_before[k++]);
        for (float v : m) nonzero |= v != 0.0f;
    });
    CHECK(nonzero);  // moments to restore, not zeros that a restart would also give
    // The next step is the uninterrupted run's fourth, bit for bit (the parameters: the failed
    // step's forward passes moved the batch-norm running statistics, which training does not read).
    t.step(data);
    straight.step(data);
    CHECK(all_params(t.discriminator()) == all_params(straight.discriminator()));
    CHECK(all_params(t.generator()) == all_params(straight.generator()));
    nan_smoothness::poisoned = true;
}

TEST_CASE("the trainer rejects bad inputs with clear errors") {
    auto o = tiny_options();
    o.batch = 1;
    CHECK_THROWS_AS(tiny_ising_gan{o}, argument_error);
    tiny_ising_gan t(tiny_options());
    const auto wrong_side = data::synthetic_nuclei(4, 64, 1);
    CHECK_THROWS_AS(t.step(wrong_side), shape_error);
    CHECK_THROWS_AS(t.load(temp_path("does-not-exist.safetensors")), io_error);
    // A checkpoint of a different network is refused, and the trainer is unchanged.
    const auto path = temp_path("other.safetensors");
    {
        train::gan_trainer<models::residual_generator<32, 8>, tiny_discriminator, no_smoothness> other(tiny_options());
        other.save(path);
    }
    const auto before = all_values(t.generator());
    CHECK_THROWS_AS(t.load(path), io_error);
    CHECK(all_values(t.generator()) == before);
    std::filesystem::remove(path);
}

TEST_CASE("resume stays bit-exact with every trainer option on (warm-up, signed and hard masks, hard smoothing, ambiguity penalty, noise, DiffAugment, EMA, sample weights)") {
    const auto& data = tiny_training_set();
    const auto path = temp_path("resume_options.safetensors");
    auto o = tiny_options(11);
    o.lambda_warmup = 4;
    o.discriminator_mask = train::mask_range::signed_;
    o.mask_noise = 0.2;
    o.straight_through_mask = true;
    o.smoothness_on = train::smoothness_input::hard;
    o.mask_ambiguity = 1.5;
    o.diff_augment = true;
    o.generator_ema = 0.9;
    o.sample_weights.assign(data.size(), 1.0);
    o.sample_weights[0] = 6.0;
    o.sample_weights[1] = 0.0;
    tiny_ising_gan direct(o);
    train::gan_step_stats direct_last;
    for (int i = 0; i < 5; ++i) direct_last = direct.step(data);
    {
        tiny_ising_gan first(o);
        for (int i = 0; i < 2; ++i) first.step(data);
        first.save(path);
    }
    tiny_ising_gan resumed(o);
    resumed.load(path);
    train::gan_step_stats resumed_last;
    for (int i = 0; i < 3; ++i) resumed_last = resumed.step(data);
    std::filesystem::remove(path);
    CHECK(resumed_last.d_loss == direct_last.d_loss);
    CHECK(resumed_last.smooth_loss == direct_last.smooth_loss);
    CHECK(resumed_last.ambiguity_loss == direct_last.ambiguity_loss);
    CHECK(resumed_last.ambiguity_loss > 0);
    CHECK(all_values(resumed.generator()) == all_values(direct.generator()));
    CHECK(all_values(resumed.discriminator()) == all_values(direct.discriminator()));
    REQUIRE(resumed.generator_ema() != nullptr);
    CHECK(all_params(*resumed.generator_ema()) == all_params(*direct.generator_ema()));
    // The options change the run: the same seed without them ends elsewhere.
    tiny_ising_gan plain(tiny_options(11));
    for (int i = 0; i < 5; ++i) plain.step(data);
    CHECK(all_values(plain.generator()) != all_values(direct.generator()));
}

TEST_CASE("with random_crop the networks learn from windows of larger images, and resume stays bit-exact") {
    use_one_thread();
    static const data::image_mask_set large = data::synthetic_nuclei(24, 2 * tiny_size, 7);
    const auto path = temp_path("resume_random_crop.safetensors");
    auto o = tiny_options(12);
    tiny_ising_gan whole(o);
    CHECK_THROWS_WITH_AS(whole.step(large), doctest::Contains("built for 32"), shape_error);
    o.random_crop = true;
    o.diff_augment = true;
    o.generator_ema = 0.9;
    tiny_ising_gan direct(o);
    train::gan_step_stats direct_last;
    for (int i = 0; i < 4; ++i) direct_last = direct.step(large);
    CHECK(std::isfinite(direct_last.d_loss));
    {
        tiny_ising_gan first(o);
        for (int i = 0; i < 2; ++i) first.step(large);
        first.save(path);
    }
    tiny_ising_gan resumed(o);
    resumed.load(path);
    train::gan_step_stats resumed_last;
    for (int i = 0; i < 2; ++i) resumed_last = resumed.step(large);
    std::filesystem::remove(path);
    CHECK(resumed_last.d_loss == direct_last.d_loss);
    CHECK(all_values(resumed.generator()) == all_values(direct.generator()));
    CHECK(all_values(resumed.discriminator()) == all_values(direct.discriminator()));
    // Images of the networks' own side pass through whole (every window is the image).
    tiny_ising_gan same_side(o);
    CHECK_NOTHROW(same_side.step(tiny_training_set()));
    const auto small = data::synthetic_nuclei(4, 16, 1);
    CHECK_THROWS_WITH_AS(same_side.step(small), doctest::Contains("at least that large"), shape_error);
}

TEST_CASE("the generator's moving average follows ema = beta ema + (1 - beta) G, and sampling draws from it") {
    const auto& data = tiny_training_set();
    auto o = tiny_options(5);
    o.generator_ema = 0.75;
    tiny_ising_gan t(o);
    REQUIRE(t.generator_ema() != nullptr);
    CHECK(&t.sampling_generator() == t.generator_ema());
    std::vector<float> expected = all_values(t.generator());  // it starts as the generator
    CHECK(all_values(*t.generator_ema()) == expected);
    const auto params_of = [](auto& model) {
        std::vector<float> v;
        visit_params(model, [&](std::string_view, parameter<cpu>& p) { v.insert(v.end(), p.value.begin(), p.value.end()); });
        return v;
    };
    expected = params_of(t.generator());
    for (int k = 0; k < 3; ++k) {
        t.step(data);
        const auto g = params_of(t.generator());
        for (std::size_t i = 0; i < g.size(); ++i) expected[i] = 0.75f * expected[i] + 0.25f * g[i];
    }
    const auto ema = params_of(*t.generator_ema());
    REQUIRE(ema.size() == expected.size());
    std::size_t off = 0;
    for (std::size_t i = 0; i < ema.size(); ++i)
        off += std::abs(ema[i] - expected[i]) > 1e-6f * (1.0f + std::abs(expected[i]));
    CHECK(off == 0);
    CHECK(params_of(t.generator()) != ema);

    // Saved beside the generator; sample and export load the average; a trainer without one ignores it.
    const auto path = temp_path("ema.safetensors");
    t.save(path);
    tiny_generator loaded;
    train::load_generator(path, loaded);
    CHECK(all_values(loaded) == all_values(*t.generator_ema()));  // statistics refreshed by save, then saved
    train::load_generator(path, loaded, false);
    CHECK(params_of(loaded) == params_of(t.generator()));
    tiny_ising_gan plain(tiny_options(5));
    CHECK_NOTHROW(plain.load(path));
    CHECK(plain.generator_ema() == nullptr);
    // A checkpoint without an average, loaded with one, starts it from the loaded generator.
    const auto plain_path = temp_path("no_ema.safetensors");
    plain.step(data);
    plain.save(plain_path);
    tiny_ising_gan averaged(o);
    averaged.load(plain_path);
    CHECK(params_of(*averaged.generator_ema()) == params_of(plain.generator()));
    std::filesystem::remove(plain_path);
    std::filesystem::remove(path);

    // Its batch-norm statistics are its own: save recomputed them from fresh batches.
    std::vector<float> stats_before;
    visit_buffers(*t.generator_ema(), [&](std::string_view, tensor<cpu>& b) { stats_before.insert(stats_before.end(), b.begin(), b.end()); });
    t.step(data);
    t.refresh_ema_statistics();
    std::vector<float> stats_after;
    visit_buffers(*t.generator_ema(), [&](std::string_view, tensor<cpu>& b) { stats_after.insert(stats_after.end(), b.begin(), b.end()); });
    CHECK(stats_after != stats_before);
    for (float v : stats_after) CHECK(std::isfinite(v));

    o.generator_ema = 1.0;
    CHECK_THROWS_AS(tiny_ising_gan{o}, argument_error);
    o.generator_ema = -0.1;
    CHECK_THROWS_AS(tiny_ising_gan{o}, argument_error);
}

TEST_CASE("the smoothness weight warms up linearly, and the warm-up is what the step optimises") {
    auto o = tiny_options(3);
    o.lambda = 1.5;
    o.lambda_warmup = 4;
    tiny_ising_gan t(o);
    CHECK(t.lambda_at(0) == doctest::Approx(0.375));
    CHECK(t.lambda_at(1) == doctest::Approx(0.75));
    CHECK(t.lambda_at(3) == doctest::Approx(1.5));
    CHECK(t.lambda_at(100) == doctest::Approx(1.5));
    o.lambda_warmup = 0;
    CHECK(tiny_ising_gan(o).lambda_at(0) == 1.5);
    // Step 0 optimises λ/4 times the mean energy of its masks: smooth_loss = lambda_at(0) · mask_energy.
    const auto stats = t.step(tiny_training_set());
    CHECK(stats.smooth_loss == doctest::Approx(0.375 * stats.mask_energy).epsilon(1e-6));
    const auto later = [&] {
        train::gan_step_stats s;
        for (int i = 0; i < 4; ++i) s = t.step(tiny_training_set());
        return s;
    }();
    CHECK(later.smooth_loss == doctest::Approx(1.5 * later.mask_energy).epsilon(1e-6));
}

TEST_CASE("with the signed mask range, D sees 2m - 1 for real and generated masks alike") {
    auto o = tiny_options(5);
    o.discriminator_mask = train::mask_range::signed_;
    tiny_ising_gan t(o);
    // A caller-assembled batch, already in D's convention (mask channel in [-1, 1]).
    const auto [real, z] = first_pairs(17, true);
    // What D should see, computed with copies of both networks before the step.
    tiny_generator g;
    tiny_discriminator d;
    copy_model_state(t.generator(), g);
    copy_model_state(t.discriminator(), d);
    g.set_training(true);
    d.set_training(true);
    auto [gi, gm] = g.forward(z);
    tensor<cpu> signed_mask(gm.shape()), fake;
    for (std::size_t i = 0; i < gm.size(); ++i) signed_mask.data()[i] = 2.0f * gm.data()[i] - 1.0f;
    concat_channels(gi, signed_mask, fake);
    const auto mean_sigmoid = [](const tensor<cpu>& logits) {
        double s = 0;
        for (float v : logits) s += 1.0 / (1.0 + std::exp(-double(v)));
        return s / double(logits.size());
    };
    const double expect_real = mean_sigmoid(d.forward(real));
    const double expect_fake = mean_sigmoid(d.forward(fake));
    const auto stats = t.step(real, z);
    CHECK(stats.d_real == doctest::Approx(expect_real).epsilon(1e-6));
    CHECK(stats.d_fake == doctest::Approx(expect_fake).epsilon(1e-6));
    // The unit range would have shown D the mask itself: a different D(fake).
    tensor<cpu> unit_fake;
    concat_channels(gi, gm, unit_fake);
    CHECK(mean_sigmoid(d.forward(unit_fake)) != doctest::Approx(expect_fake).epsilon(1e-6));
}

TEST_CASE("with smoothness on the hard mask, the Ising term is the energy of (m >= 0.5), straight through to m") {
    const auto [real, z] = first_pairs(23);
    auto o = tiny_options(6);
    o.smoothness_on = train::smoothness_input::hard;
    tiny_ising_gan hard(o);
    tiny_ising_gan soft(tiny_options(6));
    // The mask both trainers generate at their first step (the same weights).
    tiny_generator g;
    copy_model_state(hard.generator(), g);
    g.set_training(true);
    auto [gi, gm] = g.forward(z);
    tensor<cpu> binary(gm.shape());
    std::size_t ambiguous = 0;
    for (std::size_t i = 0; i < gm.size(); ++i) {
        binary.data()[i] = gm.data()[i] >= 0.5f ? 1.0f : 0.0f;
        ambiguous += std::abs(gm.data()[i] - 0.5f) < 0.25f;
    }
    REQUIRE(ambiguous > 0);  // a soft mask, so the two energies differ
    mrf_loss<ising> energy(mrf_options{.lambda = 1.0, .reduce = reduction::mean});
    const double e_hard = energy.forward(binary), e_soft = energy.forward(gm);
    REQUIRE(std::abs(e_hard - e_soft) > 1e-3);
    const auto h = hard.step(real, z), s = soft.step(real, z);
    CHECK(h.smooth_loss == doctest::Approx(1.5 * e_hard).epsilon(1e-6));
    CHECK(s.smooth_loss == doctest::Approx(1.5 * e_soft).epsilon(1e-6));
    CHECK(h.mask_energy == doctest::Approx(e_soft).epsilon(1e-6));  // the log still shows the soft mask's energy
    // D's step is the same; the generator's differs only through the smoothness gradient.
    CHECK(h.d_loss == s.d_loss);
    CHECK(all_values(hard.discriminator()) == all_values(soft.discriminator()));
    CHECK(all_values(hard.generator()) != all_values(soft.generator()));
    // With λ = 0 the input of the energy cannot matter: the two runs are the same.
    o.lambda = 0;
    auto o0 = tiny_options(6);
    o0.lambda = 0;
    tiny_ising_gan hard0(o), soft0(o0);
    hard0.step(real, z), soft0.step(real, z);
    CHECK(all_values(hard0.generator()) == all_values(soft0.generator()));
}

TEST_CASE("the ambiguity penalty adds mu * sum m(1 - m) / (D*N) of the generated mask to G's loss, warmed up with lambda") {
    const auto [real, z] = first_pairs(29);
    auto o = tiny_options(7);
    o.mask_ambiguity = 2.0;
    o.lambda_warmup = 4;
    tiny_ising_gan with(o);
    auto o_plain = tiny_options(7);
    o_plain.lambda_warmup = 4;
    tiny_ising_gan without(o_plain);
    tiny_generator g;
    copy_model_state(with.generator(), g);
    g.set_training(true);
    auto [gi, gm] = g.forward(z);
    double ambiguity = 0;
    for (float v : gm) ambiguity += double(v) * (1.0 - double(v));
    ambiguity /= double(gm.size());
    REQUIRE(ambiguity > 0.01);  // a soft mask
    const auto a = with.step(real, z), b = without.step(real, z);
    // Step 0 of a 4-step warm-up: a quarter of mu.
    CHECK(a.ambiguity_loss == doctest::Approx(2.0 * 0.25 * ambiguity).epsilon(1e-5));
    CHECK(b.ambiguity_loss == 0.0);
    CHECK(a.smooth_loss == b.smooth_loss);
    // D's step is the same; the generator's differs by the penalty's gradient.
    CHECK(a.d_loss == b.d_loss);
    CHECK(all_values(with.discriminator()) == all_values(without.discriminator()));
    CHECK(all_values(with.generator()) != all_values(without.generator()));
}

TEST_CASE("trainer options out of their domain are refused, naming the option") {
    auto o = tiny_options();
    o.mask_noise = -0.1;
    CHECK_THROWS_WITH_AS(tiny_ising_gan{o}, doctest::Contains("mask_noise"), argument_error);
    o = tiny_options();
    o.lambda = std::nan("");
    CHECK_THROWS_WITH_AS(tiny_ising_gan{o}, doctest::Contains("lambda"), argument_error);
    o = tiny_options();
    o.mask_ambiguity = -1;
    CHECK_THROWS_WITH_AS(tiny_ising_gan{o}, doctest::Contains("mask_ambiguity"), argument_error);
    o.mask_ambiguity = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH_AS(tiny_ising_gan{o}, doctest::Contains("mask_ambiguity"), argument_error);
}

TEST_CASE("draw_weighted draws each index in proportion to its weight, and never one of weight 0") {
    const std::vector<double> weights{1.0, 0.0, 3.0, 0.0};
    std::vector<double> cumulative(weights.size());
    std::partial_sum(weights.begin(), weights.end(), cumulative.begin());
    rng gen(3);
    std::vector<int> count(weights.size(), 0);
    const int n = 40000;
    for (int i = 0; i < n; ++i) ++count.at(train::draw_weighted(cumulative, gen));
    CHECK(count[1] == 0);
    CHECK(count[3] == 0);
    CHECK(double(count[0]) / n == doctest::Approx(0.25).epsilon(0.04));
    CHECK(double(count[2]) / n == doctest::Approx(0.75).epsilon(0.02));
}

TEST_CASE("with sample_weights the real batches hold only samples of weight > 0, and bad weights are refused") {
    use_one_thread();
    const auto& data = tiny_training_set();
    // All the weight on sample 5: every real pair is sample 5, so the run equals one on a set
    // of copies of sample 5 drawn alike (one generator draw per index either way).
    auto o = tiny_options(21);
    o.sample_weights.assign(data.size(), 0.0);
    o.sample_weights[5] = 2.0;
    const std::vector<std::size_t> fives(data.size(), 5);
    const data::image_mask_set copies = data::subset(data, fives);
    tiny_ising_gan weighted(o), copied(tiny_options(21)), plain(tiny_options(21));
    for (int i = 0; i < 3; ++i) {
        weighted.step(data);
        copied.step(copies);
        plain.step(data);
    }
    CHECK(all_values(weighted.generator()) == all_values(copied.generator()));
    CHECK(all_values(weighted.discriminator()) == all_values(copied.discriminator()));
    CHECK(all_values(plain.discriminator()) != all_values(copied.discriminator()));

    tiny_ising_gan short_weights([&] {
        auto w = tiny_options();
        w.sample_weights.assign(data.size() - 1, 1.0);
        return w;
    }());
    CHECK_THROWS_WITH_AS(short_weights.step(data), doctest::Contains("sample_weights"), argument_error);
    for (const double bad : {-1.0, std::nan("")}) {
        auto w = tiny_options();
        w.sample_weights.assign(data.size(), 1.0);
        w.sample_weights[0] = bad;
        CHECK_THROWS_WITH_AS(tiny_ising_gan{w}, doctest::Contains("sample_weights"), argument_error);
    }
    auto zeros = tiny_options();
    zeros.sample_weights.assign(data.size(), 0.0);
    CHECK_THROWS_WITH_AS(tiny_ising_gan{zeros}, doctest::Contains("all 0"), argument_error);
}
