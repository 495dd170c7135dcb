// One full training step of the paper's GANs (sec. 3): a discriminator step
// on a real and a generated batch, then a generator step with the Ising term
// λ·L_smooth on the generated masks, Adam on both. Paper widths (1.0).
// Run: isinggan_bench --benchmark_filter=gan_step/
// The same step in libtorch, timed in the same run: peer_gan_step.cpp.
#include <benchmark/benchmark.h>

#include <string>

#include "isinggan/data/synthetic_nuclei.hpp"
#include "isinggan/models/discriminator.hpp"
#include "isinggan/models/generator.hpp"
#include "isinggan/train/gan_trainer.hpp"

namespace ig = isinggan;

namespace {

template <template <int, int> class Generator, int Size>
void bm_gan_step(benchmark::State& state, std::size_t batch) {
    const auto data = ig::data::synthetic_nuclei(batch, Size, 1);
    ig::train::gan_options o;
    o.batch = batch;
    ig::train::gan_trainer<Generator<Size, 1>, ig::models::paper_discriminator<Size, 1>, ig::mrf_loss<ig::ising>> t(o);
    t.step(data);  // buffers sized, workspace grown
    for (auto _ : state) benchmark::DoNotOptimize(t.step(data).d_loss);
    state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(batch));
}

template <template <int, int> class Generator, int Size>
void add(const char* model, std::size_t batch) {
    const std::string name = std::string("gan_step/ising_") + model + "_" + std::to_string(Size) + "px_b" +
                             std::to_string(batch);
    benchmark::RegisterBenchmark(name.c_str(), bm_gan_step<Generator, Size>, batch)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond)
        ->MinTime(2.0);
}

const int registered = [] {
    add<ig::models::paper_generator, 64>("gan", 64);
    add<ig::models::residual_generator, 64>("resgan", 64);
    add<ig::models::paper_generator, 256>("gan", 8);
    add<ig::models::residual_generator, 256>("resgan", 8);
    return 0;
}();

}  // namespace
