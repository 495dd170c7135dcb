// Activations, elementwise operations, per-channel reductions and the
// differentiable pair augmentation on the GPU against their CPU definitions.
#include <doctest/doctest.h>

#include "isinggan/backend/cpu/elementwise.hpp"
#include "isinggan/backend/cpu/pair_augment.hpp"
#include "isinggan/backend/cpu/reduce.hpp"
#include "isinggan/backend/cuda/kernels.cuh"
#include "isinggan/data/pair_augment.hpp"
#include "isinggan/layers/activation.hpp"
#include "backend/cuda/parity.hpp"

using namespace isinggan;
using test::device_span;

namespace {

template <class Fn>
void check_activation(const Fn& fn, std::uint64_t seed) {
    CAPTURE(Fn::name);
    rng gen(seed);
    const tensor<cpu> x = test::random_tensor({3, 5, 7, 9}, gen, -4.0, 4.0);
    const tensor<cpu> dy = test::random_tensor(x.shape(), gen);
    tensor<cpu> y(x.shape()), dx(x.shape());
    for (std::size_t i = 0; i < x.size(); ++i) {
        y.data()[i] = fn.value(x.data()[i]);
        dx.data()[i] = dy.data()[i] * fn.derivative(x.data()[i], y.data()[i]);
    }
    const auto gx = to_device(x), gdy = to_device(dy);
    tensor<cuda> gy, gdx;
    ops::activation_forward(cuda{}, fn, gx, gy);
    ops::activation_backward(cuda{}, fn, gx, gy, gdy, gdx);
    CHECK_PARITY(gy, y);
    CHECK_PARITY(gdx, dx);
}

}  // namespace

TEST_CASE("cuda activations: forward and backward match the CPU functions") {
    check_activation(activation_fn::relu{}, 1);
    check_activation(activation_fn::leaky_relu{0.2f}, 2);
    check_activation(activation_fn::leaky_relu{0.01f}, 3);
    check_activation(activation_fn::tanh{}, 4);
    check_activation(activation_fn::sigmoid{}, 5);
}

TEST_CASE("cuda elementwise: add_bias, axpy, scale, binarize, add, sum, dot, ambiguity_penalty match the CPU") {
    rng gen(11);
    const tensor<cpu> a = test::random_tensor({3, 4, 5, 6}, gen), b = test::random_tensor(a.shape(), gen);
    const tensor<cpu> bias = test::random_tensor({4, 1, 1, 1}, gen);
    const auto ga = to_device(a), gb = to_device(b), gbias = to_device(bias);

    tensor<cpu> y = a;
    auto gy = to_device(a);
    ops::add_bias(cpu{}, y, bias.values());
    ops::add_bias(cuda{}, gy, device_span(gbias));
    CHECK_PARITY(gy, y);

    ops::axpy(cpu{}, -0.75f, b, y);
    ops::axpy(cuda{}, -0.75f, gb, gy);
    CHECK_PARITY(gy, y);

    ops::scale(cpu{}, y, 3.5f);
    ops::scale(cuda{}, gy, 3.5f);
    CHECK_PARITY(gy, y);

    tensor<cpu> sum;
    tensor<cuda> gsum;
    ops::add(cpu{}, a, b, sum);
    ops::add(cuda{}, ga, gb, gsum);
    CHECK_PARITY(gsum, sum);
    ops::add(cuda{}, gsum, gb, gsum);  // in place
    ops::add(cpu{}, sum, b, sum);
    CHECK_PARITY(gsum, sum);

    tensor<cpu> hard;
    tensor<cuda> ghard;
    ops::binarize(cpu{}, a, 0.1f, 2.0f, hard);
    ops::binarize(cuda{}, ga, 0.1f, 2.0f, ghard);
    CHECK_PARITY(ghard, hard);

    tensor<cpu> grad = b;
    auto ggrad = to_device(b);
    const double penalty = ops::ambiguity_penalty(cpu{}, a, 0.3f, grad);
    CHECK(test::relative_error(ops::ambiguity_penalty(cuda{}, ga, 0.3f, ggrad), penalty) <= 1e-8);
    CHECK_PARITY(ggrad, grad);

    CHECK(test::relative_error(ops::sum(cuda{}, ga), ops::sum(cpu{}, a)) <= 1e-8);
    CHECK(test::relative_error(ops::dot(cuda{}, ga, gb), ops::dot(cpu{}, a, b)) <= 1e-8);

    const auto mismatched = to_device(tensor<cpu>({1, 4, 5, 6}));
    CHECK_THROWS_AS(ops::axpy(cuda{}, 1.0f, mismatched, gy), shape_error);
}

TEST_CASE("cuda reductions: channel_sum and channel_mean_var match the CPU") {
    rng gen(12);
    for (const shape4 s : {shape4{3, 5, 7, 9}, shape4{1, 2, 1, 1}, shape4{4, 3, 33, 17}}) {
        CAPTURE(s.str());
        // An offset mean checks that the variance does not cancel.
        const tensor<cpu> x = test::random_tensor(s, gen, 9.0, 11.0);
        const auto gx = to_device(x);
        tensor<cpu> sum({s.c, 1, 1, 1}), mean({s.c, 1, 1, 1}), var({s.c, 1, 1, 1});
        tensor<cuda> gsum(sum.shape()), gmean(mean.shape()), gvar(var.shape());
        ops::channel_sum(cpu{}, x, sum.values());
        ops::channel_sum(cuda{}, gx, device_span(gsum));
        ops::channel_mean_var(cpu{}, x, mean.values(), var.values());
        ops::channel_mean_var(cuda{}, gx, device_span(gmean), device_span(gvar));
        CHECK_PARITY(gsum, sum);
        CHECK_PARITY(gmean, mean);
        if (s.n * s.h * s.w == 1) {
            // One value per channel: the variance is exactly zero on both sides.
            const tensor<cpu> host_var = to_host(gvar);
            for (const float v : host_var.values()) CHECK(v == 0.0f);
        } else {
            CHECK_PARITY(gvar, var);
        }
    }
}

TEST_CASE("cuda pair_augment: forward and backward match the CPU for every combination of parts") {
    rng gen(21);
    const tensor<cpu> x = test::random_tensor({6, 4, 16, 16}, gen);
    const tensor<cpu> dy = test::random_tensor({6, 4, 16, 16}, gen);
    const auto gx = to_device(x), gdy = to_device(dy);
    for (int parts = 0; parts < 8; ++parts) {
        CAPTURE(parts);
        auto p = draw_pair_augment(6, 16, gen, {bool(parts & 1), bool(parts & 2), bool(parts & 4)});
        p[0].shift_y = 15, p[0].shift_x = -15;  // all but one row and column shifted out
        tensor<cpu> y, dx;
        ops::pair_augment_forward(cpu{}, x, p, y);
        ops::pair_augment_backward(cpu{}, dy, p, dx);
        tensor<cuda> gy, gdx;
        ops::pair_augment_forward(cuda{}, gx, p, gy);
        ops::pair_augment_backward(cuda{}, gdy, p, gdx);
        CHECK_PARITY(gy, y);
        CHECK_PARITY(gdx, dx);
    }
    std::vector<pair_augment_params> bad(6);
    bad[2].cut_side = 9, bad[2].cut_y = 8;  // 8 + 9 > 16
    tensor<cuda> gy;
    CHECK_THROWS_AS(ops::pair_augment_forward(cuda{}, gx, bad, gy), argument_error);
}
