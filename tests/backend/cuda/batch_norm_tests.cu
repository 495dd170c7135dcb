// Batch norm on the GPU against the CPU layer (layers/batch_norm.hpp):
// training and evaluation forward, running statistics, and backward.
#include <doctest/doctest.h>

#include "isinggan/backend/cuda/kernels.cuh"
#include "isinggan/layers/batch_norm.hpp"
#include "backend/cuda/parity.hpp"

using namespace isinggan;

namespace {

constexpr int channels = 5;

void check_batch_norm(shape4 s, std::uint64_t seed) {
    CAPTURE(s.str());
    rng gen(seed);
    batch_norm2d<channels> layer;
    fill_uniform(layer.weight().value, 0.5, 1.5, gen);
    fill_uniform(layer.bias().value, -0.5, 0.5, gen);
    fill_uniform(layer.running_mean(), -1.0, 1.0, gen);
    fill_uniform(layer.running_var(), 0.5, 2.0, gen);
    fill_uniform(layer.weight().grad, -1.0, 1.0, gen);  // backward adds to these
    fill_uniform(layer.bias().grad, -1.0, 1.0, gen);

    auto weight = to_device(layer.weight().value), bias = to_device(layer.bias().value);
    auto running_mean = to_device(layer.running_mean()), running_var = to_device(layer.running_var());
    auto weight_grad = to_device(layer.weight().grad), bias_grad = to_device(layer.bias().grad);
    tensor<cuda> y, dx, save_mean, save_inv_std;

    for (bool training : {true, false}) {
        CAPTURE(training);
        const tensor<cpu> x = test::random_tensor(s, gen, -3.0, 5.0);
        const tensor<cpu> dy = test::random_tensor(s, gen);
        const auto gx = to_device(x), gdy = to_device(dy);
        layer.set_training(training);
        const tensor<cpu>& y_cpu = layer.forward(x);
        if (training)
            ops::batch_norm2d_forward_training(cuda{}, gx, weight, bias, running_mean, running_var, layer.momentum(),
                                               layer.eps(), y, save_mean, save_inv_std);
        else
            ops::batch_norm2d_forward_inference(cuda{}, gx, weight, bias, running_mean, running_var, layer.eps(), y,
                                                save_mean, save_inv_std);
        CHECK_PARITY(y, y_cpu);
        CHECK_PARITY(running_mean, layer.running_mean());
        CHECK_PARITY(running_var, layer.running_var());

        const tensor<cpu>& dx_cpu = layer.backward(dy);
        ops::batch_norm2d_backward(cuda{}, gx, gdy, weight, save_mean, save_inv_std, training, dx, weight_grad,
                                   bias_grad);
        CHECK_PARITY(dx, dx_cpu);
        CHECK_PARITY(weight_grad, layer.weight().grad);
        CHECK_PARITY(bias_grad, layer.bias().grad);
    }
}

}  // namespace

TEST_CASE("cuda batch_norm2d: training and evaluation match the CPU layer") {
    check_batch_norm({3, channels, 7, 9}, 31);
    check_batch_norm({1, channels, 4, 4}, 32);
    check_batch_norm({8, channels, 1, 1}, 33);
    check_batch_norm({2, channels, 40, 50}, 34);  // more values per channel than threads per block
}

TEST_CASE("cuda batch_norm2d: training refuses a single value per channel") {
    const auto x = to_device(tensor<cpu>({1, 2, 1, 1}));
    tensor<cuda> weight({2, 1, 1, 1}), bias({2, 1, 1, 1}), rm({2, 1, 1, 1}), rv({2, 1, 1, 1}), y, m, s;
    CHECK_THROWS_AS(ops::batch_norm2d_forward_training(cuda{}, x, weight, bias, rm, rv, 0.1f, 1e-5f, y, m, s),
                    shape_error);
    tensor<cuda> wrong({3, 1, 1, 1});
    CHECK_THROWS_AS(ops::batch_norm2d_forward_inference(cuda{}, x, wrong, bias, rm, rv, 1e-5f, y, m, s), shape_error);
}
