// FID feature extraction: pytorch-fid's Inception-v3 forward on a batch of
// 16 images at 299x299, in isinggan (models/inception_v3.hpp) and in libtorch
// (the same architecture built from torch::nn modules, random weights,
// evaluation mode, no gradients). Reports images/s.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "isinggan/core/random.hpp"
#include "isinggan/models/inception_v3.hpp"

namespace ig = isinggan;

namespace {

constexpr long batch = 16;

void set_rate(benchmark::State& state) {
    state.counters["images/s"] = benchmark::Counter(double(batch), benchmark::Counter::kIsIterationInvariantRate);
}

void ours(benchmark::State& state) {
    ig::rng gen(5);
    ig::fid_inception_v3 model;
    model.load([&](const std::string& name, const std::vector<std::size_t>& shape) {
        std::size_t count = 1;
        for (auto d : shape) count *= d;
        std::vector<float> v(count);
        const bool conv = name.ends_with("conv.weight");
        const double bound = conv ? std::sqrt(6.0 / double(count / shape[0])) : 0.1;
        for (auto& x : v) x = float((name.ends_with("running_var") || name.ends_with("bn.weight") ? 1.0 : 0.0) +
                                    gen.uniform(-bound, bound));
        return v;
    });
    ig::tensor<ig::cpu> x({std::size_t(batch), 3, 299, 299});
    ig::fill_uniform(x, -1, 1, gen);
    std::vector<float> features;
    for (auto _ : state) {
        model.features(x, features);
        benchmark::DoNotOptimize(features.data());
    }
    set_rate(state);
}

// --- the same network in libtorch --------------------------------------------------

struct unit : torch::nn::Module {
    torch::nn::Conv2d conv{nullptr};
    torch::nn::BatchNorm2d bn{nullptr};
    unit(long in, long out, std::vector<long> k, std::vector<long> pad = {0, 0}, long stride = 1) {
        if (k.size() == 1) k = {k[0], k[0]};
        conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, {k[0], k[1]})
                                                              .stride(stride).padding({pad[0], pad[1]}).bias(false)));
        bn = register_module("bn", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(out).eps(1e-3)));
    }
    torch::Tensor forward(const torch::Tensor& x) { return torch::relu(bn(conv(x))); }
};

using unit_ptr = std::shared_ptr<unit>;
unit_ptr make(long in, long out, std::vector<long> k, std::vector<long> pad = {0, 0}, long stride = 1) {
    return std::make_shared<unit>(in, out, k, pad, stride);
}
torch::Tensor avg_exclude_pad(const torch::Tensor& x) {
    return torch::avg_pool2d(x, {3, 3}, {1, 1}, {1, 1}, false, /*count_include_pad=*/false);
}

struct torch_inception : torch::nn::Module {
    std::vector<unit_ptr> u;  // every unit in creation order
    unit_ptr add(unit_ptr p) {
        register_module("u" + std::to_string(u.size()), p);
        u.push_back(p);
        return p;
    }
    std::vector<std::function<torch::Tensor(const torch::Tensor&)>> stages;

    void block_a(long in, long pool) {
        auto b1 = add(make(in, 64, {1})), b5a = add(make(in, 48, {1})), b5b = add(make(48, 64, {5}, {2, 2}));
        auto d1 = add(make(in, 64, {1})), d2 = add(make(64, 96, {3}, {1, 1})), d3 = add(make(96, 96, {3}, {1, 1}));
        auto bp = add(make(in, pool, {1}));
        stages.push_back([=](const torch::Tensor& x) {
            return torch::cat({b1->forward(x), b5b->forward(b5a->forward(x)), d3->forward(d2->forward(d1->forward(x))),
                               bp->forward(avg_exclude_pad(x))}, 1);
        });
    }
    void block_b(long in) {
        auto b3 = add(make(in, 384, {3}, {0, 0}, 2)), d1 = add(make(in, 64, {1})),
             d2 = add(make(64, 96, {3}, {1, 1})), d3 = add(make(96, 96, {3}, {0, 0}, 2));
        stages.push_back([=](const torch::Tensor& x) {
            return torch::cat({b3->forward(x), d3->forward(d2->forward(d1->forward(x))), torch::max_pool2d(x, {3, 3}, {2, 2})}, 1);
        });
    }
    void block_c(long in, long c7) {
        auto b1 = add(make(in, 192, {1})), s1 = add(make(in, c7, {1})), s2 = add(make(c7, c7, {1, 7}, {0, 3})),
             s3 = add(make(c7, 192, {7, 1}, {3, 0}));
        auto d1 = add(make(in, c7, {1})), d2 = add(make(c7, c7, {7, 1}, {3, 0})), d3 = add(make(c7, c7, {1, 7}, {0, 3})),
             d4 = add(make(c7, c7, {7, 1}, {3, 0})), d5 = add(make(c7, 192, {1, 7}, {0, 3}));
        auto bp = add(make(in, 192, {1}));
        stages.push_back([=](const torch::Tensor& x) {
            return torch::cat({b1->forward(x), s3->forward(s2->forward(s1->forward(x))),
                               d5->forward(d4->forward(d3->forward(d2->forward(d1->forward(x))))),
                               bp->forward(avg_exclude_pad(x))}, 1);
        });
    }
    void block_d(long in) {
        auto a1 = add(make(in, 192, {1})), a2 = add(make(192, 320, {3}, {0, 0}, 2)), s1 = add(make(in, 192, {1})),
             s2 = add(make(192, 192, {1, 7}, {0, 3})), s3 = add(make(192, 192, {7, 1}, {3, 0})),
             s4 = add(make(192, 192, {3}, {0, 0}, 2));
        stages.push_back([=](const torch::Tensor& x) {
            return torch::cat({a2->forward(a1->forward(x)), s4->forward(s3->forward(s2->forward(s1->forward(x)))),
                               torch::max_pool2d(x, {3, 3}, {2, 2})}, 1);
        });
    }
    void block_e(long in, bool max_pool) {
        auto b1 = add(make(in, 320, {1})), t1 = add(make(in, 384, {1})), t2a = add(make(384, 384, {1, 3}, {0, 1})),
             t2b = add(make(384, 384, {3, 1}, {1, 0})), d1 = add(make(in, 448, {1})),
             d2 = add(make(448, 384, {3}, {1, 1})), d3a = add(make(384, 384, {1, 3}, {0, 1})),
             d3b = add(make(384, 384, {3, 1}, {1, 0})), bp = add(make(in, 192, {1}));
        stages.push_back([=](const torch::Tensor& x) {
            auto t = t1->forward(x);
            auto d = d2->forward(d1->forward(x));
            auto p = max_pool ? torch::max_pool2d(x, {3, 3}, {1, 1}, {1, 1}) : avg_exclude_pad(x);
            return torch::cat({b1->forward(x), t2a->forward(t), t2b->forward(t), d3a->forward(d), d3b->forward(d),
                               bp->forward(p)}, 1);
        });
    }

    torch_inception() {
        auto c1 = add(make(3, 32, {3}, {0, 0}, 2)), c2 = add(make(32, 32, {3})), c3 = add(make(32, 64, {3}, {1, 1})),
             c4 = add(make(64, 80, {1})), c5 = add(make(80, 192, {3}));
        stages.push_back([=](const torch::Tensor& x) {
            auto y = torch::max_pool2d(c3->forward(c2->forward(c1->forward(x))), {3, 3}, {2, 2});
            return torch::max_pool2d(c5->forward(c4->forward(y)), {3, 3}, {2, 2});
        });
        block_a(192, 32), block_a(256, 64), block_a(288, 64), block_b(288);
        block_c(768, 128), block_c(768, 160), block_c(768, 160), block_c(768, 192), block_d(768);
        block_e(1280, false), block_e(2048, true);
    }
    torch::Tensor forward(torch::Tensor x) {
        for (auto& s : stages) x = s(x);
        return torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
    }
};

void theirs(benchmark::State& state) {
    torch::manual_seed(5);
    auto model = std::make_shared<torch_inception>();
    model->eval();
    torch::NoGradGuard no_grad;
    auto x = torch::rand({batch, 3, 299, 299}) * 2 - 1;
    for (auto _ : state) {
        auto f = model->forward(x);
        benchmark::DoNotOptimize(f.data_ptr<float>());
    }
    set_rate(state);
}

}  // namespace

BENCHMARK(ours)->Name("fid_features_batch16/isinggan")->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(theirs)->Name("fid_features_batch16/libtorch")->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
