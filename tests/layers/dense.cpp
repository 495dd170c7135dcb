#include <doctest/doctest.h>

#include "layers/layer_check.hpp"

using namespace isinggan;
using namespace isinggan::testing;

TEST_CASE("layers: dense matches PyTorch's Linear forward and backward") {
    dense<5, 3> layer;
    check_against_fixture(layer, "dense");
}

TEST_CASE("layers: dense passes a finite-difference gradient check") {
    rng gen(11);
    dense<6, 4> layer;
    reset_parameters(layer, gen);
    require_gradients(layer, random_tensor({3, 6, 1, 1}, gen), gen);
}

TEST_CASE("layers: dense reads a [N, C, H, W] input as flat vectors") {
    rng gen(12);
    dense<12, 2> flat, spatial;
    reset_parameters(flat, gen);
    spatial.weight().value = flat.weight().value;
    spatial.bias().value = flat.bias().value;
    const tensor<cpu> x = random_tensor({2, 3, 2, 2}, gen);
    tensor<cpu> x_flat({2, 12, 1, 1}, x.values());
    const tensor<cpu> a = flat.forward(x_flat);
    CHECK(max_relative_error(spatial.forward(x), a) == 0.0);
    CHECK(spatial.backward(a).shape() == x.shape());
}

TEST_CASE("layers: dense rejects a wrong input size and a wrong gradient shape") {
    dense<5, 3> layer;
    CHECK_THROWS_AS(layer.backward(tensor<cpu>({2, 3, 1, 1})), argument_error);
    CHECK_THROWS_WITH_AS(layer.forward(kept({2, 4, 1, 1})),
                         doctest::Contains("has 4 values per sample, expected 5"), shape_error);
    layer.forward(kept({2, 5, 1, 1}));
    CHECK_THROWS_WITH_AS(layer.backward(tensor<cpu>({2, 4, 1, 1})), doctest::Contains("[2, 3, 1, 1]"), shape_error);
}

TEST_CASE("layers: dense accumulates parameter gradients across backward calls") {
    rng gen(13);
    dense<4, 2> layer;
    const tensor<cpu> x = random_tensor({3, 4, 1, 1}, gen), dy = random_tensor({3, 2, 1, 1}, gen);
    layer.forward(x);
    zero_grad(layer);
    layer.backward(dy);
    const tensor<cpu> once = layer.weight().grad;
    layer.backward(dy);
    for (std::size_t i = 0; i < once.size(); ++i)
        CHECK(layer.weight().grad.data()[i] == doctest::Approx(2 * once.data()[i]));
}

TEST_CASE("layers: reshape and flatten round-trip values and gradients") {
    rng gen(14);
    reshape<2, 3, 4> r;
    flatten f;
    const tensor<cpu> x = random_tensor({2, 24, 1, 1}, gen);
    const tensor<cpu>& y = r.forward(x);
    CHECK(y.shape() == shape4{2, 2, 3, 4});
    const tensor<cpu>& z = f.forward(y);
    CHECK(z.shape() == shape4{2, 24, 1, 1});
    CHECK(max_relative_error(z, x) == 0.0);
    const tensor<cpu> dy = random_tensor(z.shape(), gen);
    const tensor<cpu>& dx = r.backward(f.backward(dy));
    CHECK(dx.shape() == x.shape());
    CHECK(max_relative_error(dx, dy) == 0.0);
    CHECK_THROWS_WITH_AS(r.forward(kept({2, 23, 1, 1})), doctest::Contains("expected 24"), shape_error);
    require_gradients(r, random_tensor({2, 24, 1, 1}, gen), gen);
    require_gradients(f, random_tensor({2, 2, 3, 4}, gen), gen);
}
