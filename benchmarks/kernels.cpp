// CPU kernel throughput: GEMM and the convolution kernels at the paper's
// shapes, in GFLOP/s. Run: build/benchmarks/isinggan_bench --benchmark_filter=...
#include <benchmark/benchmark.h>

#include "conv_shapes.hpp"
#include "isinggan/backend/cpu/conv2d.hpp"
#include "isinggan/backend/cpu/conv_transpose2d.hpp"
#include "isinggan/core/random.hpp"

namespace ig = isinggan;

namespace {

ig::tensor<ig::cpu> random(ig::shape4 s, ig::rng& gen) {
    ig::tensor<ig::cpu> t(s);
    ig::fill_uniform(t, -1, 1, gen);
    return t;
}

void set_flops(benchmark::State& state, double flops_per_iteration) {
    state.counters["GFLOP/s"] = benchmark::Counter(flops_per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void bm_gemm(benchmark::State& state) {
    const int m = int(state.range(0)), n = int(state.range(1)), k = int(state.range(2));
    ig::rng gen(1);
    auto a = random({1, 1, std::size_t(m), std::size_t(k)}, gen), b = random({1, 1, std::size_t(k), std::size_t(n)}, gen);
    ig::tensor<ig::cpu> c({1, 1, std::size_t(m), std::size_t(n)});
    for (auto _ : state) {
        ig::ops::gemm(ig::cpu{}, ig::transpose::no, ig::transpose::no, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f,
                      c.data(), n);
        benchmark::DoNotOptimize(c.data());
    }
    set_flops(state, 2.0 * m * n * k);
}
BENCHMARK(bm_gemm)->Args({1024, 1024, 1024})->Args({256, 4096, 3200})->Args({64, 16384, 100})->UseRealTime()
    ->Unit(benchmark::kMillisecond);

enum class pass { forward, backward_data, backward_weights };

void bm_conv(benchmark::State& state, ig::bench::conv_shape s, pass which) {
    ig::rng gen(2);
    const auto x = random({std::size_t(s.n), std::size_t(s.c_in), std::size_t(s.h), std::size_t(s.w)}, gen);
    const ig::shape4 wshape = s.transposed
        ? ig::shape4{std::size_t(s.c_in), std::size_t(s.c_out), std::size_t(s.g.kernel_h), std::size_t(s.g.kernel_w)}
        : ig::shape4{std::size_t(s.c_out), std::size_t(s.c_in), std::size_t(s.g.kernel_h), std::size_t(s.g.kernel_w)};
    const auto w = random(wshape, gen);
    const auto dy = random({std::size_t(s.n), std::size_t(s.c_out), std::size_t(s.out_h()), std::size_t(s.out_w())}, gen);
    ig::tensor<ig::cpu> y, dx, dw(wshape);
    ig::cpu_workspace ws;
    for (auto _ : state) {
        switch (which) {
            case pass::forward:
                if (s.transposed) ig::ops::conv_transpose2d_forward(ig::cpu{}, x, w, {}, y, s.g, ws);
                else ig::ops::conv2d_forward(ig::cpu{}, x, w, {}, y, s.g, ws);
                break;
            case pass::backward_data:
                if (s.transposed) ig::ops::conv_transpose2d_backward_data(ig::cpu{}, dy, w, x.shape(), dx, s.g, ws);
                else ig::ops::conv2d_backward_data(ig::cpu{}, dy, w, x.shape(), dx, s.g, ws);
                break;
            case pass::backward_weights:
                if (s.transposed) ig::ops::conv_transpose2d_backward_weights(ig::cpu{}, x, dy, dw, s.g, ws, false);
                else ig::ops::conv2d_backward_weights(ig::cpu{}, x, dy, dw, s.g, ws, false);
                break;
        }
        benchmark::ClobberMemory();
    }
    set_flops(state, s.forward_flops());
}

const int registered = [] {
    for (const auto& s : ig::bench::paper_conv_shapes()) {
        for (auto [which, label] : {std::pair{pass::forward, "forward"}, std::pair{pass::backward_data, "backward_data"},
                                    std::pair{pass::backward_weights, "backward_weights"}})
            benchmark::RegisterBenchmark(("conv/" + s.name + "/" + label).c_str(), bm_conv, s, which)
                ->UseRealTime()
                ->Unit(benchmark::kMillisecond);
    }
    return 0;
}();

}  // namespace
