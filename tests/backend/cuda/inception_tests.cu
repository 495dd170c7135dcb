// Inception-v3 for FID on the GPU against the CPU network: its 3x3 pools and
// channel copies, and the 2048-d features of random images under random weights.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "isinggan/models/inception_v3.hpp"
#include "backend/cuda/parity.hpp"

using namespace isinggan;

namespace {

/// Weights drawn from a seed made of the tensor's name, so that the CPU and the
/// GPU network get the same values: convolutions scaled by their fan-in (so
/// activations neither vanish nor explode), batch-norm scales and variances
/// around 1, shifts and means near 0.
std::vector<float> random_weight(const std::string& name, const std::vector<std::size_t>& shape) {
    std::uint64_t seed = 0xCBF29CE484222325ULL;
    for (unsigned char c : name) seed = (seed ^ c) * 0x100000001B3ULL;
    rng gen(seed);
    std::size_t count = 1;
    for (auto d : shape) count *= d;
    std::vector<float> v(count);
    const double bound = std::sqrt(6.0 / double(count / shape[0]));
    for (auto& x : v) {
        if (name.ends_with("conv.weight"))
            x = float(gen.uniform(-bound, bound));
        else if (name.ends_with("bn.weight") || name.ends_with("bn.running_var"))
            x = float(gen.uniform(0.5, 1.5));
        else
            x = float(gen.uniform(-0.2, 0.2));  // bn.bias, bn.running_mean
    }
    return v;
}

void check_pool(shape4 s, inception::pool_kind kind, int stride, int pad, std::uint64_t seed) {
    CAPTURE(s.str());
    CAPTURE(kind == inception::pool_kind::max);
    CAPTURE(stride);
    CAPTURE(pad);
    rng gen(seed);
    const tensor<cpu> x = test::random_tensor(s, gen);
    tensor<cpu> y;
    inception::pool3x3(x, y, kind, stride, pad);
    const tensor<cuda> gx = to_device(x);
    tensor<cuda> gy;
    inception::pool3x3(gx, gy, kind, stride, pad);
    // The same arithmetic in the same order: the same bits.
    const tensor<cpu> back = to_host(gy);
    REQUIRE(back.shape() == y.shape());
    for (std::size_t i = 0; i < y.size(); ++i) REQUIRE(back.data()[i] == y.data()[i]);
}

}  // namespace

TEST_CASE("cuda inception: 3x3 max and average pools (padding excluded) match the CPU") {
    using inception::pool_kind;
    check_pool({2, 3, 7, 9}, pool_kind::max, 2, 0, 301);
    check_pool({1, 5, 8, 11}, pool_kind::max, 2, 0, 302);
    check_pool({2, 3, 5, 6}, pool_kind::max, 1, 1, 303);
    check_pool({2, 3, 7, 9}, pool_kind::average_excluding_padding, 1, 1, 304);
    check_pool({3, 2, 3, 3}, pool_kind::average_excluding_padding, 1, 1, 305);
    check_pool({1, 4, 9, 6}, pool_kind::average_excluding_padding, 2, 1, 306);
}

TEST_CASE("cuda inception: channel copies and slices match the CPU") {
    rng gen(307);
    const tensor<cpu> src = test::random_tensor({3, 7, 5, 3}, gen);
    tensor<cpu> dst = test::random_tensor({3, 9, 5, 3}, gen), slice;
    tensor<cuda> gdst = to_device(dst), gslice;
    const tensor<cuda> gsrc = to_device(src);
    inception::copy_channels(src, 2, 4, dst, 5);
    inception::copy_channels(gsrc, 2, 4, gdst, 5);
    inception::copy_channels(src, 6, 1, dst, 0);
    inception::copy_channels(gsrc, 6, 1, gdst, 0);
    inception::slice_channels(src, 1, 3, slice);
    inception::slice_channels(gsrc, 1, 3, gslice);
    const tensor<cpu> back = to_host(gdst), back_slice = to_host(gslice);
    REQUIRE(back.shape() == dst.shape());
    REQUIRE(back_slice.shape() == slice.shape());
    for (std::size_t i = 0; i < dst.size(); ++i) REQUIRE(back.data()[i] == dst.data()[i]);
    for (std::size_t i = 0; i < slice.size(); ++i) REQUIRE(back_slice.data()[i] == slice.data()[i]);
    CHECK_THROWS_AS(inception::copy_channels(gsrc, 5, 3, gdst, 0), shape_error);
}

TEST_CASE("cuda inception: 2048-d FID features match the CPU network to 1e-4") {
    const inception::weight_source weights(random_weight);
    fid_inception_v3 host;
    host.load(weights);
    basic_fid_inception_v3<cuda> device;
    std::vector<float> want, got;
    CHECK_THROWS_AS(device.features(tensor<cpu>({1, 3, 299, 299}), got), argument_error);
    device.load(weights);

    rng gen(308);
    const tensor<cpu> x = test::random_tensor({3, 3, 299, 299}, gen);
    host.features(x, want);
    device.features(x, got);
    REQUIRE(want.size() == 3 * fid_inception_v3::feature_dim);
    CHECK(test::relative_error(got, want) <= test::parity_tolerance);

    // A second, smaller batch reuses the device buffers.
    const tensor<cpu> one = test::random_tensor({1, 3, 299, 299}, gen);
    host.features(one, want);
    device.features(one, got);
    REQUIRE(got.size() == fid_inception_v3::feature_dim);
    CHECK(test::relative_error(got, want) <= test::parity_tolerance);
}
