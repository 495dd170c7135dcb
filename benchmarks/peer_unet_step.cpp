// One U-Net training step (forward, BCE-with-logits against a mask, backward,
// Adam lr 1e-4) in isinggan and in libtorch, the same network on both sides:
// models::unet (4 levels, 3x3 convs without bias + batch norm + ReLU, 2x2 max
// pool, 2x2 stride-2 transposed convs, skip concatenation, 1x1 logit conv).
// Cases: the paper's 256x256 batch 4 at width 1, and the mini study's
// 64x64 batch 4 at width 0.25.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <string>

#include "isinggan/losses/bce.hpp"
#include "isinggan/models/unet.hpp"
#include "isinggan/optim/adam.hpp"

namespace ig = isinggan;

namespace {

template <int WidthDivisor>
void ours(benchmark::State& state, int side, int batch) {
    ig::rng gen(5);
    ig::models::unet<WidthDivisor> net;
    ig::optim::adam adam({.lr = 1e-4});
    ig::tensor<ig::cpu> x({std::size_t(batch), 3, std::size_t(side), std::size_t(side)});
    ig::tensor<ig::cpu> mask({std::size_t(batch), 1, std::size_t(side), std::size_t(side)}), grad;
    ig::fill_uniform(x, -1, 1, gen);
    for (float& m : mask) m = gen.uniform01() < 0.3 ? 1.0f : 0.0f;
    for (auto _ : state) {
        const auto& logits = net.forward(x);
        benchmark::DoNotOptimize(ig::bce_with_logits(logits, mask, &grad));
        ig::zero_grad(net);
        net.backward(grad);
        adam.step(net);
        benchmark::ClobberMemory();
    }
}

namespace nn = torch::nn;

/// (3x3 conv without bias -> batch norm -> ReLU) x 2.
struct DoubleConvImpl : nn::Module {
    DoubleConvImpl(int in, int out)
        : body(register_module("body", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1).bias(false)),
                                                      nn::BatchNorm2d(out), nn::ReLU(),
                                                      nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1).bias(false)),
                                                      nn::BatchNorm2d(out), nn::ReLU()))) {}
    torch::Tensor forward(const torch::Tensor& x) { return body->forward(x); }
    nn::Sequential body;
};
TORCH_MODULE(DoubleConv);

/// The same U-Net: encoder levels, bottleneck, transposed-conv up steps, decoder levels.
struct UNetImpl : nn::Module {
    explicit UNetImpl(int base) {
        int in = 3;
        for (int level = 0; level < 4; ++level) {
            const int c = base << level;
            down.push_back(register_module("down" + std::to_string(level), DoubleConv(in, c)));
            up.push_back(register_module("up" + std::to_string(level),
                                         nn::ConvTranspose2d(nn::ConvTranspose2dOptions(2 * c, c, 2).stride(2))));
            merge.push_back(register_module("merge" + std::to_string(level), DoubleConv(2 * c, c)));
            in = c;
        }
        bottleneck = register_module("bottleneck", DoubleConv(in, 2 * in));
        head = register_module("head", nn::Conv2d(nn::Conv2dOptions(base, 1, 1)));
    }
    torch::Tensor forward(torch::Tensor x) {
        std::vector<torch::Tensor> skips;
        for (auto& d : down) {
            x = d->forward(x);
            skips.push_back(x);
            x = torch::max_pool2d(x, 2);
        }
        x = bottleneck->forward(x);
        for (int level = 3; level >= 0; --level)
            x = merge[level]->forward(torch::cat({skips[level], up[level]->forward(x)}, 1));
        return head->forward(x);
    }
    std::vector<DoubleConv> down, merge;
    std::vector<nn::ConvTranspose2d> up;
    DoubleConv bottleneck{nullptr};
    nn::Conv2d head{nullptr};
};
TORCH_MODULE(UNet);

void theirs(benchmark::State& state, int width_divisor, int side, int batch) {
    torch::manual_seed(5);
    const int base = 64 / width_divisor;
    UNet net(base);
    torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(1e-4));
    const auto x = torch::rand({batch, 3, side, side}) * 2 - 1;
    const auto mask = (torch::rand({batch, 1, side, side}) < 0.3).to(torch::kFloat);
    for (auto _ : state) {
        adam.zero_grad();
        auto loss = torch::binary_cross_entropy_with_logits(net->forward(x), mask);
        loss.backward();
        adam.step();
        benchmark::DoNotOptimize(loss.item<float>());
    }
}

const bool registered = [] {
    auto add = [](const std::string& key, auto ours_fn, int divisor, int side, int batch) {
        benchmark::RegisterBenchmark((key + "/isinggan").c_str(), ours_fn, side, batch)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark((key + "/libtorch").c_str(), theirs, divisor, side, batch)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
    };
    add("unet_step_256_b4_w1", ours<1>, 1, 256, 4);
    add("unet_step_64_b4_w0.25", ours<4>, 4, 64, 4);
    return true;
}();

}  // namespace
