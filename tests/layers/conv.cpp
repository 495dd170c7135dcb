#include <doctest/doctest.h>

#include "layers/layer_check.hpp"

using namespace isinggan;
using namespace isinggan::testing;

TEST_CASE("layers: conv2d matches PyTorch's Conv2d") {
    conv2d<3, 4, 3, 2, 1> strided;
    check_against_fixture(strided, "conv2d_k3_s2_p1");
    conv2d<2, 3, 1> pointwise;
    check_against_fixture(pointwise, "conv2d_k1");
}

TEST_CASE("layers: conv_transpose2d matches PyTorch's ConvTranspose2d") {
    conv_transpose2d<3, 2, 4, 2, 1> up;
    check_against_fixture(up, "conv_transpose2d_k4_s2_p1");
    conv_transpose2d<2, 3, 3, 2, 1, 1> up_padded;
    check_against_fixture(up_padded, "conv_transpose2d_k3_s2_p1_op1");
}

TEST_CASE("layers: conv2d passes a finite-difference gradient check") {
    rng gen(21);
    conv2d<2, 3, 3, 2, 1> layer;
    reset_parameters(layer, gen);
    require_gradients(layer, random_tensor({2, 2, 5, 4}, gen), gen);
    conv2d<2, 2, 3, 1, 1, false> no_bias;
    require_gradients(no_bias, random_tensor({1, 2, 4, 4}, gen), gen);
}

TEST_CASE("layers: conv_transpose2d passes a finite-difference gradient check") {
    rng gen(22);
    conv_transpose2d<2, 3, 4, 2, 1> layer;
    reset_parameters(layer, gen);
    require_gradients(layer, random_tensor({2, 2, 3, 2}, gen), gen);
    conv_transpose2d<2, 2, 3, 2, 1, 1, false> padded;
    require_gradients(padded, random_tensor({1, 2, 2, 3}, gen), gen);
}

TEST_CASE("layers: conv_transpose2d k4 s2 p1 doubles the spatial size at any run-time size") {
    conv_transpose2d<3, 2, 4, 2, 1> up;
    for (std::size_t s : {4u, 8u, 16u}) CHECK(up.forward(kept({1, 3, s, s})).shape() == shape4{1, 2, 2 * s, 2 * s});
    conv2d<2, 3, 4, 2, 1> down;
    CHECK(down.forward(kept({1, 2, 32, 32})).shape() == shape4{1, 3, 16, 16});
    // The DCGAN discriminator's layer (models/dcgan_discriminator.hpp): an even kernel, stride 2.
    rng gen(17);
    require_gradients(down, random_tensor({2, 2, 8, 8}, gen), gen);
}

TEST_CASE("layers: convolutions name their parameters as PyTorch and reject wrong channel counts") {
    conv2d<3, 4, 3> with_bias;
    std::vector<std::string> names;
    visit_params(with_bias, [&](std::string_view n, auto& p) { names.emplace_back(n); });
    CHECK(names == std::vector<std::string>{"weight", "bias"});
    CHECK(with_bias.weight().value.shape() == shape4{4, 3, 3, 3});
    CHECK(with_bias.weight().torch_rank == 4);  // a checkpoint keeps a 1x1 kernel's unit dimensions
    CHECK(with_bias.bias().torch_rank == 0);
    conv_transpose2d<3, 4, 3, 1, 0, 0, false> no_bias;
    names.clear();
    visit_params(no_bias, [&](std::string_view n, auto& p) { names.emplace_back(n); });
    CHECK(names == std::vector<std::string>{"weight"});
    CHECK(no_bias.weight().value.shape() == shape4{3, 4, 3, 3});
    CHECK_THROWS_WITH_AS(with_bias.forward(kept({1, 2, 5, 5})), doctest::Contains("expects 3 input channels"),
                         shape_error);
    CHECK_THROWS_AS(with_bias.forward(kept({1, 3, 2, 2})), shape_error);  // smaller than the kernel
}

TEST_CASE("layers: default initialisation follows PyTorch's bounds and is reproducible") {
    seed_default_init(5);
    conv2d<4, 8, 3> a;
    seed_default_init(5);
    conv2d<4, 8, 3> b;
    CHECK(max_relative_error(a.weight().value, b.weight().value) == 0.0);
    const float bound = 1.0f / std::sqrt(4.0f * 9.0f);
    float largest = 0.0f;
    for (float v : a.weight().value) largest = std::max(largest, std::abs(v));
    CHECK(largest <= bound);
    CHECK(largest > 0.8f * bound);
}
