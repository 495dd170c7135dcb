// Whole models and the GAN trainer on the GPU: the paper's networks moved to
// the cuda backend with on_backend compute what their host twins compute
// (forward, input gradient, every parameter gradient, the running statistics),
// the tiny Ising-GAN trains there as it does on the host, and a GPU trainer's
// checkpoint resumes on the host and back.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "backend/cuda/model_parity.hpp"
#include "support/temp_directory.hpp"
#include "isinggan/data/synthetic_nuclei.hpp"
#include "isinggan/models/dcgan_discriminator.hpp"
#include "isinggan/models/dcgan_generator.hpp"
#include "isinggan/models/discriminator.hpp"
#include "isinggan/models/generator.hpp"
#include "isinggan/train/gan_trainer.hpp"

using namespace isinggan;
using test::check_model_parity;

namespace {

constexpr int side = 32, width = 8;

template <class HostGenerator>
void check_generator(std::uint64_t seed) {
    using gpu_generator = on_backend<HostGenerator, cuda>;
    static_assert(std::same_as<typename gpu_generator::backend_type, cuda>);
    rng gen(seed);
    auto host = std::make_unique<HostGenerator>();
    auto gpu = std::make_unique<gpu_generator>();
    reset_parameters(*host, gen);
    copy_model_state(*host, *gpu);

    const tensor<cpu> z = test::random_tensor({4, std::size_t(models::latent_size), 1, 1}, gen);
    const auto gz = to_device(z);
    const auto [image, mask] = host->forward(z);
    const auto [gimage, gmask] = gpu->forward(gz);
    CHECK_MODEL_PARITY(gimage, image);
    CHECK_MODEL_PARITY(gmask, mask);

    const tensor<cpu> dimage = test::random_tensor(image.shape(), gen), dmask = test::random_tensor(mask.shape(), gen);
    const auto gdimage = to_device(dimage), gdmask = to_device(dmask);
    zero_grad(*host);
    zero_grad(*gpu);
    const tensor<cpu>& dz = host->backward(dimage, dmask);
    const tensor<cuda>& gdz = gpu->backward(gdimage, gdmask);
    CHECK_MODEL_PARITY(gdz, dz);
    check_model_parity(*host, *gpu, true);

    // Evaluation mode: batch norm from the running statistics.
    host->set_training(false);
    gpu->set_training(false);
    const auto [eval_image, eval_mask] = host->forward(z);
    const auto [geval_image, geval_mask] = gpu->forward(gz);
    CHECK_MODEL_PARITY(geval_image, eval_image);
    CHECK_MODEL_PARITY(geval_mask, eval_mask);
}

}  // namespace

TEST_CASE("cuda models: the paper generators match their host twins, forward and backward") {
    check_generator<models::paper_generator<side, width>>(1);
    check_generator<models::residual_generator<side, width>>(2);
    check_generator<models::paper_generator<64, width>>(3);
}

TEST_CASE("cuda models: the paper discriminator matches its host twin, forward and backward") {
    rng gen(4);
    test::check_twin_network<models::paper_discriminator<side, width>>(test::random_tensor({5, 4, side, side}, gen),
                                                                       gen);
}

TEST_CASE("cuda models: work issued on a stream of one's own gives the default stream's results") {
    using gpu_generator = on_backend<models::residual_generator<side, width>, cuda>;
    rng gen(6);
    auto a = std::make_unique<gpu_generator>();
    auto b = std::make_unique<gpu_generator>();
    reset_parameters(*a, gen);
    copy_model_state(*a, *b);
    const auto z = to_device(test::random_tensor({4, std::size_t(models::latent_size), 1, 1}, gen));
    const auto [image, mask] = a->forward(z);
    const tensor<cpu> want_image = to_host(image), want_mask = to_host(mask);
    cuda_stream stream;
    {
        stream_scope on(stream.get());
        CHECK(current_stream() == stream.get());
        const auto [gimage, gmask] = b->forward(z);
        // to_host waits for the stream: no explicit synchronisation needed.
        CHECK(test::relative_error(gimage, want_image) <= 1e-6);
        CHECK(test::relative_error(gmask, want_mask) <= 1e-6);
    }
    CHECK(current_stream() == nullptr);
}

namespace {

using gpu_ising_gan = train::gan_trainer<models::paper_generator<side, width, cuda>,
                                         models::paper_discriminator<side, width, cuda>, mrf_loss<ising>>;
using host_ising_gan = train::gan_trainer<models::paper_generator<side, width>,
                                          models::paper_discriminator<side, width>, mrf_loss<ising>>;

const data::image_mask_set& training_set() {
    static const data::image_mask_set set = data::synthetic_nuclei(48, side, 7);
    return set;
}

train::gan_options options(std::uint64_t seed) {
    train::gan_options o;
    o.batch = 8;
    o.seed = seed;
    return o;
}

}  // namespace

TEST_CASE("cuda gan_trainer: the first steps on the GPU follow the host trainer") {
    gpu_ising_gan gpu(options(3));
    host_ising_gan host(options(3));
    // Same seed: the same Xavier draws on both backends.
    check_model_parity(host.generator(), gpu.generator(), false);
    check_model_parity(host.discriminator(), gpu.discriminator(), false);
    for (int i = 0; i < 3; ++i) {
        const auto a = gpu.step(training_set()), b = host.step(training_set());
        CAPTURE(i);
        CHECK(a.d_loss == doctest::Approx(b.d_loss).epsilon(1e-3));
        CHECK(a.g_loss == doctest::Approx(b.g_loss).epsilon(1e-3));
        CHECK(a.smooth_loss == doctest::Approx(b.smooth_loss).epsilon(1e-3));
        CHECK(a.mask_energy == doctest::Approx(b.mask_energy).epsilon(1e-3));
        CHECK(a.d_real == doctest::Approx(b.d_real).epsilon(1e-3));
    }
}

TEST_CASE("cuda gan_trainer: with DiffAugment the first steps on the GPU follow the host trainer") {
    auto o = options(5);
    o.diff_augment = true;  // the same draws on both: they come from the trainer's host generator
    gpu_ising_gan gpu(o);
    host_ising_gan host(o);
    for (int i = 0; i < 3; ++i) {
        const auto a = gpu.step(training_set()), b = host.step(training_set());
        CAPTURE(i);
        CHECK(a.d_loss == doctest::Approx(b.d_loss).epsilon(1e-3));
        CHECK(a.g_loss == doctest::Approx(b.g_loss).epsilon(1e-3));
        CHECK(a.d_real == doctest::Approx(b.d_real).epsilon(1e-3));
        CHECK(a.d_fake == doctest::Approx(b.d_fake).epsilon(1e-3));
    }
}

namespace {

using host_recipe_gan = train::gan_trainer<models::dcgan_generator<side, 4, true>,
                                           models::dcgan_discriminator<side, 4, cpu, true>, mrf_loss<ising>>;
using gpu_recipe_gan = train::gan_trainer<models::dcgan_generator<side, 4, true, cuda>,
                                          models::dcgan_discriminator<side, 4, cuda, true>, mrf_loss<ising>>;

/// ||a − b|| / ||b|| over the parameters of a GPU model and its host twin.
template <class GpuModel, class HostModel>
double relative_weight_difference(GpuModel& gpu, HostModel& host) {
    HostModel copy;
    copy_model_state(gpu, copy);
    std::vector<const tensor<cpu>*> a, b;
    visit_params(copy, [&](std::string_view, parameter<cpu>& p) { a.push_back(&p.value); });
    visit_params(host, [&](std::string_view, parameter<cpu>& p) { b.push_back(&p.value); });
    double diff = 0, norm = 0;
    for (std::size_t k = 0; k < a.size(); ++k)
        for (std::size_t i = 0; i < a[k]->size(); ++i) {
            const double x = a[k]->data()[i], y = b[k]->data()[i];
            diff += (x - y) * (x - y), norm += y * y;
        }
    return std::sqrt(diff / norm);
}

}  // namespace

TEST_CASE("cuda gan_trainer: the default recipe (dcgan networks, minibatch stddev, hard signed masks, ambiguity, EMA, DiffAugment) follows the host trainer") {
    auto o = options(7);
    o.discriminator_mask = train::mask_range::signed_;
    o.straight_through_mask = true;
    o.smoothness_on = train::smoothness_input::hard;
    o.mask_ambiguity = 6.0;
    o.lambda_warmup = 4;
    o.diff_augment = true;
    o.generator_ema = 0.9;
    // Adam with β1 = 0 and ε = 1 (Lipschitz in the gradient): rounding differences of the
    // two backends' gradients stay rounding-sized in the weights instead of becoming ±lr steps.
    for (auto* adam : {&o.generator_adam, &o.discriminator_adam}) adam->beta1 = 0.0, adam->eps = 1.0;
    gpu_recipe_gan gpu(o);
    host_recipe_gan host(o);
    for (int i = 0; i < 3; ++i) {
        const auto a = gpu.step(training_set()), b = host.step(training_set());
        CAPTURE(i);
        CHECK(a.d_loss == doctest::Approx(b.d_loss).epsilon(1e-3));
        CHECK(a.g_loss == doctest::Approx(b.g_loss).epsilon(1e-3));
        CHECK(a.smooth_loss == doctest::Approx(b.smooth_loss).epsilon(1e-3));
        CHECK(a.ambiguity_loss == doctest::Approx(b.ambiguity_loss).epsilon(1e-3));
        CHECK(a.d_real == doctest::Approx(b.d_real).epsilon(1e-3));
        const double g = relative_weight_difference(gpu.generator(), host.generator());
        const double d = relative_weight_difference(gpu.discriminator(), host.discriminator());
        const double e = relative_weight_difference(*gpu.generator_ema(), *host.generator_ema());
        MESSAGE("step ", i, ": relative weight difference GPU - host: G ", g, ", D ", d, ", EMA ", e);
        CHECK(g < 1e-3);  // the losses' tolerance: the two backends' kernels sum in other orders
        CHECK(d < 1e-3);
        CHECK(e < 1e-3);
    }
}

TEST_CASE("cuda gan_trainer: a tiny Ising-GAN trains on the GPU with finite, moving losses") {
    gpu_ising_gan t(options(1));
    train::gan_step_stats first, last;
    for (int i = 0; i < 30; ++i) {
        last = t.step(training_set());
        if (i == 0) first = last;
        REQUIRE(std::isfinite(last.d_loss));
        REQUIRE(std::isfinite(last.g_loss));
        REQUIRE(std::isfinite(last.smooth_loss));
    }
    MESSAGE("GPU tiny Ising-GAN: D loss ", first.d_loss, " -> ", last.d_loss, ", G loss ", first.g_loss, " -> ",
            last.g_loss);
    CHECK(t.steps() == 30);
    CHECK(last.smooth_loss == doctest::Approx(1.5 * last.mask_energy).epsilon(1e-4));
    CHECK(first.d_loss > 1.2);
    CHECK(last.d_loss < first.d_loss - 0.1);
}

TEST_CASE("cuda gan_trainer: a GPU checkpoint resumes on the host and on the GPU") {
    const isinggan::testing::temp_directory scratch("isinggan-cuda-resume");
    const auto path = scratch / "checkpoint.safetensors";
    gpu_ising_gan gpu(options(9));
    for (int i = 0; i < 3; ++i) gpu.step(training_set());
    gpu.save(path, {{"note", "gpu"}});

    host_ising_gan host(options(9));
    CHECK(host.load(path).metadata.at("note") == "gpu");
    CHECK(host.steps() == 3);
    check_model_parity(host.generator(), gpu.generator(), false);
    check_model_parity(host.discriminator(), gpu.discriminator(), false);

    gpu_ising_gan resumed(options(9));
    resumed.load(path);
    const auto a = resumed.step(training_set()), b = gpu.step(training_set());
    CHECK(a.step == 4);
    CHECK(a.d_loss == doctest::Approx(b.d_loss).epsilon(1e-4));
    CHECK(a.g_loss == doctest::Approx(b.g_loss).epsilon(1e-4));
}

TEST_CASE("cuda gan_trainer: a non-finite generator loss after earlier steps restores D and Adam's moments on the GPU") {
    const isinggan::testing::temp_directory scratch("isinggan-cuda-undo");
    const auto path = scratch / "checkpoint.safetensors";
    gpu_ising_gan good(options(11));
    for (int i = 0; i < 3; ++i) good.step(training_set());  // D's Adam has moments
    good.save(path);
    // The same state with an ambiguity weight that overflows: the discriminator's loss stays finite,
    // its step is taken, and the generator's loss is infinite.
    auto o = options(11);
    o.mask_ambiguity = 1e300;
    gpu_ising_gan t(o);
    t.load(path);
    host_ising_gan before(options(11));
    before.load(path);
    CHECK_THROWS_WITH_AS(t.step(training_set()), doctest::Contains("generator loss"), train::non_finite_loss);
    CHECK(t.steps() == 3);
    // D's weights as they were (its batch-norm running statistics have seen the step's batches).
    CHECK(relative_weight_difference(t.discriminator(), before.discriminator()) == 0.0);
    // Adam's moments as they were: the next good step is the uninterrupted run's fourth.
    t.save(scratch / "after.safetensors");
    gpu_ising_gan resumed(options(11));
    resumed.load(scratch / "after.safetensors");
    const auto a = resumed.step(training_set()), b = good.step(training_set());
    CHECK(a.d_loss == doctest::Approx(b.d_loss).epsilon(1e-5));
    CHECK(a.g_loss == doctest::Approx(b.g_loss).epsilon(1e-5));
}
