#include <doctest/doctest.h>

#include "layers/layer_check.hpp"

using namespace isinggan;
using namespace isinggan::testing;

namespace {
/// Random values kept at least 0.1 away from zero, where relu's kink is.
tensor<cpu> away_from_zero(shape4 s, rng& gen) {
    tensor<cpu> t = random_tensor(s, gen);
    for (float& v : t) v = v < 0 ? v - 0.1f : v + 0.1f;
    return t;
}
}  // namespace

TEST_CASE("layers: activations match PyTorch") {
    relu r;
    check_against_fixture(r, "relu");
    leaky_relu lr;  // slope 0.2, the paper's
    CHECK(lr.slope() == 0.2f);
    check_against_fixture(lr, "leaky_relu");
    isinggan::tanh t;
    check_against_fixture(t, "tanh");
    sigmoid s;
    check_against_fixture(s, "sigmoid");
}

TEST_CASE("layers: activations pass a finite-difference gradient check") {
    rng gen(41);
    gradient_check_options opts;
    opts.eps = 1e-3;
    relu r;
    require_gradients(r, away_from_zero({2, 3, 2, 2}, gen), gen, opts);
    leaky_relu lr(0.1f);
    require_gradients(lr, away_from_zero({2, 3, 2, 2}, gen), gen, opts);
    isinggan::tanh t;
    require_gradients(t, random_tensor({2, 3, 2, 2}, gen, -3, 3), gen, opts);
    sigmoid s;
    require_gradients(s, random_tensor({2, 3, 2, 2}, gen, -5, 5), gen, opts);
}

TEST_CASE("layers: sigmoid and tanh saturate without overflow") {
    sigmoid s;
    const tensor<cpu> x({1, 1, 1, 4}, {-200.0f, -90.0f, 90.0f, 200.0f});
    const tensor<cpu>& y = s.forward(x);
    CHECK(y.data()[0] == 0.0f);
    CHECK(y.data()[3] == 1.0f);
    for (float v : y) CHECK(std::isfinite(v));
    const tensor<cpu>& dx = s.backward(tensor<cpu>({1, 1, 1, 4}, 1.0f));
    for (float v : dx) CHECK(std::isfinite(v));
    isinggan::tanh t;
    CHECK(t.forward(x).data()[0] == -1.0f);
}

TEST_CASE("layers: an activation's backward needs its forward and a matching gradient") {
    relu r;
    CHECK_THROWS_WITH_AS(r.backward(tensor<cpu>({1, 1, 1, 1})), doctest::Contains("before forward"), argument_error);
    r.forward(kept({1, 2, 3, 3}));
    CHECK_THROWS_WITH_AS(r.backward(tensor<cpu>({1, 2, 3, 4})), doctest::Contains("[1, 2, 3, 3]"), shape_error);
}
