// Pooling, upsampling, channel concatenation and the minibatch standard deviation on the GPU against the CPU layers.
#include <doctest/doctest.h>

#include "isinggan/backend/cuda/kernels.cuh"
#include "isinggan/backend/cuda/ops.hpp"
#include "isinggan/layers/avg_pool2d.hpp"
#include "isinggan/backend/cpu/channel_concat.hpp"
#include "isinggan/layers/max_pool2d.hpp"
#include "isinggan/layers/minibatch_stddev.hpp"
#include "isinggan/layers/on_backend.hpp"
#include "isinggan/layers/upsample.hpp"
#include "backend/cuda/parity.hpp"

using namespace isinggan;

namespace {

template <int K, int S, int P>
void check_max_pool(shape4 s, std::uint64_t seed) {
    CAPTURE(s.str());
    CAPTURE(K);
    rng gen(seed);
    tensor<cpu> x = test::random_tensor(s, gen);
    x.data()[1] = x.data()[0];  // a tie: the first maximum wins on both backends
    max_pool2d<K, S, P> layer;
    const tensor<cpu>& y = layer.forward(x);
    const tensor<cpu> dy = test::random_tensor(y.shape(), gen);
    const tensor<cpu>& dx = layer.backward(dy);

    const auto gx = to_device(x), gdy = to_device(dy);
    tensor<cuda> gy, gdx;
    device_buffer<std::int32_t> argmax;
    const pool_window window{K, S, P};
    ops::max_pool2d_forward(cuda{}, gx, gy, argmax, window);
    ops::max_pool2d_backward(cuda{}, gdy, argmax, s, gdx, window);
    CHECK_PARITY(gy, y);
    CHECK_PARITY(gdx, dx);
}

template <int K, int S, int P>
void check_avg_pool(shape4 s, std::uint64_t seed) {
    CAPTURE(s.str());
    CAPTURE(K);
    rng gen(seed);
    const tensor<cpu> x = test::random_tensor(s, gen);
    avg_pool2d<K, S, P> layer;
    const tensor<cpu>& y = layer.forward(x);
    const tensor<cpu> dy = test::random_tensor(y.shape(), gen);
    const tensor<cpu>& dx = layer.backward(dy);

    const auto gx = to_device(x), gdy = to_device(dy);
    tensor<cuda> gy, gdx;
    const pool_window window{K, S, P};
    ops::avg_pool2d_forward(cuda{}, gx, gy, window);
    ops::avg_pool2d_backward(cuda{}, gdy, s, gdx, window);
    CHECK_PARITY(gy, y);
    CHECK_PARITY(gdx, dx);
}

template <int Scale, upsample_mode Mode>
void check_upsample(shape4 s, std::uint64_t seed) {
    CAPTURE(s.str());
    CAPTURE(Scale);
    CAPTURE(Mode == upsample_mode::bilinear);
    rng gen(seed);
    const tensor<cpu> x = test::random_tensor(s, gen);
    upsample<Scale, Mode> layer;
    const tensor<cpu>& y = layer.forward(x);
    const tensor<cpu> dy = test::random_tensor(y.shape(), gen);
    const tensor<cpu>& dx = layer.backward(dy);

    const auto gx = to_device(x), gdy = to_device(dy);
    tensor<cuda> gy, gdx;
    ops::upsample_forward(cuda{}, gx, gy, Scale, Mode);
    ops::upsample_backward(cuda{}, gdy, s, gdx, Scale, Mode);
    CHECK_PARITY(gy, y);
    CHECK_PARITY(gdx, dx);
}

}  // namespace

TEST_CASE("cuda pooling: max_pool2d and avg_pool2d match the CPU layers") {
    check_max_pool<2, 2, 0>({3, 4, 8, 8}, 71);
    check_max_pool<2, 2, 0>({1, 2, 7, 9}, 72);  // odd sizes: the last row and column are dropped
    check_max_pool<3, 2, 1>({3, 3, 9, 10}, 73);  // overlapping windows, padding
    check_max_pool<3, 1, 1>({1, 2, 5, 5}, 74);
    check_avg_pool<2, 2, 0>({3, 4, 8, 8}, 75);
    check_avg_pool<3, 2, 1>({3, 3, 9, 10}, 76);
    check_avg_pool<4, 3, 2>({1, 2, 11, 7}, 77);
}

TEST_CASE("cuda pooling: global_avg_pool matches the CPU layer") {
    rng gen(78);
    for (const shape4 s : {shape4{3, 5, 7, 9}, shape4{2, 3, 40, 40}}) {
        CAPTURE(s.str());
        const tensor<cpu> x = test::random_tensor(s, gen);
        global_avg_pool layer;
        const tensor<cpu>& y = layer.forward(x);
        const tensor<cpu> dy = test::random_tensor(y.shape(), gen);
        const tensor<cpu>& dx = layer.backward(dy);
        const auto gx = to_device(x), gdy = to_device(dy);
        tensor<cuda> gy, gdx;
        ops::global_avg_pool_forward(cuda{}, gx, gy);
        ops::global_avg_pool_backward(cuda{}, gdy, s, gdx);
        CHECK_PARITY(gy, y);
        CHECK_PARITY(gdx, dx);
    }
}

TEST_CASE("cuda upsample: nearest and bilinear match the CPU layer") {
    check_upsample<2, upsample_mode::nearest>({3, 4, 5, 7}, 81);
    check_upsample<3, upsample_mode::nearest>({1, 2, 4, 4}, 82);
    check_upsample<2, upsample_mode::bilinear>({3, 4, 5, 7}, 83);
    check_upsample<3, upsample_mode::bilinear>({1, 2, 6, 3}, 84);
    check_upsample<1, upsample_mode::bilinear>({1, 2, 3, 3}, 85);
}

TEST_CASE("cuda concat_channels and split_channels match the CPU") {
    rng gen(86);
    const tensor<cpu> a = test::random_tensor({3, 3, 5, 6}, gen), b = test::random_tensor({3, 1, 5, 6}, gen);
    tensor<cpu> out, da, db;
    concat_channels(a, b, out);
    split_channels(out, 3, da, db);
    const auto ga = to_device(a), gb = to_device(b);
    tensor<cuda> gout, gda, gdb;
    concat_channels(cuda{}, ga, gb, gout);
    split_channels(cuda{}, gout, 3, gda, gdb);
    CHECK_PARITY(gout, out);
    CHECK_PARITY(gda, a);
    CHECK_PARITY(gdb, b);
    CHECK_THROWS_AS(concat_channels(cuda{}, ga, to_device(tensor<cpu>({2, 1, 5, 6})), gout), shape_error);
    CHECK_THROWS_AS(split_channels(cuda{}, gout, 5, gda, gdb), shape_error);
}

TEST_CASE("cuda minibatch_stddev matches the CPU layer, and the layer moves to the GPU") {
    rng gen(87);
    for (const shape4 s : {shape4{5, 3, 4, 4}, shape4{64, 32, 4, 4}, shape4{1, 2, 3, 3}}) {
        CAPTURE(s.str());
        const tensor<cpu> x = test::random_tensor(s, gen);
        tensor<cpu> y, sigma, dx;
        ops::minibatch_stddev_forward(cpu{}, x, y, sigma);
        const tensor<cpu> dy = test::random_tensor(y.shape(), gen);
        ops::minibatch_stddev_backward(cpu{}, x, sigma, dy, dx);
        const auto gx = to_device(x), gdy = to_device(dy);
        tensor<cuda> gy, gsigma, gdx;
        ops::minibatch_stddev_forward(cuda{}, gx, gy, gsigma);
        ops::minibatch_stddev_backward(cuda{}, gx, gsigma, gdy, gdx);
        CHECK_PARITY(gy, y);
        CHECK_PARITY(gsigma, sigma);
        CHECK_PARITY(gdx, dx);
    }
    on_backend<minibatch_stddev<3>, cuda> layer;
    const auto gx = to_device(test::random_tensor({4, 3, 2, 2}, gen));
    CHECK(layer.forward(gx).shape() == shape4{4, 4, 2, 2});
    CHECK_THROWS_AS(layer.backward(to_device(tensor<cpu>({4, 3, 2, 2}))), shape_error);
}
