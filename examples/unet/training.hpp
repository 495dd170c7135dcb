#pragma once
// The unet program's training run, written once for both backends: main.cpp
// instantiates it on the host (--device cpu), cuda.cu, compiled by nvcc, on
// the GPU (--device cuda). Data preparation and the report stay in main.cpp.
#include <chrono>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <isinggan/data/image_mask_set.hpp>
#include <isinggan/data/intensity_stretch.hpp>
#include <isinggan/metrics/iou.hpp>
#include <isinggan/models/unet.hpp>
#include <isinggan/train/progress.hpp>
#include <isinggan/train/segmentation_trainer.hpp>

#include "../common/job.hpp"

namespace unet_program {

namespace fs = std::filesystem;

struct settings {
    fs::path data, modalities, test_data, out, cache;
    std::size_t modality = 0;
    std::vector<fs::path> synthetic;
    double fraction = 1.0, test_fraction = 0.2, lr = 1e-4, width = 1.0, dice = 0.0;
    std::size_t size = 256, epochs = 30, batch = 4, synthetic_count = 256;
    std::uint64_t split_seed = 0, seed = 0;
    int threads = 0;
    std::string device = "cpu";  // cpu or cuda
    bool sync_bn = false;             // under an MPI launcher: batch norm over the global batch
    double collective_timeout = 600;  // under an MPI launcher: the longest wait for the other ranks, seconds
    /// Per-image contrast stretch of every image, real and synthetic, training and test (--intensity).
    isinggan::data::intensity_mode intensity = isinggan::data::intensity_mode::none;
};

struct split_sets {
    isinggan::data::image_mask_set train, test;
    std::size_t real_total = 0, real_train = 0, synthetic = 0;
};

/// What a training run leaves for the report.
struct training_result {
    isinggan::metrics::iou_accumulator iou;  ///< of the trained network on the test set
    double final_loss = 0.0;                 ///< the last epoch's mean loss
    double train_seconds = 0.0;
};

/// The checkpoint metadata a U-Net run writes, so that evaluate needs no more flags than the checkpoint.
inline std::map<std::string, std::string> unet_metadata(std::size_t size, double width,
                                                         isinggan::data::intensity_mode intensity) {
    std::ostringstream w;
    w << width;
    return {{"program", "unet"}, {"size", std::to_string(size)}, {"width", w.str()},
            {"intensity", isinggan::data::to_string(intensity)}};
}

/// Trains a U-Net of width 1 / WidthDivisor on backend B for s.epochs epochs
/// of sets.train, writing log.csv and checkpoint.safetensors to s.out, and
/// scores it on sets.test.
template <int WidthDivisor, class B>
training_result train_width(const settings& s, const split_sets& sets) {
    using net_type = isinggan::on_backend<isinggan::models::unet<WidthDivisor>, B>;
    isinggan::train::segmentation_trainer<net_type> trainer(
        {.batch = s.batch, .lr = s.lr, .dice_weight = s.dice, .seed = s.seed});
    // Under mpirun/srun: every rank trains its slice of each mini-batch (docs/cluster.md).
    if (isinggan::examples::job* j = isinggan::examples::job::current(); j && j->parallel()) {
        trainer.set_data_parallel(*j->communicator(s.collective_timeout, !std::same_as<B, isinggan::cpu>), s.sync_bn);
        std::cerr << "data-parallel: " << j->size() << " ranks, batch norm "
                  << (s.sync_bn ? "over the global mini-batch" : "per rank") << '\n';
    }
    std::ofstream log;  // rank 0 (or the only process) writes
    if (trainer.writes_files()) {
        log.open(s.out / "log.csv");
        log << "epoch,seconds,loss\n";
    }
    training_result r;
    const auto train_start = std::chrono::steady_clock::now();
    for (std::size_t e = 1; e <= s.epochs; ++e) {
        const std::size_t steps = (sets.train.size() + s.batch - 1) / s.batch;
        isinggan::train::progress_reporter bar("epoch " + std::to_string(e) + "/" + std::to_string(s.epochs), steps);
        const auto stats = trainer.epoch(sets.train, [&](std::size_t done, std::size_t, double loss) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "loss %.4f", loss);
            bar.update(done, buf);
        });
        char buf[32];
        std::snprintf(buf, sizeof buf, "mean loss %.4f", stats.mean_loss);
        bar.finish(buf);
        r.final_loss = stats.mean_loss;
        const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - train_start).count();
        log << e << ',' << t << ',' << stats.mean_loss << '\n' << std::flush;
    }
    r.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - train_start).count();
    trainer.save(s.out / "checkpoint.safetensors", {.metadata = unet_metadata(s.size, s.width, s.intensity)});
    r.iou = trainer.evaluate(sets.test, s.batch);
    return r;
}

/// train_width for s.width (1, 0.25 or 0.125) on backend B.
template <class B>
training_result train(const settings& s, const split_sets& sets) {
    if (s.width == 1.0) return train_width<1, B>(s, sets);
    if (s.width == 0.25) return train_width<4, B>(s, sets);
    return train_width<8, B>(s, sets);
}

// Defined in cuda.cu, which nvcc compiles where the CUDA programs are built.
/// Names the GPU on stderr; throws when no CUDA device is present.
void require_gpu();
/// train<cuda>.
training_result train_on_gpu(const settings& s, const split_sets& sets);

}  // namespace unet_program
