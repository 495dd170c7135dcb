// Optimizer behaviour beyond the PyTorch goldens: settings are checked, an
// optimizer serves one model, gradients are zeroed, and the update has the
// size the definitions give.
#include <doctest/doctest.h>

#include <cmath>

#include "isinggan/optim/adam.hpp"
#include "isinggan/optim/sgd.hpp"

using namespace isinggan;

namespace {

struct two_params {
    parameter<cpu> a{shape4{2, 2, 1, 1}}, b{shape4{3, 1, 1, 1}};
    const char* b_name = "b";
    template <class F>
    void for_each_param(F&& f) {
        f("a", a);
        f(b_name, b);
    }
};

struct one_param {
    parameter<cpu> a{shape4{2, 2, 1, 1}};
    template <class F>
    void for_each_param(F&& f) {
        f("a", a);
    }
};

}  // namespace

TEST_CASE("optimizers: settings outside their domain are refused") {
    CHECK_THROWS_AS(optim::adam({.lr = -1}), argument_error);
    CHECK_THROWS_AS(optim::adam({.lr = 1e-3, .beta1 = 1.0}), argument_error);
    CHECK_THROWS_AS(optim::adam({.lr = 1e-3, .beta1 = 0.9, .beta2 = -0.1}), argument_error);
    CHECK_THROWS_AS(optim::adam({.lr = 1e-3, .beta1 = 0.9, .beta2 = 0.99, .eps = -1}), argument_error);
    CHECK_THROWS_AS(optim::adam({.lr = std::nan("")}), argument_error);
    CHECK_THROWS_AS(optim::sgd({.lr = 0.1, .momentum = 0.0, .dampening = 0.0, .weight_decay = 0.0, .nesterov = true}),
                    argument_error);
    CHECK_THROWS_AS(optim::sgd({.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.0, .nesterov = true}),
                    argument_error);
    CHECK_THROWS_AS(optim::sgd({.lr = 0.1, .momentum = -0.5}), argument_error);
    optim::adam opt;
    CHECK_THROWS_AS(opt.set_options({.lr = -2}), argument_error);
    CHECK(opt.options().lr == 1e-3);
}

TEST_CASE("optimizers: an optimizer serves one model and a different one is an error") {
    two_params m;
    one_param other;
    optim::adam opt;
    opt.step(m);
    CHECK_THROWS_AS(opt.step(other), argument_error);
    m.b_name = "renamed";
    CHECK_THROWS_AS(opt.step(m), argument_error);
    optim::sgd s({.lr = 0.1});
    s.step(other);
    CHECK_THROWS_AS(s.step(m), argument_error);
}

TEST_CASE("optimizers: the first Adam step moves every element by lr against its gradient's sign") {
    // At t = 1, m-hat = g and v-hat = g^2, so the step is lr * g / (|g| + eps).
    two_params m;
    m.a.value.fill(1.0f);
    m.a.grad = tensor<cpu>(shape4{2, 2, 1, 1}, {0.5f, -2.0f, 1e-3f, -7.0f});
    m.b.grad.fill(3.0f);
    optim::adam opt({.lr = 0.01});
    opt.step(m);
    CHECK(m.a.value.data()[0] == doctest::Approx(0.99).epsilon(1e-6));
    CHECK(m.a.value.data()[1] == doctest::Approx(1.01).epsilon(1e-6));
    CHECK(m.a.value.data()[2] == doctest::Approx(1.0 - 0.01 * 1e-3 / (1e-3 + 1e-8)).epsilon(1e-6));
    CHECK(m.a.value.data()[3] == doctest::Approx(1.01).epsilon(1e-6));
    CHECK(m.b.value.data()[0] == doctest::Approx(-0.01).epsilon(1e-6));
    CHECK(opt.steps() == 1);
    opt.zero_grad(m);
    for (float g : m.a.grad) CHECK(g == 0.0f);
    for (float g : m.b.grad) CHECK(g == 0.0f);
}

TEST_CASE("optimizers: ops::adam_step checks its step number and shapes") {
    tensor<cpu> w({2, 3, 1, 1}), g({2, 3, 1, 1}), m({2, 3, 1, 1}), v({2, 3, 1, 1}), wrong({3, 2, 1, 1});
    g.fill(1.0f);
    CHECK_THROWS_WITH_AS(ops::adam_step(cpu{}, adam_options{}, 0, w, g, m, v),
                         doctest::Contains("step number must be at least 1"), argument_error);
    CHECK_THROWS_WITH_AS(ops::adam_step(cpu{}, adam_options{}, 1, w, g, wrong, v),
                         doctest::Contains("parameter and exp_avg"), shape_error);
    // One step from zero moments moves every element by lr against the gradient's sign.
    ops::adam_step(cpu{}, adam_options{.lr = 0.5}, 1, w, g, m, v);
    for (float x : w) CHECK(x == doctest::Approx(-0.5).epsilon(1e-6));
}

TEST_CASE("optimizers: SGD with momentum accumulates the velocity") {
    one_param m;
    m.a.grad.fill(1.0f);
    optim::sgd opt({.lr = 0.1, .momentum = 0.5});
    opt.step(m);  // buf = 1, step 0.1
    opt.step(m);  // buf = 1.5, step 0.15
    opt.step(m);  // buf = 1.75, step 0.175
    for (float v : m.a.value) CHECK(v == doctest::Approx(-(0.1 + 0.15 + 0.175)).epsilon(1e-6));

    // Without momentum there is no buffer: no state in use, no memory held.
    optim::sgd plain({.lr = 0.1});
    one_param n;
    n.a.grad.fill(1.0f);
    plain.step(n);
    for (float v : n.a.value) CHECK(v == doctest::Approx(-0.1).epsilon(1e-6));
    int reported = 0;
    plain.for_each_state([&](std::string_view, std::string_view, tensor<cpu>& t, bool in_use) {
        CHECK_FALSE(in_use);
        CHECK(t.empty());
        ++reported;
    });
    CHECK(reported == 1);
}
