#include <doctest/doctest.h>

#include <algorithm>

#include "layers/layer_check.hpp"

using namespace isinggan;
using namespace isinggan::testing;

TEST_CASE("layers: batch_norm2d matches PyTorch in training (running statistics after one step)") {
    batch_norm2d<3> bn;
    check_against_fixture(bn, "batch_norm2d_train");
}

TEST_CASE("layers: batch_norm2d matches PyTorch in evaluation with the updated running statistics") {
    batch_norm2d<3> bn;
    bn.set_training(false);
    check_against_fixture(bn, "batch_norm2d_eval");
}

TEST_CASE("layers: batch_norm1d matches PyTorch in training and evaluation") {
    batch_norm1d<5> train;
    check_against_fixture(train, "batch_norm1d_train");
    batch_norm1d<5> eval;
    eval.set_training(false);
    check_against_fixture(eval, "batch_norm1d_eval");
}

TEST_CASE("layers: batch norm passes a finite-difference gradient check in both modes") {
    rng gen(31);
    batch_norm2d<3> bn;
    fill_uniform(bn.weight().value, 0.5, 1.5, gen);
    fill_uniform(bn.bias().value, -0.5, 0.5, gen);
    require_gradients(bn, random_tensor({3, 3, 2, 3}, gen, -2.0, 3.0), gen);
    fill_uniform(bn.running_mean(), -0.5, 0.5, gen);
    fill_uniform(bn.running_var(), 0.5, 2.0, gen);
    bn.set_training(false);
    require_gradients(bn, random_tensor({2, 3, 2, 2}, gen), gen);

    batch_norm1d<4> bn1;
    require_gradients(bn1, random_tensor({5, 4, 1, 1}, gen), gen);
}

TEST_CASE("layers: batch norm statistics, names and errors") {
    batch_norm2d<2> bn;
    std::vector<std::string> params, buffers;
    visit_params(bn, [&](std::string_view n, auto&) { params.emplace_back(n); });
    visit_buffers(bn, [&](std::string_view n, auto&) { buffers.emplace_back(n); });
    CHECK(params == std::vector<std::string>{"weight", "bias"});
    CHECK(buffers == std::vector<std::string>{"running_mean", "running_var"});
    CHECK(bn.running_var().data()[0] == 1.0f);

    // A batch of one value per channel has no variance to normalise by.
    CHECK_THROWS_WITH_AS(bn.forward(kept({1, 2, 1, 1})), doctest::Contains("more than one value per channel"),
                         shape_error);
    CHECK_THROWS_WITH_AS(bn.forward(kept({2, 3, 2, 2})), doctest::Contains("expects 2 input channels"),
                         shape_error);
    batch_norm1d<2> bn1;
    CHECK_THROWS_AS(bn1.forward(kept({4, 2, 2, 2})), shape_error);
    CHECK_THROWS_AS(batch_norm2d<2>(1.5f), argument_error);

    // In training the output of every channel has mean 0 and variance ~1.
    rng gen(32);
    const tensor<cpu> x = random_tensor({4, 2, 3, 3}, gen, 5.0, 9.0);
    const tensor<cpu>& y = bn.forward(x);
    for (std::size_t c = 0; c < 2; ++c) {
        double s = 0, q = 0;
        for (std::size_t n = 0; n < 4; ++n)
            for (std::size_t i = 0; i < 9; ++i) {
                s += y.plane(n, c)[i];
                q += double(y.plane(n, c)[i]) * y.plane(n, c)[i];
            }
        CHECK(s / 36 == doctest::Approx(0.0).epsilon(1e-5));
        CHECK(q / 36 == doctest::Approx(1.0).epsilon(1e-3));
    }
    CHECK(bn.running_mean().data()[0] > 0.4f);  // 0.1 of a batch mean near 7
}

TEST_CASE("layers: the batch norm ops check their per-channel vectors, and the layer is exactly its ops") {
    rng gen(33);
    const tensor<cpu> x = random_tensor({3, 2, 4, 4}, gen, -1.0, 2.0);
    tensor<cpu> weight({2, 1, 1, 1}), bias({2, 1, 1, 1}), mean({2, 1, 1, 1}), var({2, 1, 1, 1}), wrong({3, 1, 1, 1});
    weight.fill(1.5f);
    var.fill(1.0f);
    tensor<cpu> y, save_mean, save_inv_std;
    CHECK_THROWS_WITH_AS(ops::batch_norm2d_forward_training(cpu{}, x, wrong, bias, mean, var, 0.1f, 1e-5f, y,
                                                            save_mean, save_inv_std),
                         doctest::Contains("weight has 3 values for 2 channels"), shape_error);
    CHECK_THROWS_WITH_AS(ops::batch_norm2d_forward_inference(cpu{}, x, weight, bias, mean, wrong, 1e-5f, y, save_mean,
                                                             save_inv_std),
                         doctest::Contains("running_var has 3 values"), shape_error);
    CHECK_THROWS_WITH_AS(ops::batch_norm2d_forward_training(cpu{}, tensor<cpu>({1, 2, 1, 1}), weight, bias, mean, var,
                                                            0.1f, 1e-5f, y, save_mean, save_inv_std),
                         doctest::Contains("more than one value per channel"), shape_error);

    // The layer's forward and backward are the ops' results, bit for bit.
    batch_norm2d<2> bn;
    bn.weight().value.fill(1.5f);
    const tensor<cpu>& layer_y = bn.forward(x);
    ops::batch_norm2d_forward_training(cpu{}, x, weight, bias, mean, var, 0.1f, 1e-5f, y, save_mean, save_inv_std);
    CHECK(std::equal(y.begin(), y.end(), layer_y.begin()));
    CHECK(std::equal(mean.begin(), mean.end(), bn.running_mean().begin()));
    const tensor<cpu> dy = random_tensor(x.shape(), gen, -1.0, 1.0);
    tensor<cpu> dx, weight_grad({2, 1, 1, 1}), bias_grad({2, 1, 1, 1});
    ops::batch_norm2d_backward(cpu{}, x, dy, weight, save_mean, save_inv_std, true, dx, weight_grad, bias_grad);
    const tensor<cpu>& layer_dx = bn.backward(dy);
    CHECK(std::equal(dx.begin(), dx.end(), layer_dx.begin()));
    CHECK(std::equal(weight_grad.begin(), weight_grad.end(), bn.weight().grad.begin()));
    CHECK_THROWS_WITH_AS(ops::batch_norm2d_backward(cpu{}, x, dy, weight, save_mean, save_inv_std, true, dx, wrong,
                                                    bias_grad),
                         doctest::Contains("weight gradient has 3 values"), shape_error);
}
