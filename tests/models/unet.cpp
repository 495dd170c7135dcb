#include <doctest/doctest.h>

#include <cstdint>
#include <set>
#include <string>

#include "isinggan/models/unet.hpp"
#include "layers/layer_check.hpp"
#include "support/random_tensor.hpp"

using namespace isinggan;

// Few instantiations keep the build fast: the tests use width 1/32 (2 … 32
// channels). The finite-difference checks use tanh for ReLU, since a central
// difference that steps across a ReLU kink (thousands of units here) is off by
// O(1), and depth 2 (a level nested in a level, the recursion of depth 4):
// at depth 4 a tiny input leaves the bottleneck's batch norm a handful of
// values, too curved for a finite difference. The full depth-4 network is
// compared with PyTorch instead (tests/models/unet_golden.cpp).
using tiny_unet = models::unet<32>;
using smooth_unet = models::unet<32, models::unet_upsampling::transposed_conv, 2, isinggan::tanh>;
using smooth_bilinear_unet = models::unet<32, models::unet_upsampling::bilinear, 2, isinggan::tanh>;

TEST_CASE("unet: output is one logit plane of the input's size, channels follow the width") {
    static_assert(tiny_unet::base_channels == 2);
    static_assert(models::unet<1>::base_channels == 64 && models::unet<4>::base_channels == 16);
    tiny_unet net;
    rng gen(1);
    const tensor<cpu> x = testing::random_tensor({2, 3, 32, 48}, gen);
    const tensor<cpu>& y = net.forward(x);
    CHECK(y.shape() == shape4{2, 1, 32, 48});
    // 4 levels of 2 convs + bottleneck 2 + 4 up convs + final 1x1; batch norms after every 3x3 conv.
    std::set<std::string> names;
    std::size_t weights = 0;
    visit_params(net, [&](std::string_view n, auto& p) {
        names.insert(std::string(n));
        if (n.ends_with("weight") && p.value.shape().h > 1) ++weights;  // 3x3 and 2x2 kernels
    });
    CHECK(weights == 18 + 4);
    CHECK(names.count("0.0.0.weight") == 1);  // the first 3x3 convolution
    CHECK(names.count("1.weight") == 1);      // the final 1x1 convolution
    CHECK(names.count("1.bias") == 1);
}

TEST_CASE("unet: refuses images of the wrong channel count or a side that does not halve 4 times") {
    tiny_unet net;
    const tensor<cpu> gray({1, 1, 32, 32}), odd({1, 3, 24, 32});
    CHECK_THROWS_AS(net.forward(gray), shape_error);
    CHECK_THROWS_AS(net.forward(odd), shape_error);
}

/// Finite-difference check of a depth-2 U-Net on a [2, 3, 8, 8] batch.
template <class Net>
void check_unet_gradients(std::uint64_t input_seed, std::uint64_t init_seed) {
    rng gen(input_seed);
    seed_default_init(init_seed);
    Net net;
    testing::gradient_check_options o;
    o.max_points = 6;
    o.eps = 1e-3;
    o.abs_tol = 2e-3;
    o.rel_tol = 2e-2;
    testing::require_gradients(net, testing::random_tensor({2, 3, 8, 8}, gen), gen, o);
}

TEST_CASE("unet: forward and backward agree with finite differences (transposed-conv up path, depth 2)") {
    check_unet_gradients<smooth_unet>(7, 11);
}

TEST_CASE("unet: forward and backward agree with finite differences (bilinear up path, depth 2)") {
    check_unet_gradients<smooth_bilinear_unet>(8, 12);
}
