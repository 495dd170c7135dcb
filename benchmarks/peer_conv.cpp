// Convolutions at the paper's shapes: isinggan's kernels and libtorch's
// (oneDNN) doing the same forward and forward+backward work.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "conv_shapes.hpp"
#include "isinggan/backend/cpu/conv2d.hpp"
#include "isinggan/backend/cpu/conv_transpose2d.hpp"
#include "isinggan/core/random.hpp"

namespace ig = isinggan;

namespace {

void set_flops(benchmark::State& state, double flops) {
    state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

ig::shape4 weight_shape(const ig::bench::conv_shape& s) {
    return s.transposed ? ig::shape4{std::size_t(s.c_in), std::size_t(s.c_out), std::size_t(s.g.kernel_h),
                                     std::size_t(s.g.kernel_w)}
                        : ig::shape4{std::size_t(s.c_out), std::size_t(s.c_in), std::size_t(s.g.kernel_h),
                                     std::size_t(s.g.kernel_w)};
}

/// Forward (and with `backward`, the data, weight and bias gradients), biased as in the layers.
void ours(benchmark::State& state, ig::bench::conv_shape s, bool backward) {
    ig::rng gen(3);
    ig::tensor<ig::cpu> x({std::size_t(s.n), std::size_t(s.c_in), std::size_t(s.h), std::size_t(s.w)});
    ig::tensor<ig::cpu> w(weight_shape(s)), dw(weight_shape(s)), y, dx;
    ig::fill_uniform(x, -1, 1, gen);
    ig::fill_uniform(w, -0.1, 0.1, gen);
    std::vector<float> b(s.c_out, 0.1f), db(s.c_out);
    ig::tensor<ig::cpu> dy({std::size_t(s.n), std::size_t(s.c_out), std::size_t(s.out_h()), std::size_t(s.out_w())});
    ig::fill_uniform(dy, -1, 1, gen);
    ig::cpu_workspace ws;
    for (auto _ : state) {
        if (s.transposed) {
            ig::ops::conv_transpose2d_forward(ig::cpu{}, x, w, b, y, s.g, ws);
            if (backward) {
                ig::ops::conv_transpose2d_backward_data(ig::cpu{}, dy, w, x.shape(), dx, s.g, ws);
                ig::ops::conv_transpose2d_backward_weights(ig::cpu{}, x, dy, dw, s.g, ws, false);
                ig::ops::conv_transpose2d_backward_bias(ig::cpu{}, dy, db, false);
            }
        } else {
            ig::ops::conv2d_forward(ig::cpu{}, x, w, b, y, s.g, ws);
            if (backward) {
                ig::ops::conv2d_backward_data(ig::cpu{}, dy, w, x.shape(), dx, s.g, ws);
                ig::ops::conv2d_backward_weights(ig::cpu{}, x, dy, dw, s.g, ws, false);
                ig::ops::conv2d_backward_bias(ig::cpu{}, dy, db, false);
            }
        }
        benchmark::ClobberMemory();
    }
    set_flops(state, s.forward_flops() * (backward ? 3 : 1));
}

void theirs(benchmark::State& state, ig::bench::conv_shape s, bool backward) {
    torch::manual_seed(3);
    const auto ws = weight_shape(s);
    auto x = torch::rand({s.n, s.c_in, s.h, s.w}) * 2 - 1;
    auto w = (torch::rand({long(ws.n), long(ws.c), long(ws.h), long(ws.w)}) * 2 - 1) * 0.1;
    auto b = torch::full({s.c_out}, 0.1);
    auto dy = torch::rand({s.n, s.c_out, s.out_h(), s.out_w()}) * 2 - 1;
    x.set_requires_grad(backward);
    w.set_requires_grad(backward);
    b.set_requires_grad(backward);
    const std::vector<int64_t> stride{s.g.stride_h, s.g.stride_w}, pad{s.g.pad_h, s.g.pad_w},
        out_pad{s.g.output_pad_h, s.g.output_pad_w};
    for (auto _ : state) {
        torch::Tensor y;
        if (!backward) {
            torch::NoGradGuard no_grad;
            y = s.transposed ? torch::conv_transpose2d(x, w, b, stride, pad, out_pad) : torch::conv2d(x, w, b, stride, pad);
        } else {
            y = s.transposed ? torch::conv_transpose2d(x, w, b, stride, pad, out_pad) : torch::conv2d(x, w, b, stride, pad);
            y.backward(dy);
            // Gradients are fresh each step, as our overwrite (accumulate = false) does.
            x.mutable_grad() = torch::Tensor();
            w.mutable_grad() = torch::Tensor();
            b.mutable_grad() = torch::Tensor();
        }
        benchmark::DoNotOptimize(y.data_ptr());
    }
    set_flops(state, s.forward_flops() * (backward ? 3 : 1));
}

const int registered = [] {
    auto shapes = ig::bench::paper_conv_shapes();
    for (auto& s : ig::bench::step64_conv_shapes()) shapes.push_back(std::move(s));
    for (const auto& s : shapes)
        for (bool backward : {false, true}) {
            const std::string key = s.name + (backward ? "/forward+backward" : "/forward");
            benchmark::RegisterBenchmark((key + "/isinggan").c_str(), ours, s, backward)->UseRealTime()->Unit(benchmark::kMillisecond);
            benchmark::RegisterBenchmark((key + "/libtorch").c_str(), theirs, s, backward)->UseRealTime()->Unit(benchmark::kMillisecond);
        }
    return 0;
}();

}  // namespace
