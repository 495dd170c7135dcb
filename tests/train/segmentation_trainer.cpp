#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "isinggan/data/synthetic_nuclei.hpp"
#include "isinggan/models/unet.hpp"
#include "isinggan/train/segmentation_trainer.hpp"

using namespace isinggan;

namespace {
using small_unet = models::unet<16>;  // 4 … 64 channels
}

TEST_CASE("segmentation trainer: a small U-Net overfits a handful of synthetic pairs (IoU > 0.9)") {
    const data::image_mask_set pairs = data::synthetic_nuclei(8, 32, 5);
    train::segmentation_trainer<small_unet> trainer({.batch = 4, .lr = 3e-3, .dice_weight = 0.5, .seed = 1});
    const double before = trainer.evaluate(pairs).mean_per_image();
    double first_loss = 0, last_loss = 0;
    for (int e = 0; e < 60; ++e) {
        const auto stats = trainer.epoch(pairs);
        CHECK(stats.steps == 2);
        if (e == 0) first_loss = stats.mean_loss;
        last_loss = stats.mean_loss;
    }
    const auto iou = trainer.evaluate(pairs, 3);  // a batch that does not divide the set
    INFO("IoU before " << before << ", after " << iou.mean_per_image() << "; loss " << first_loss << " -> "
                       << last_loss);
    CHECK(iou.images() == 8);
    CHECK(last_loss < 0.5 * first_loss);
    CHECK(iou.mean_per_image() > 0.9);
    CHECK(iou.pooled() > 0.9);
}

TEST_CASE("segmentation trainer: the same seed repeats a run and bad settings are refused") {
    const data::image_mask_set pairs = data::synthetic_nuclei(4, 16, 2);
    train::segmentation_trainer<small_unet> a({.batch = 2, .seed = 3}), b({.batch = 2, .seed = 3});
    CHECK(a.epoch(pairs).mean_loss == b.epoch(pairs).mean_loss);
    CHECK(a.epoch(pairs).mean_loss == b.epoch(pairs).mean_loss);

    CHECK_THROWS_AS(train::segmentation_trainer<small_unet>({.batch = 0}), argument_error);
    CHECK_THROWS_AS(train::segmentation_trainer<small_unet>({.dice_weight = -1}), argument_error);
    CHECK_THROWS_AS(a.epoch(data::image_mask_set{}), error);
    CHECK_THROWS_AS(a.evaluate(pairs, 0), argument_error);
    const data::image_mask_set odd = data::synthetic_nuclei(2, 24, 1);  // 24 does not halve 4 times
    CHECK_THROWS_AS(a.epoch(odd), shape_error);
}

TEST_CASE("segmentation trainer: an epoch takes the last partial batch too") {
    // 9 pairs in batches of 4: steps of 4, 4 and 1 pairs; the progress callback counts them.
    const data::image_mask_set pairs = data::synthetic_nuclei(9, 32, 6);
    train::segmentation_trainer<small_unet> t({.batch = 4, .lr = 1e-3, .seed = 4});
    std::vector<std::size_t> done_steps;
    const auto e = t.epoch(pairs, [&](std::size_t done, std::size_t total, double loss) {
        CHECK(total == 3);
        CHECK(std::isfinite(loss));
        done_steps.push_back(done);
    });
    CHECK(e.steps == 3);
    CHECK(done_steps == std::vector<std::size_t>{1, 2, 3});
}
