#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "isinggan/backend/cpu/conv2d.hpp"
#include "isinggan/backend/cpu/conv_transpose2d.hpp"
#include "isinggan/backend/cpu/elementwise.hpp"
#include "support/error_message.hpp"
#include "support/finite_difference.hpp"
#include "support/random_tensor.hpp"
#include "support/reference_conv.hpp"

using namespace isinggan;
using isinggan::testing::random_tensor;

namespace {

struct conv_case {
    std::size_t n, c_in, h, w, c_out;
    conv2d_geometry g;
};

// Odd sizes, stride 1 and 2, padding 0/1/2, batch 1 and 3, non-square
// kernels and strides, and maps small enough (4x4) that several samples share
// one GEMM, mid-sized (20x20) so that chunks split the batch unevenly, and
// large (40x40) so that each sample is its own chunk.
const conv_case conv_cases[] = {
    {1, 1, 5, 5, 1, conv2d_geometry::square(3, 1, 0)},
    {3, 4, 9, 7, 5, conv2d_geometry::square(3, 1, 1)},
    {3, 3, 11, 13, 6, conv2d_geometry::square(5, 2, 2)},
    {1, 2, 8, 8, 3, conv2d_geometry::square(4, 2, 1)},
    {3, 5, 4, 4, 7, conv2d_geometry::square(3, 2, 2)},
    {2, 3, 7, 9, 4, {1, 7, 1, 1, 0, 3}},
    {3, 2, 10, 6, 2, {2, 3, 2, 1, 1, 0}},
    {3, 2, 40, 40, 3, conv2d_geometry::square(3, 1, 1)},
    {3, 2, 20, 20, 3, conv2d_geometry::square(3, 1, 0)},  // 18x18 outputs: chunks of 2 samples, then 1
    {2, 6, 6, 6, 4, conv2d_geometry::square(1, 1, 0)},
    // Stride 1 on maps small next to the kernel: the tap-by-tap path
    // (the discriminator's 5x5 on 4x4, a 3x3 on 2x2, a non-square kernel
    // with uneven padding on a non-square map, and a batch split in chunks).
    {3, 4, 4, 4, 5, conv2d_geometry::square(5, 1, 2)},
    {2, 3, 2, 2, 4, conv2d_geometry::square(3, 1, 1)},
    {3, 2, 3, 5, 3, {3, 5, 1, 1, 2, 1}},
    {5, 16, 4, 4, 40, conv2d_geometry::square(5, 1, 2)},
    // Maps large enough that a sample's column matrix goes in blocks of output
    // rows (the last block shorter), stride 1 and 2.
    {2, 64, 96, 96, 3, conv2d_geometry::square(3, 1, 1)},
    {1, 64, 130, 130, 2, conv2d_geometry::square(5, 2, 2)},
};

std::vector<float> random_bias(std::size_t n, rng& gen) {
    std::vector<float> b(n);
    for (auto& v : b) v = float(gen.uniform(-1, 1));
    return b;
}

double loss(const tensor<cpu>& y, const tensor<cpu>& r) { return ops::dot(cpu{}, y, r); }

/// Checks analytic gradients dx, dw, db of L = <forward(x, w, b), r> at random
/// entries. L is linear in each argument, so a unit step gives the exact
/// slope and the only error is float rounding in the forward pass.
template <class Forward>
void check_slopes(tensor<cpu>& x, tensor<cpu>& w, std::vector<float>& b, const tensor<cpu>& r, const tensor<cpu>& dx,
                  const tensor<cpu>& dw, const std::vector<float>& db, Forward&& forward, rng& gen) {
    tensor<cpu> y;
    auto slope = [&](float& v) {
        return testing::central_difference(v, 1.0, [&] {
            forward(x, w, b, y);
            return loss(y, r);
        });
    };
    for (int probe = 0; probe < 6; ++probe) {
        const std::size_t i = gen.below(x.size()), j = gen.below(w.size()), k = gen.below(b.size());
        CHECK(slope(x.data()[i]) == doctest::Approx(dx.data()[i]).epsilon(1e-3).scale(1.0));
        CHECK(slope(w.data()[j]) == doctest::Approx(dw.data()[j]).epsilon(1e-3).scale(1.0));
        CHECK(slope(b[k]) == doctest::Approx(db[k]).epsilon(1e-3).scale(1.0));
    }
}

}  // namespace

TEST_CASE("conv2d: forward matches the naive loop") {
    rng gen(21);
    cpu_workspace ws;
    for (const auto& t : conv_cases) {
        CAPTURE(t.h);
        CAPTURE(t.g.kernel_h);
        const auto x = random_tensor({t.n, t.c_in, t.h, t.w}, gen);
        const auto w = random_tensor({t.c_out, t.c_in, std::size_t(t.g.kernel_h), std::size_t(t.g.kernel_w)}, gen);
        const auto b = random_bias(t.c_out, gen);
        tensor<cpu> y;
        ops::conv2d_forward(cpu{}, x, w, b, y, t.g, ws);
        int ho, wo;
        const auto ref = testing::reference_conv2d(x, w, b, t.g, ho, wo);
        REQUIRE(y.shape() == shape4{t.n, t.c_out, std::size_t(ho), std::size_t(wo)});
        CHECK(testing::max_relative_error(y.values(), ref) < 1e-4);
    }
}

TEST_CASE("conv2d: gradients pass a finite-difference check") {
    rng gen(22);
    cpu_workspace ws;
    for (const auto& t : conv_cases) {
        CAPTURE(t.h);
        CAPTURE(t.g.kernel_h);
        auto x = random_tensor({t.n, t.c_in, t.h, t.w}, gen);
        auto w = random_tensor({t.c_out, t.c_in, std::size_t(t.g.kernel_h), std::size_t(t.g.kernel_w)}, gen);
        auto b = random_bias(t.c_out, gen);
        tensor<cpu> y, dx;
        ops::conv2d_forward(cpu{}, x, w, b, y, t.g, ws);
        const auto r = random_tensor(y.shape(), gen);  // L = <y, r>, so dL/dy = r
        ops::conv2d_backward_data(cpu{}, r, w, x.shape(), dx, t.g, ws);
        tensor<cpu> dw(w.shape(), 5.0f);  // overwritten (accumulate = false)
        ops::conv2d_backward_weights(cpu{}, x, r, dw, t.g, ws, false);
        std::vector<float> db(t.c_out, 0.0f);
        ops::conv2d_backward_bias(cpu{}, r, db, true);

        check_slopes(x, w, b, r, dx, dw, db,
                     [&](auto& xx, auto& ww, auto& bb, auto& yy) { ops::conv2d_forward(cpu{}, xx, ww, bb, yy, t.g, ws); },
                     gen);
        // Accumulation adds to what is there.
        tensor<cpu> dw2 = dw;
        ops::conv2d_backward_weights(cpu{}, x, r, dw2, t.g, ws, true);
        CHECK(dw2.data()[0] == doctest::Approx(2.0 * dw.data()[0]).epsilon(1e-5));
    }
}

TEST_CASE("conv_transpose2d: forward matches the naive loop and PyTorch's output size rule") {
    rng gen(23);
    cpu_workspace ws;
    const conv_case cases[] = {
        {1, 1, 3, 3, 1, conv2d_geometry::square(3, 1, 0)},
        {3, 4, 4, 4, 3, conv2d_geometry::square(4, 2, 1)},
        {2, 3, 5, 7, 2, conv2d_geometry::square(5, 2, 2, 1)},
        {3, 2, 6, 5, 5, conv2d_geometry::square(3, 2, 0)},
        {1, 5, 8, 8, 2, conv2d_geometry::square(4, 2, 1)},
        {3, 2, 5, 4, 3, {3, 2, 2, 1, 1, 0, 1, 0}},
        {2, 4, 20, 20, 3, conv2d_geometry::square(3, 1, 2)},
        // The generator's same-size stage (k3 s1 p1 on 4x4): tap by tap.
        {3, 6, 4, 4, 5, conv2d_geometry::square(3, 1, 1)},
        {4, 32, 4, 4, 24, conv2d_geometry::square(3, 1, 1)},
        // The U-Net's 2x2 up-convolution on a map large enough for row blocks.
        {1, 8, 130, 130, 64, conv2d_geometry::square(2, 2, 0)},
    };
    for (const auto& t : cases) {
        CAPTURE(t.h);
        const auto x = random_tensor({t.n, t.c_in, t.h, t.w}, gen);
        const auto w = random_tensor({t.c_in, t.c_out, std::size_t(t.g.kernel_h), std::size_t(t.g.kernel_w)}, gen);
        const auto b = random_bias(t.c_out, gen);
        tensor<cpu> y;
        ops::conv_transpose2d_forward(cpu{}, x, w, b, y, t.g, ws);
        int ho, wo;
        const auto ref = testing::reference_conv_transpose2d(x, w, b, t.g, ho, wo);
        REQUIRE(y.shape() == shape4{t.n, t.c_out, std::size_t(ho), std::size_t(wo)});
        CHECK(y.shape() == conv_transpose2d_output_shape(x.shape(), w.shape(), t.g));
        CHECK(testing::max_relative_error(y.values(), ref) < 1e-4);

        // Gradients by finite differences of L = <y, r>.
        const auto r = random_tensor(y.shape(), gen);
        tensor<cpu> dx, dw(w.shape());
        std::vector<float> db(t.c_out);
        ops::conv_transpose2d_backward_data(cpu{}, r, w, x.shape(), dx, t.g, ws);
        ops::conv_transpose2d_backward_weights(cpu{}, x, r, dw, t.g, ws, false);
        ops::conv_transpose2d_backward_bias(cpu{}, r, db, false);
        auto xs = x;
        auto ws_ = w;
        auto bs = b;
        check_slopes(xs, ws_, bs, r, dx, dw, db,
                     [&](auto& xx, auto& ww, auto& bb, auto& yy) {
                         ops::conv_transpose2d_forward(cpu{}, xx, ww, bb, yy, t.g, ws);
                     },
                     gen);
    }
}

TEST_CASE("conv2d and conv_transpose2d are adjoint: <conv(x), y> = <x, conv_transpose(y)>") {
    rng gen(24);
    cpu_workspace ws;
    const auto g = conv2d_geometry::square(5, 2, 2);
    const auto x = random_tensor({3, 4, 13, 13}, gen);
    const auto w = random_tensor({6, 4, 5, 5}, gen);
    tensor<cpu> cx, ty;
    ops::conv2d_forward(cpu{}, x, w, {}, cx, g, ws);
    const auto y = random_tensor(cx.shape(), gen);
    ops::conv_transpose2d_forward(cpu{}, y, w, {}, ty, g, ws);
    REQUIRE(ty.shape() == x.shape());
    CHECK(ops::dot(cpu{}, cx, y) == doctest::Approx(ops::dot(cpu{}, x, ty)).epsilon(1e-5));
}

TEST_CASE("conv2d: the direct kernels (output channels in whole vectors) match the naive loops") {
    // Output channels 16, 32, 48, 64 and 128 (one, two and four vectors per
    // tile); input channels whole vectors or not; strides 1, 2 and 3; a
    // non-square kernel and stride; windows that never read the last input
    // row and column; batch 1 (the threads split one sample) and batches cut
    // in several chunks.
    const conv_case cases[] = {
        {4, 16, 9, 7, 16, conv2d_geometry::square(3, 1, 1)},
        {1, 32, 12, 10, 32, conv2d_geometry::square(5, 2, 2)},
        {3, 64, 17, 15, 64, conv2d_geometry::square(4, 2, 1)},
        {2, 20, 11, 13, 48, {3, 5, 1, 2, 1, 2}},
        {5, 48, 6, 6, 128, conv2d_geometry::square(3, 2, 0)},
        {2, 16, 20, 20, 32, conv2d_geometry::square(5, 3, 2)},
        {24, 4, 16, 16, 64, conv2d_geometry::square(5, 2, 2)},
        // Padding-heavy small maps (samples innermost), and a map large
        // enough to go in blocks of positions.
        {13, 32, 4, 4, 64, conv2d_geometry::square(5, 1, 2)},
        {7, 16, 2, 3, 16, conv2d_geometry::square(3, 1, 1)},
        {2, 16, 48, 40, 32, conv2d_geometry::square(3, 1, 1)},
    };
    rng gen(23);
    cpu_workspace ws;
    for (const auto& t : cases) {
        CAPTURE(t.c_in);
        CAPTURE(t.c_out);
        const auto x = random_tensor({t.n, t.c_in, t.h, t.w}, gen);
        const auto w = random_tensor({t.c_out, t.c_in, std::size_t(t.g.kernel_h), std::size_t(t.g.kernel_w)}, gen);
        const auto p = cpu_detail::make_conv_problem(x.shape(), w.shape(), t.g, "test");
        REQUIRE(cpu_detail::use_direct(p) == cpu_detail::direct_conv_built);
        CHECK(cpu_detail::use_direct_data(p) == (cpu_detail::direct_conv_built && t.c_in % 16 == 0));
        tensor<cpu> y, dx({1, 1, 1, 1}, 7.0f);
        ops::conv2d_forward(cpu{}, x, w, {}, y, t.g, ws);
        int ho, wo;
        CHECK(testing::max_relative_error(y.values(), testing::reference_conv2d(x, w, {}, t.g, ho, wo)) < 1e-4);

        const auto dy = random_tensor(y.shape(), gen);
        std::vector<double> ref_dx, ref_dw;
        testing::reference_conv2d_gradients(x, w, dy, t.g, ref_dx, ref_dw);
        ops::conv2d_backward_data(cpu{}, dy, w, x.shape(), dx, t.g, ws);
        CHECK(testing::max_relative_error(dx.values(), ref_dx) < 1e-4);
        tensor<cpu> dw(w.shape(), 5.0f);
        ops::conv2d_backward_weights(cpu{}, x, dy, dw, t.g, ws, false);  // overwrites the 5s
        CHECK(testing::max_relative_error(dw.values(), ref_dw) < 1e-4);
        ops::conv2d_backward_weights(cpu{}, x, dy, dw, t.g, ws, true);  // adds a second time
        for (auto& v : ref_dw) v *= 2.0;
        CHECK(testing::max_relative_error(dw.values(), ref_dw) < 1e-4);

        // A sample's output and input gradient do not depend on the batch it
        // is in: to the bit on the direct path (docs/determinism.md), to
        // rounding where the build takes im2col + GEMM instead.
        const std::size_t last = t.n - 1;
        tensor<cpu> x1({1, t.c_in, t.h, t.w}), dy1({1, t.c_out, y.h(), y.w()}), y1, dx1;
        std::copy_n(x.sample(last), x1.size(), x1.data());
        std::copy_n(dy.sample(last), dy1.size(), dy1.data());
        ops::conv2d_forward(cpu{}, x1, w, {}, y1, t.g, ws);
        ops::conv2d_backward_data(cpu{}, dy1, w, x1.shape(), dx1, t.g, ws);
        const std::vector<float> y_in_batch(y.sample(last), y.sample(last) + y1.size()),
            dx_in_batch(dx.sample(last), dx.sample(last) + dx1.size());
        if (cpu_detail::direct_conv_built) {
            CHECK(std::equal(y1.begin(), y1.end(), y_in_batch.begin()));
            CHECK((cpu_detail::use_direct_data(p) ? std::equal(dx1.begin(), dx1.end(), dx_in_batch.begin())
                                                  : testing::max_relative_error(dx1.values(), dx_in_batch) < 1e-5));
        } else {
            CHECK(testing::max_relative_error(y1.values(), y_in_batch) < 1e-5);
            CHECK(testing::max_relative_error(dx1.values(), dx_in_batch) < 1e-5);
        }
    }
}

TEST_CASE("conv2d: the direct kernels are built for every instruction set with vector FMA") {
    // The instruction set is the compiler's target (-march): each ISA-matrix
    // binary checks its own.
    std::string expected = "scalar";
#if defined(__AVX512F__)
    expected = "avx512";
#elif defined(__AVX2__) && defined(__FMA__)
    expected = "avx2";
#elif defined(__ARM_NEON) && defined(__aarch64__)
    expected = "neon";
#elif defined(__SSE2__)
    expected = "sse2";
#endif
    MESSAGE("instruction set of this build: ", expected);
    CHECK(std::string(cpu_detail::simd::isa) == expected);
    CHECK(cpu_detail::direct_conv_built == (expected == "avx512" || expected == "avx2" || expected == "neon"));
    const auto p = cpu_detail::make_conv_problem({8, 32, 16, 16}, {64, 32, 5, 5}, conv2d_geometry::square(5, 2, 2), "test");
    CHECK(cpu_detail::use_direct(p) == cpu_detail::direct_conv_built);
    CHECK(cpu_detail::use_direct_data(p) == cpu_detail::direct_conv_built);
    const auto odd = cpu_detail::make_conv_problem({8, 3, 16, 16}, {8, 3, 5, 5}, conv2d_geometry::square(5, 2, 2), "test");
    CHECK_FALSE(cpu_detail::use_direct(odd));  // 8 output channels: not whole vectors of 16
    CHECK_FALSE(cpu_detail::use_direct_data(odd));
}

TEST_CASE("conv2d: padding-heavy stride-1 problems go tap by tap, the others by im2col") {
    const auto problem = [](int h, int w, const conv2d_geometry& g) {
        return cpu_detail::make_conv_problem({8, 16, std::size_t(h), std::size_t(w)}, {32, 16, std::size_t(g.kernel_h), std::size_t(g.kernel_w)},
                                             g, "test");
    };
    // 5x5, padding 2, on 4x4: per axis 3 + 4 + 4 + 3 of 4 * 5 taps land inside.
    CHECK(cpu_detail::tap_work_fraction(problem(4, 4, conv2d_geometry::square(5, 1, 2))) ==
          doctest::Approx(14.0 * 14.0 / 400.0));
    CHECK(cpu_detail::use_taps(problem(4, 4, conv2d_geometry::square(5, 1, 2))));
    CHECK(cpu_detail::use_taps(problem(4, 4, conv2d_geometry::square(3, 1, 1))));
    CHECK_FALSE(cpu_detail::use_taps(problem(32, 32, conv2d_geometry::square(3, 1, 1))));
    CHECK_FALSE(cpu_detail::use_taps(problem(4, 4, conv2d_geometry::square(5, 2, 2))));  // strided
    CHECK_FALSE(cpu_detail::use_taps(problem(5, 5, conv2d_geometry::square(3, 1, 0))));  // no padding
}

TEST_CASE("conv2d: large maps go in blocks of output rows, small ones whole") {
    const auto problem = [](int c, int side, int k) {
        const auto g = conv2d_geometry::square(k, 1, k / 2);
        return cpu_detail::make_conv_problem({1, std::size_t(c), std::size_t(side), std::size_t(side)},
                                             {8, std::size_t(c), std::size_t(k), std::size_t(k)}, g, "test");
    };
    const auto unet_top = problem(64, 256, 3);  // 576 x 65,536 columns
    const int rows = cpu_detail::rows_per_block(unet_top);
    CHECK(rows > 1);
    CHECK(rows < 256);
    CHECK(unet_top.k() * rows * unet_top.wo <= (1L << 20));
    CHECK(cpu_detail::rows_per_block(problem(16, 32, 3)) == 32);
}

TEST_CASE("conv kernels: bad input throws a clear exception") {
    cpu_workspace ws;
    tensor<cpu> x({2, 3, 8, 8}), w({4, 3, 3, 3}), y;
    const auto g = conv2d_geometry::square(3, 1, 1);
    CHECK_THROWS_AS(ops::conv2d_forward(cpu{}, x, tensor<cpu>({4, 2, 3, 3}), {}, y, g, ws), shape_error);
    CHECK_THROWS_AS(ops::conv2d_forward(cpu{}, x, w, {}, y, conv2d_geometry::square(5, 1, 1), ws), shape_error);
    CHECK_THROWS_AS(ops::conv2d_forward(cpu{}, tensor<cpu>({0, 3, 8, 8}), w, {}, y, g, ws), shape_error);
    CHECK_THROWS_AS(ops::conv2d_forward(cpu{}, tensor<cpu>({2, 3, 0, 8}), w, {}, y, g, ws), shape_error);
    CHECK_THROWS_AS(ops::conv2d_forward(cpu{}, x, w, {}, y, conv2d_geometry::square(3, 0, 1), ws), argument_error);
    CHECK_THROWS_AS(ops::conv2d_forward(cpu{}, x, w, {}, y, conv2d_geometry::square(3, 1, -1), ws), argument_error);
    CHECK_THROWS_AS(ops::conv2d_forward(cpu{}, tensor<cpu>({1, 3, 1, 1}), w, {}, y, conv2d_geometry::square(3), ws),
                    shape_error);
    const std::vector<float> bad_bias(3);
    CHECK_THROWS_AS(ops::conv2d_forward(cpu{}, x, w, bad_bias, y, g, ws), shape_error);
    tensor<cpu> dx, dw(w.shape());
    CHECK_THROWS_AS(ops::conv2d_backward_data(cpu{}, tensor<cpu>({2, 4, 7, 8}), w, x.shape(), dx, g, ws), shape_error);
    CHECK_THROWS_AS(ops::conv2d_backward_weights(cpu{}, x, tensor<cpu>({2, 4, 8, 7}), dw, g, ws), shape_error);
    std::vector<float> db(5);
    CHECK_THROWS_AS(ops::conv2d_backward_bias(cpu{}, tensor<cpu>({2, 4, 8, 8}), db), shape_error);
    // Transposed: output padding must be below the stride; channels must match dim 0 of the weight.
    tensor<cpu> tw({3, 5, 4, 4});
    CHECK_THROWS_AS(ops::conv_transpose2d_forward(cpu{}, x, tw, {}, y, conv2d_geometry::square(4, 2, 1, 2), ws),
                    argument_error);
    CHECK_THROWS_AS(ops::conv_transpose2d_forward(cpu{}, x, tensor<cpu>({4, 5, 4, 4}), {}, y,
                                                  conv2d_geometry::square(4, 2, 1), ws),
                    shape_error);
    CHECK_THROWS_AS(ops::conv_transpose2d_forward(cpu{}, tensor<cpu>({1, 3, 1, 1}), tensor<cpu>({3, 5, 1, 1}), {}, y,
                                                  conv2d_geometry::square(1, 1, 1), ws),
                    shape_error);
    const std::string msg =
        testing::error_message<shape_error>([&] { ops::conv2d_forward(cpu{}, x, tensor<cpu>({4, 2, 3, 3}), {}, y, g, ws); });
    CHECK(testing::mentions(msg, "[2, 3, 8, 8]"));
    CHECK(testing::mentions(msg, "[4, 2, 3, 3]"));
}

TEST_CASE("conv kernels: no allocation once the workspace and outputs are sized") {
    rng gen(25);
    cpu_workspace ws;
    const auto g = conv2d_geometry::square(4, 2, 1);
    const auto x = random_tensor({8, 16, 4, 4}, gen);
    const auto w = random_tensor({16, 8, 4, 4}, gen);
    tensor<cpu> y, dx, dw(w.shape());
    auto step = [&] {
        ops::conv_transpose2d_forward(cpu{}, x, w, {}, y, g, ws);
        ops::conv_transpose2d_backward_data(cpu{}, y, w, x.shape(), dx, g, ws);
        ops::conv_transpose2d_backward_weights(cpu{}, x, y, dw, g, ws);
    };
    step();
    const auto before = aligned_buffer<float>::allocation_count();
    for (int i = 0; i < 3; ++i) step();
    CHECK(aligned_buffer<float>::allocation_count() == before);
}
