// cuDNN convolutions against the CPU backend: conv2d and conv_transpose2d,
// all four passes, on the paper's shapes and on odd ones; plus the cuDNN
// error path and the workspace's reuse.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "isinggan/backend/cpu/conv2d.hpp"
#include "isinggan/backend/cpu/conv_transpose2d.hpp"
#include "isinggan/backend/cuda/kernels.cuh"
#include "isinggan/backend/cuda/ops.hpp"
#include "backend/cuda/parity.hpp"
#include "support/error_message.hpp"

using namespace isinggan;
using test::device_span;

namespace {

struct conv_case {
    std::size_t n, c_in, h, w, c_out;
    conv2d_geometry g;
};

std::string describe(const conv_case& c) {
    return "n=" + std::to_string(c.n) + " c_in=" + std::to_string(c.c_in) + " " + std::to_string(c.h) + "x" +
           std::to_string(c.w) + " c_out=" + std::to_string(c.c_out) + " k=" + std::to_string(c.g.kernel_h) +
           " stride=" + std::to_string(c.g.stride_h) + " pad=" + std::to_string(c.g.pad_h) +
           " output_pad=" + std::to_string(c.g.output_pad_h);
}

/// The four passes of one layer on both backends. Transposed: x [n, c_in, h, w]
/// and weight [c_in, c_out, k, k]; plain: weight [c_out, c_in, k, k].
template <bool Transposed>
void check_conv_parity(const conv_case& c, std::uint64_t seed) {
    CAPTURE(describe(c));
    rng gen(seed);
    const shape4 xs{c.n, c.c_in, c.h, c.w};
    const shape4 ws = Transposed ? shape4{c.c_in, c.c_out, std::size_t(c.g.kernel_h), std::size_t(c.g.kernel_w)}
                                 : shape4{c.c_out, c.c_in, std::size_t(c.g.kernel_h), std::size_t(c.g.kernel_w)};
    const tensor<cpu> x = test::random_tensor(xs, gen), w = test::random_tensor(ws, gen);
    const tensor<cpu> bias = test::random_tensor({c.c_out, 1, 1, 1}, gen);
    const auto dx_ = to_device(x), dw_ = to_device(w), dbias_ = to_device(bias);
    cpu_workspace cpu_ws;
    cuda_workspace gpu_ws;

    // forward, with and without bias
    tensor<cpu> y, y_nobias;
    tensor<cuda> gy, gy_nobias;
    if constexpr (Transposed) {
        ops::conv_transpose2d_forward(cpu{}, x, w, bias.values(), y, c.g, cpu_ws);
        ops::conv_transpose2d_forward(cpu{}, x, w, {}, y_nobias, c.g, cpu_ws);
        ops::conv_transpose2d_forward(cuda{}, dx_, dw_, device_span(dbias_), gy, c.g, gpu_ws);
        ops::conv_transpose2d_forward(cuda{}, dx_, dw_, {}, gy_nobias, c.g, gpu_ws);
    } else {
        ops::conv2d_forward(cpu{}, x, w, bias.values(), y, c.g, cpu_ws);
        ops::conv2d_forward(cpu{}, x, w, {}, y_nobias, c.g, cpu_ws);
        ops::conv2d_forward(cuda{}, dx_, dw_, device_span(dbias_), gy, c.g, gpu_ws);
        ops::conv2d_forward(cuda{}, dx_, dw_, {}, gy_nobias, c.g, gpu_ws);
    }
    CHECK_PARITY(gy, y);
    CHECK_PARITY(gy_nobias, y_nobias);

    // backward-data
    const tensor<cpu> dy = test::random_tensor(y.shape(), gen);
    const auto ddy = to_device(dy);
    tensor<cpu> dx;
    tensor<cuda> gdx;
    if constexpr (Transposed) {
        ops::conv_transpose2d_backward_data(cpu{}, dy, w, xs, dx, c.g, cpu_ws);
        ops::conv_transpose2d_backward_data(cuda{}, ddy, dw_, xs, gdx, c.g, gpu_ws);
    } else {
        ops::conv2d_backward_data(cpu{}, dy, w, xs, dx, c.g, cpu_ws);
        ops::conv2d_backward_data(cuda{}, ddy, dw_, xs, gdx, c.g, gpu_ws);
    }
    CHECK_PARITY(gdx, dx);

    // backward-weights, overwriting and accumulating onto a nonzero gradient
    for (bool accumulate : {false, true}) {
        CAPTURE(accumulate);
        tensor<cpu> dw = test::random_tensor(ws, gen);
        auto gdw = to_device(dw);
        if constexpr (Transposed) {
            ops::conv_transpose2d_backward_weights(cpu{}, x, dy, dw, c.g, cpu_ws, accumulate);
            ops::conv_transpose2d_backward_weights(cuda{}, dx_, ddy, gdw, c.g, gpu_ws, accumulate);
        } else {
            ops::conv2d_backward_weights(cpu{}, x, dy, dw, c.g, cpu_ws, accumulate);
            ops::conv2d_backward_weights(cuda{}, dx_, ddy, gdw, c.g, gpu_ws, accumulate);
        }
        CHECK_PARITY(gdw, dw);

        tensor<cpu> db = test::random_tensor({c.c_out, 1, 1, 1}, gen);
        auto gdb = to_device(db);
        if constexpr (Transposed) {
            ops::conv_transpose2d_backward_bias(cpu{}, dy, db.values(), accumulate);
            ops::conv_transpose2d_backward_bias(cuda{}, ddy, device_span(gdb), accumulate);
        } else {
            ops::conv2d_backward_bias(cpu{}, dy, db.values(), accumulate);
            ops::conv2d_backward_bias(cuda{}, ddy, device_span(gdb), accumulate);
        }
        CHECK_PARITY(gdb, db);
    }
}

}  // namespace

TEST_CASE("cuda conv2d: all passes match the CPU backend") {
    const std::vector<conv_case> cases{
        {3, 3, 16, 16, 8, conv2d_geometry::square(5, 2, 2)},  // the paper's discriminator layer
        {1, 8, 32, 32, 16, conv2d_geometry::square(5, 2, 2)},
        {3, 4, 9, 7, 6, conv2d_geometry::square(5, 2, 2)},  // odd sizes: the stride floors
        {1, 5, 13, 11, 7, conv2d_geometry::square(3, 1, 1)},
        {3, 6, 8, 8, 5, conv2d_geometry::square(1)},
        {1, 2, 8, 8, 3, conv2d_geometry::square(4, 2, 1)},
        {3, 3, 10, 6, 4, conv2d_geometry{3, 5, 1, 2, 0, 2, 0, 0}},  // rectangular kernel, unequal strides
    };
    std::uint64_t seed = 100;
    for (const auto& c : cases) check_conv_parity<false>(c, seed++);
}

TEST_CASE("cuda conv_transpose2d: all passes match the CPU backend") {
    const std::vector<conv_case> cases{
        {3, 8, 8, 8, 4, conv2d_geometry::square(4, 2, 1)},  // the paper's generator layer
        {1, 16, 4, 4, 8, conv2d_geometry::square(4, 2, 1)},
        {1, 5, 7, 5, 3, conv2d_geometry::square(3, 2, 1, 1)},  // odd input, output padding
        {3, 4, 5, 9, 6, conv2d_geometry::square(5, 2, 2, 1)},
        {3, 6, 6, 6, 2, conv2d_geometry::square(3, 1, 1)},
    };
    std::uint64_t seed = 200;
    for (const auto& c : cases) check_conv_parity<true>(c, seed++);
}

TEST_CASE("cuda conv2d: shape errors carry the CPU backend's messages") {
    const tensor<cpu> x({2, 3, 8, 8}), w({4, 5, 3, 3});  // the weight expects 5 input channels
    const auto gx = to_device(x), gw = to_device(w);
    const auto g = conv2d_geometry::square(3, 1, 1);
    const std::string cpu_message = testing::error_message<shape_error>([&] {
        tensor<cpu> y;
        cpu_workspace ws;
        ops::conv2d_forward(cpu{}, x, w, {}, y, g, ws);
    });
    const std::string gpu_message = testing::error_message<shape_error>([&] {
        tensor<cuda> y;
        cuda_workspace ws;
        ops::conv2d_forward(cuda{}, gx, gw, {}, y, g, ws);
    });
    CHECK_FALSE(cpu_message.empty());
    CHECK(gpu_message == cpu_message);
}

TEST_CASE("cuda: a cuDNN error becomes device_error naming the call") {
    cudnn_tensor_descriptor desc;
    CHECK_THROWS_WITH_AS(ISINGGAN_CUDA_CHECK(cudnnSetTensor4dDescriptor(desc.get(), CUDNN_TENSOR_NCHW,
                                                                        CUDNN_DATA_FLOAT, -1, 1, 1, 1)),
                         doctest::Contains("cudnnSetTensor4dDescriptor"), device_error);
    CHECK_THROWS_WITH_AS(cudnn_tensor_descriptor(1, -2, 3, 3), doctest::Contains("cuDNN"), device_error);
    // The status check alone, with a status that is not success.
    CHECK_THROWS_WITH_AS(cuda_detail::check(CUDNN_STATUS_BAD_PARAM, "fake_call()", "file.cu", 7),
                         doctest::Contains("fake_call()` failed at file.cu:7"), device_error);
    CHECK_NOTHROW(cuda_detail::check(CUDNN_STATUS_SUCCESS, "fine()", "file.cu", 8));
}

TEST_CASE("cuda conv: the workspace does not reallocate on a repeated step") {
    rng gen(7);
    const auto g = conv2d_geometry::square(5, 2, 2);
    const auto gx = to_device(test::random_tensor({4, 16, 32, 32}, gen));
    const auto gw = to_device(test::random_tensor({32, 16, 5, 5}, gen));
    tensor<cuda> gy, gdx, gdw(gw.shape());
    cuda_workspace ws;
    auto step = [&] {
        ops::conv2d_forward(cuda{}, gx, gw, {}, gy, g, ws);
        ops::conv2d_backward_data(cuda{}, gy, gw, gx.shape(), gdx, g, ws);
        ops::conv2d_backward_weights(cuda{}, gx, gy, gdw, g, ws, false);
    };
    step();
    const std::size_t allocations = ws.allocations(), bytes = ws.bytes();
    step();
    step();
    CHECK(ws.allocations() == allocations);
    CHECK(ws.bytes() == bytes);
    // The counter does count: a larger request than the capacity allocates once more.
    ws.get(bytes + 1);
    CHECK(ws.allocations() == allocations + 1);
    ISINGGAN_CUDA_CHECK(cudaDeviceSynchronize());
}
