// The fused MRF losses against the same losses written as composed libtorch
// operations with autograd (how a PyTorch user writes eq. 2 or the paper's
// Laplacian + L1): energy and gradient of a 64 × 1 × 256 × 256 mask batch.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <functional>
#include <string>

#include "isinggan/core/random.hpp"
#include "isinggan/losses/mrf.hpp"

namespace ig = isinggan;
namespace F = torch::nn::functional;
using torch::indexing::Slice;

namespace {

const ig::shape4 masks{64, 1, 256, 256};

template <class Loss>
void ours(benchmark::State& state) {
    ig::rng gen(5);
    ig::tensor<ig::cpu> f(masks), grad;
    ig::fill_uniform(f, 0.0, 1.0, gen);
    Loss loss;
    for (auto _ : state) benchmark::DoNotOptimize(loss.forward_backward(f, grad));
}

void theirs(benchmark::State& state, const std::function<torch::Tensor(const torch::Tensor&)>& energy) {
    torch::manual_seed(5);
    torch::Tensor f = torch::rand({int64_t(masks.n), int64_t(masks.c), int64_t(masks.h), int64_t(masks.w)})
                          .requires_grad_(true);
    for (auto _ : state) {
        torch::Tensor e = energy(f);
        e.backward();
        benchmark::DoNotOptimize(e.item<double>());
        benchmark::DoNotOptimize(f.grad().data_ptr());
        f.mutable_grad() = torch::Tensor();
    }
}

torch::Tensor dx(const torch::Tensor& f, int64_t oy, int64_t ox) {
    // f[p + (oy, ox)] − f[p] over the pixels where both exist (ox in {−1, 0, 1}, oy in {0, 1}).
    const int64_t h = f.size(2), w = f.size(3);
    auto rows_p = Slice(0, h - oy), rows_q = Slice(oy, h);
    auto cols_p = ox >= 0 ? Slice(0, w - ox) : Slice(-ox, w);
    auto cols_q = ox >= 0 ? Slice(ox, w) : Slice(0, w + ox);
    return f.index({Slice(), Slice(), rows_q, cols_q}) - f.index({Slice(), Slice(), rows_p, cols_p});
}

torch::Tensor ising_4n(const torch::Tensor& f) { return dx(f, 0, 1).abs().sum() + dx(f, 1, 0).abs().sum(); }

torch::Tensor ising_bilinear_8n(const torch::Tensor& f) {
    torch::Tensor e = torch::zeros({}, f.options());
    for (auto [oy, ox] : {std::pair<int64_t, int64_t>{0, 1}, {1, 0}, {1, 1}, {1, -1}}) {
        const int64_t h = f.size(2), w = f.size(3);
        auto p = f.index({Slice(), Slice(), Slice(0, h - oy), ox >= 0 ? Slice(0, w - ox) : Slice(-ox, w)});
        auto q = f.index({Slice(), Slice(), Slice(oy, h), ox >= 0 ? Slice(ox, w) : Slice(0, w + ox)});
        e = e + (p * (1 - q) + q * (1 - p)).sum();
    }
    return e;
}

torch::Tensor laplacian_l1(const torch::Tensor& f) {
    static const torch::Tensor kernel =
        torch::tensor({0.0f, 1.0f, 0.0f, 1.0f, -4.0f, 1.0f, 0.0f, 1.0f, 0.0f}).reshape({1, 1, 3, 3});
    torch::Tensor padded = F::pad(f, F::PadFuncOptions({1, 1, 1, 1}).mode(torch::kReplicate));
    return F::conv2d(padded, kernel).abs().sum();
}

template <class Loss>
void add(const std::string& name, torch::Tensor (*energy)(const torch::Tensor&)) {
    const std::string key = "mrf_" + name + "_64x1x256x256";
    benchmark::RegisterBenchmark((key + "/isinggan").c_str(), ours<Loss>)->UseRealTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((key + "/libtorch").c_str(), theirs, std::function(energy))
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
}

const int registered = [] {
    add<ig::mrf_loss<ig::ising>>("ising_4n", ising_4n);
    add<ig::mrf_loss<ig::ising_bilinear, ig::eight_neighborhood>>("ising_bilinear_8n", ising_bilinear_8n);
    add<ig::laplacian_l1>("laplacian_l1", laplacian_l1);
    return 0;
}();

}  // namespace
