// Every layer's forward and backward at shapes from the paper's networks.
// Run: isinggan_bench --benchmark_filter=layer/
#include <benchmark/benchmark.h>

#include "isinggan/core/random.hpp"
#include "isinggan/layers.hpp"

namespace ig = isinggan;

namespace {

template <class Layer>
void bm_layer(benchmark::State& state, ig::shape4 input, bool backward) {
    Layer layer;
    ig::rng gen(4);
    ig::tensor<ig::cpu> x(input);
    ig::fill_uniform(x, -1, 1, gen);
    ig::tensor<ig::cpu> dy(layer.forward(x).shape());
    ig::fill_uniform(dy, -1, 1, gen);
    for (auto _ : state) {
        const auto& y = layer.forward(x);
        benchmark::DoNotOptimize(y.data());
        if (backward) {
            ig::zero_grad(layer);
            benchmark::DoNotOptimize(layer.backward(dy).data());
        }
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(input.n));
}

template <class Layer>
void add(const char* name, ig::shape4 input) {
    for (bool backward : {false, true})
        benchmark::RegisterBenchmark((std::string("layer/") + name + (backward ? "/forward+backward" : "/forward")).c_str(),
                                     bm_layer<Layer>, input, backward)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
}

const int registered = [] {
    // Batch 64, the paper's mini-batch; spatial sizes from the 64x64 networks.
    add<ig::dense<100, 4 * 4 * 512>>("dense_100to8192", {64, 100, 1, 1});
    add<ig::reshape<512, 4, 4>>("reshape_8192to512x4x4", {64, 8192, 1, 1});
    add<ig::conv2d<64, 128, 5, 2, 2>>("conv2d_5x5s2_64to128_32px", {64, 64, 32, 32});
    add<ig::conv_transpose2d<64, 32, 4, 2, 1>>("conv_transpose2d_4x4s2_64to32_32px", {64, 64, 32, 32});
    add<ig::batch_norm2d<64>>("batch_norm2d_64ch_32px", {64, 64, 32, 32});
    add<ig::batch_norm1d<512>>("batch_norm1d_512", {64, 512, 1, 1});
    add<ig::leaky_relu>("leaky_relu_64ch_32px", {64, 64, 32, 32});
    add<ig::relu>("relu_64ch_32px", {64, 64, 32, 32});
    add<ig::tanh>("tanh_3ch_64px", {64, 3, 64, 64});
    add<ig::sigmoid>("sigmoid_1ch_64px", {64, 1, 64, 64});
    add<ig::max_pool2d<2>>("max_pool2d_2x2_64ch_32px", {64, 64, 32, 32});
    add<ig::avg_pool2d<2>>("avg_pool2d_2x2_64ch_32px", {64, 64, 32, 32});
    add<ig::global_avg_pool>("global_avg_pool_512ch_4px", {64, 512, 4, 4});
    add<ig::upsample<2, ig::upsample_mode::nearest>>("upsample_nearest_x2_64ch_32px", {64, 64, 32, 32});
    add<ig::upsample<2, ig::upsample_mode::bilinear>>("upsample_bilinear_x2_64ch_32px", {64, 64, 32, 32});
    add<ig::dropout>("dropout_64ch_32px", {64, 64, 32, 32});
    return 0;
}();

}  // namespace
