// The U-Net and its segmentation trainer on the GPU: a small U-Net moved to
// the cuda backend computes what its host twin computes (forward, input
// gradient, every parameter gradient, the running statistics) with either
// upsampling, and the GPU trainer follows the host trainer step by step,
// keeps learning, and writes checkpoints the host reads.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <vector>

#include "backend/cuda/model_parity.hpp"
#include "support/temp_directory.hpp"
#include "isinggan/data/synthetic_nuclei.hpp"
#include "isinggan/io/checkpoint.hpp"
#include "isinggan/models/unet.hpp"
#include "isinggan/train/segmentation_trainer.hpp"

using namespace isinggan;

namespace {

constexpr std::size_t side = 32;

/// 4, 8 and 16 channels, two poolings.
template <models::unet_upsampling Up, class Activation = relu>
using small_unet = models::unet<16, Up, 2, Activation>;

template <class HostNet>
void check_unet(std::uint64_t seed) {
    rng gen(seed);
    test::check_twin_network<HostNet>(test::random_tensor({2, 3, side, side}, gen), gen);
}

}  // namespace

TEST_CASE("cuda unet: a small U-Net matches its host twin, forward and backward, with either upsampling") {
    using enum models::unet_upsampling;
    SUBCASE("transposed convolution") { check_unet<small_unet<transposed_conv>>(1); }
    SUBCASE("bilinear") { check_unet<small_unet<bilinear>>(2); }
    SUBCASE("tanh, as the gradient checks use") { check_unet<small_unet<transposed_conv, isinggan::tanh>>(3); }
}

namespace {

using host_unet = small_unet<models::unet_upsampling::transposed_conv>;
using host_trainer = train::segmentation_trainer<host_unet>;
using gpu_trainer = train::segmentation_trainer<on_backend<host_unet, cuda>>;

constexpr train::segmentation_options options{.batch = 4, .lr = 3e-3, .dice_weight = 0.5, .seed = 1};

const data::image_mask_set& training_set() {
    static const data::image_mask_set set = data::synthetic_nuclei(12, side, 5);
    return set;
}

/// The loss of every step of an epoch.
template <class Trainer>
std::vector<double> step_losses(Trainer& t) {
    std::vector<double> losses;
    t.epoch(training_set(), [&](std::size_t, std::size_t, double loss) { losses.push_back(loss); });
    return losses;
}

}  // namespace

TEST_CASE("cuda segmentation_trainer: the first steps on the GPU follow the host trainer") {
    host_trainer host(options);
    gpu_trainer gpu(options);
    static_assert(std::same_as<gpu_trainer::backend_type, cuda>);
    // Same seed: the same initial weights on both backends.
    test::check_model_parity(host.net(), gpu.net(), false);

    // One epoch of 12 pairs in batches of 4: three steps, in the same order.
    const std::vector<double> want = step_losses(host), got = step_losses(gpu);
    REQUIRE(got.size() == 3);
    REQUIRE(want.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CAPTURE(i);
        CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-3));
    }
    // The IoU of binarised logits may differ on the odd pixel near 0.
    const double host_iou = host.evaluate(training_set(), 5).mean_per_image();
    const double gpu_iou = gpu.evaluate(training_set(), 5).mean_per_image();
    CHECK(gpu_iou == doctest::Approx(host_iou).epsilon(0.02));
}

TEST_CASE("cuda segmentation_trainer: a small U-Net trains on the GPU with finite, falling loss") {
    gpu_trainer t(options);
    double first = 0, last = 0;
    for (int e = 0; e < 10; ++e) {
        const auto stats = t.epoch(training_set());
        CHECK(stats.steps == 3);
        REQUIRE(std::isfinite(stats.mean_loss));
        if (e == 0) first = stats.mean_loss;
        last = stats.mean_loss;
    }
    MESSAGE("GPU U-Net: mean loss ", first, " -> ", last);
    CHECK(last < 0.8 * first);
    const auto iou = t.evaluate(training_set(), 5);
    CHECK(iou.images() == training_set().size());
    CHECK(std::isfinite(iou.mean_per_image()));
}

TEST_CASE("cuda segmentation_trainer: a GPU trainer's checkpoint loads on the host") {
    const isinggan::testing::temp_directory scratch("isinggan-cuda-unet");
    const auto path = scratch / "checkpoint.safetensors";
    gpu_trainer gpu(options);
    step_losses(gpu);
    gpu.save(path);

    host_trainer host(options);
    load_checkpoint(path, host.net(), host.optimizer());
    test::check_model_parity(host.net(), gpu.net(), false);
    CHECK(host.optimizer().steps() == gpu.optimizer().steps());
}
