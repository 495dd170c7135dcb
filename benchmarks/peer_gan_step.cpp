// One full training step of the paper's GANs — discriminator step, then
// generator step with the Ising term λ·L_smooth (4-adjacency, λ = 1.5/(D·N)),
// Adam (lr 2e-4, β 0.9/0.999) on both — in isinggan (gan_trainer) and in
// libtorch (the same networks written with torch::nn, the step written as a
// PyTorch user would: BCEWithLogits, fake.detach() for D, autograd), at the
// paper's widths: 64×64 batch 64 and 256×256 batch 8.
// Run: isinggan_bench_peer --benchmark_filter=gan_step
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "isinggan/data/synthetic_nuclei.hpp"
#include "isinggan/models/discriminator.hpp"
#include "isinggan/models/generator.hpp"
#include "isinggan/train/gan_trainer.hpp"

namespace ig = isinggan;
namespace nn = torch::nn;
using torch::indexing::Slice;

namespace {

// --- isinggan --------------------------------------------------------------

template <template <int, int> class Generator, int Size>
void ours(benchmark::State& state, std::size_t batch) {
    const auto data = ig::data::synthetic_nuclei(batch, Size, 1);
    ig::train::gan_options o;
    o.batch = batch;
    ig::train::gan_trainer<Generator<Size, 1>, ig::models::paper_discriminator<Size, 1>, ig::mrf_loss<ig::ising>> t(o);
    t.step(data);
    for (auto _ : state) benchmark::DoNotOptimize(t.step(data).d_loss);
}

// --- libtorch: the same networks -------------------------------------------

// torch::nn::Sequential cannot hold another Sequential, so stages are appended flat.
void add_upsample(nn::Sequential& s, int64_t in, int64_t out) {
    s->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(in, out, 4).stride(2).padding(1)));
    s->push_back(nn::BatchNorm2d(out));
    s->push_back(nn::ReLU());
}

struct residual_stackImpl : nn::Module {
    nn::Sequential block;
    explicit residual_stackImpl(int64_t c)
        : block(register_module("block", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(c, c, 3).padding(1)),
                                                        nn::BatchNorm2d(c), nn::ReLU(),
                                                        nn::Conv2d(nn::Conv2dOptions(c, c, 3).padding(1)),
                                                        nn::BatchNorm2d(c)))) {}
    torch::Tensor forward(const torch::Tensor& x) { return torch::relu(x + block->forward(x)); }
};
TORCH_MODULE(residual_stack);

nn::Sequential head(int64_t out, bool residual) {
    nn::Sequential h;
    add_upsample(h, 64, 64);
    if (residual) h->push_back(residual_stack(64));
    add_upsample(h, 64, 32);
    if (residual) h->push_back(residual_stack(32));
    h->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(32, out, 4).stride(2).padding(1)));
    return h;
}

struct generatorImpl : nn::Module {
    nn::Sequential trunk, image, mask;
    generatorImpl(int size, bool residual) {
        const int upsampling = ig::models::trunk_stages(size);
        const int64_t top = 512;
        trunk = nn::Sequential(nn::Linear(100, 16 * top), nn::Unflatten(nn::UnflattenOptions(1, {top, 4, 4})),
                               nn::BatchNorm2d(top), nn::ReLU());
        for (int i = 0; i < 3; ++i) {
            if (i >= 3 - upsampling) {
                add_upsample(trunk, top >> i, top >> (i + 1));
            } else {  // same-size stage below 256
                trunk->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(top >> i, top >> (i + 1), 3).padding(1)));
                trunk->push_back(nn::BatchNorm2d(top >> (i + 1)));
                trunk->push_back(nn::ReLU());
            }
        }
        register_module("trunk", trunk);
        image = register_module("image", head(3, residual));
        mask = register_module("mask", head(1, residual));
    }
    std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& z) {
        const torch::Tensor f = trunk->forward(z);
        return {torch::tanh(image->forward(f)), torch::sigmoid(mask->forward(f))};
    }
};
TORCH_MODULE(generator);

nn::Sequential discriminator(int size) {
    const int64_t widths[] = {64, 128, 128, 256, 256, 512, 512};
    nn::Sequential d;
    int64_t in = 4;
    for (int layer = 0; layer < 7; ++layer) {
        d->push_back(nn::Conv2d(
            nn::Conv2dOptions(in, widths[layer], 5).stride(ig::models::discriminator_stride(layer, size)).padding(2)));
        if (layer > 0) d->push_back(nn::BatchNorm2d(widths[layer]));
        d->push_back(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)));
        in = widths[layer];
    }
    d->push_back(nn::AdaptiveAvgPool2d(1));
    d->push_back(nn::Flatten());
    d->push_back(nn::Linear(512, 1));
    return d;
}

torch::Tensor ising_energy(const torch::Tensor& f) {
    const int64_t h = f.size(2), w = f.size(3);
    auto right = f.index({Slice(), Slice(), Slice(), Slice(1, w)}) - f.index({Slice(), Slice(), Slice(), Slice(0, w - 1)});
    auto down = f.index({Slice(), Slice(), Slice(1, h), Slice()}) - f.index({Slice(), Slice(), Slice(0, h - 1), Slice()});
    return right.abs().sum() + down.abs().sum();
}

void theirs(benchmark::State& state, int size, std::size_t batch, bool residual, bool freeze_d) {
    torch::manual_seed(1);
    generator g(size, residual);
    nn::Sequential d = discriminator(size);
    torch::optim::Adam g_opt(g->parameters(), torch::optim::AdamOptions(2e-4).betas({0.9, 0.999}));
    torch::optim::Adam d_opt(d->parameters(), torch::optim::AdamOptions(2e-4).betas({0.9, 0.999}));
    const int64_t n = int64_t(batch);
    const torch::Tensor real = torch::rand({n, 4, size, size}) * 2 - 1;
    const torch::Tensor ones = torch::ones({n, 1}), zeros = torch::zeros({n, 1});
    const double lambda = 1.5 / double(n * size * size);
    auto step = [&] {
        const torch::Tensor z = torch::rand({n, 100}) * 2 - 1;
        auto [image, mask] = g->forward(z);
        const torch::Tensor fake = torch::cat(std::vector<torch::Tensor>{image, mask}, 1);
        d_opt.zero_grad();
        torch::Tensor d_loss = torch::binary_cross_entropy_with_logits(d->forward(real), ones) +
                               torch::binary_cross_entropy_with_logits(d->forward(fake.detach()), zeros);
        d_loss.backward();
        d_opt.step();
        g_opt.zero_grad();
        // freeze_d: D's parameters leave autograd for the generator step, so only
        // D's input gradient is computed (as isinggan's trainer does).
        if (freeze_d)
            for (auto& p : d->parameters()) p.set_requires_grad(false);
        torch::Tensor g_loss =
            torch::binary_cross_entropy_with_logits(d->forward(fake), ones) + lambda * ising_energy(mask);
        g_loss.backward();
        if (freeze_d)
            for (auto& p : d->parameters()) p.set_requires_grad(true);
        g_opt.step();
        return d_loss.item<double>();
    };
    step();
    for (auto _ : state) benchmark::DoNotOptimize(step());
}

template <template <int, int> class Generator, int Size>
void add(const char* model, std::size_t batch) {
    const bool residual = std::string(model) == "resgan";
    const std::string key = std::string("gan_step_ising_") + model + "_" + std::to_string(Size) + "px_b" +
                            std::to_string(batch);
    benchmark::RegisterBenchmark((key + "/isinggan").c_str(), ours<Generator, Size>, batch)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond)
        ->MinTime(2.0);
    benchmark::RegisterBenchmark((key + "/libtorch").c_str(), theirs, Size, batch, residual, false)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond)
        ->MinTime(2.0);
    benchmark::RegisterBenchmark((key + "/libtorch_d_frozen").c_str(), theirs, Size, batch, residual, true)
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
