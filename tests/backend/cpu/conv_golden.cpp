// Convolution kernels against PyTorch: fixtures written by
// tests/reference/make_conv_fixtures.py (F.conv2d / F.conv_transpose2d in
// float64 on float32 inputs, with autograd for the gradients).
#include <doctest/doctest.h>

#include "isinggan/backend/cpu/conv2d.hpp"
#include "isinggan/backend/cpu/conv_transpose2d.hpp"
#include "support/fixture.hpp"
#include "support/random_tensor.hpp"

using namespace isinggan;

namespace {

conv2d_geometry geometry_of(const testing::fixture& f) {
    const float* g = f["geometry"].data();
    return {int(g[0]), int(g[1]), int(g[2]), int(g[3]), int(g[4]), int(g[5]), int(g[6]), int(g[7])};
}

void check_case(const char* name, bool transposed) {
    CAPTURE(name);
    const testing::fixture f(std::string("conv/") + name + ".bin");
    const auto g = geometry_of(f);
    const auto &x = f["x"], &w = f["w"], &b = f["b"], &dy = f["dy"];
    cpu_workspace ws;
    tensor<cpu> y, dx, dw(w.shape());
    std::vector<float> db(b.size());
    if (transposed) {
        ops::conv_transpose2d_forward(cpu{}, x, w, b.values(), y, g, ws);
        ops::conv_transpose2d_backward_data(cpu{}, dy, w, x.shape(), dx, g, ws);
        ops::conv_transpose2d_backward_weights(cpu{}, x, dy, dw, g, ws, false);
        ops::conv_transpose2d_backward_bias(cpu{}, dy, db, false);
    } else {
        ops::conv2d_forward(cpu{}, x, w, b.values(), y, g, ws);
        ops::conv2d_backward_data(cpu{}, dy, w, x.shape(), dx, g, ws);
        ops::conv2d_backward_weights(cpu{}, x, dy, dw, g, ws, false);
        ops::conv2d_backward_bias(cpu{}, dy, db, false);
    }
    REQUIRE(y.shape() == f["y"].shape());
    CHECK(testing::max_relative_error(y.values(), f["y"].values()) < 1e-4);
    REQUIRE(dx.shape() == f["dx"].shape());
    CHECK(testing::max_relative_error(dx.values(), f["dx"].values()) < 1e-4);
    CHECK(testing::max_relative_error(dw.values(), f["dw"].values()) < 1e-4);
    CHECK(testing::max_relative_error(db, f["db"].values()) < 1e-4);
}

}  // namespace

TEST_CASE("conv2d matches PyTorch forward and backward") {
    for (const char* name : {"conv_k3_s1_p1", "conv_k5_s2_p2", "conv_k4_s2_p0_batch1", "conv_k1x7_p0x3"})
        check_case(name, false);
}

TEST_CASE("conv_transpose2d matches PyTorch forward and backward") {
    for (const char* name : {"tconv_k4_s2_p1", "tconv_k5_s2_p2_op1", "tconv_k3_s1_p0_batch1"}) check_case(name, true);
}
