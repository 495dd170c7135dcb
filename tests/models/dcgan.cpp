// The patch recipe's networks (models/dcgan_generator.hpp,
// models/dcgan_discriminator.hpp): shapes and the layer lists their comments
// describe, and finite-difference checks of the whole networks' gradients.
#include <doctest/doctest.h>

#include <cstdint>
#include <set>
#include <string>

#include "isinggan/models/dcgan_discriminator.hpp"
#include "isinggan/models/dcgan_generator.hpp"
#include "layers/layer_check.hpp"
#include "support/network_check.hpp"
#include "train/tiny_gan.hpp"

using namespace isinggan;
using namespace isinggan::models;

using testing::param_names;

TEST_CASE("dcgan networks: the widths and sides their comments give, at 32 and 64 px") {
    static_assert(dcgan_detail::top_maps(32, 4) == 128 && dcgan_detail::top_maps(64, 4) == 256);
    static_assert(dcgan_detail::head_maps(4) == 32 && dcgan_detail::maps(2, 4) == 128 && dcgan_detail::maps(4, 1) == 1024);
    static_assert(has_residual_heads<residual_generator<32, 4>> && !has_residual_heads<paper_generator<32, 4>>);
    testing::use_one_thread();
    tensor<cpu> z;
    rng gen(2);
    train::draw_latent(z, 3, latent_size, gen);
    dcgan_generator<32, 4, false> g32;
    auto [image, mask] = g32.forward(z);
    CHECK(image.shape() == shape4{3, 3, 32, 32});
    CHECK(mask.shape() == shape4{3, 1, 32, 32});
    for (float v : image) REQUIRE((v >= -1.0f && v <= 1.0f));
    for (float v : mask) REQUIRE((v >= 0.0f && v <= 1.0f));
    // trunk: dense 100 -> 4x4x128, one upsampling to 64 maps at 8x8; heads: 64 -> 32 at 16x16, then the output.
    CHECK(g32.trunk().get<0>().weight().value.shape() == shape4{4 * 4 * 128, 100, 1, 1});
    CHECK(g32.trunk().get<4>().get<0>().weight().value.shape() == shape4{128, 64, 4, 4});
    CHECK(g32.head<1>().get<1>().weight().value.shape() == shape4{32, 1, 4, 4});
    const auto plain = param_names(g32);
    dcgan_generator<32, 4, true> r32;
    const auto residual = param_names(r32);
    CHECK(residual.size() == plain.size() + 2 * 8);  // per head: 2 convs and 2 batch norms, weight and bias each
    CHECK(residual.count("heads.0.1.0.block.0.weight") == 1);
    CHECK(std::string(dcgan_generator<32, 4, true>::name) == "resgan");

    dcgan_generator<64, 4, true> g64;
    auto [image64, mask64] = g64.forward(z);
    CHECK(image64.shape() == shape4{3, 3, 64, 64});
    CHECK(mask64.shape() == shape4{3, 1, 64, 64});

    dcgan_discriminator<32, 4> d32;
    tensor<cpu> x({2, 4, 32, 32});
    fill_uniform(x, -1, 1, gen);
    CHECK(d32.forward(x).shape() == shape4{2, 1, 1, 1});
    CHECK(param_names(d32).size() == 4 * 2);  // 3 downsampling convs and the logit conv; no batch norm
    CHECK(d32.get<2>().get<0>().weight().value.shape() == shape4{128, 64, 4, 4});
    dcgan_discriminator<64, 4> d64;
    tensor<cpu> x64({2, 4, 64, 64});
    CHECK(d64.forward(x64).shape() == shape4{2, 1, 1, 1});
    CHECK(d64.get<3>().get<0>().weight().value.shape() == shape4{256, 128, 4, 4});
}

using testing::check_direction;
using testing::direction_tolerance;

namespace {

/// Input and parameter gradients of a DCGAN discriminator on a batch of n against finite differences.
template <class Discriminator>
void check_discriminator_gradients(std::uint64_t seed, std::size_t n) {
    testing::use_one_thread();
    Discriminator d;
    rng gen(seed);
    init::xavier_init(d, gen);
    tensor<cpu> x = testing::random_tensor({n, 4, 32, 32}, gen);
    const tensor<cpu> r = testing::random_tensor({n, 1, 1, 1}, gen);
    (void)d.forward(x);
    zero_grad(d);
    const tensor<cpu> dx = d.backward(r);
    auto loss = [&] { return testing::weighted_sum(d.forward(x), r); };
    CHECK(check_direction(x, dx, loss, "input", gen));
    const auto checks = testing::check_every_parameter(d, loss, gen);
    CHECK(checks.checked == 8);
    CHECK(3 * checks.discriminating >= 2 * checks.checked);  // see network_check.hpp
}

}  // namespace

TEST_CASE("dcgan discriminator: gradients of its input and of every parameter match finite differences") {
    check_discriminator_gradients<dcgan_discriminator<32, 8>>(5, 2);
}

TEST_CASE("dcgan discriminator with the minibatch standard deviation (the default recipe's): gradients match finite differences") {
    check_discriminator_gradients<dcgan_discriminator<32, 8, cpu, true>>(15, 3);  // the batch's spread: 3 samples
}

TEST_CASE("dcgan generator: gradients of z and of every parameter match finite differences (both heads, residual)") {
    testing::use_one_thread();
    dcgan_generator<32, 8, true> g;
    rng gen(6);
    init::xavier_init(g, gen);
    tensor<cpu> z = testing::random_tensor({4, latent_size, 1, 1}, gen);
    auto [image, mask] = g.forward(z);
    const tensor<cpu> r_image = testing::random_tensor(image.shape(), gen), r_mask = testing::random_tensor(mask.shape(), gen);
    zero_grad(g);
    const tensor<cpu> dz = g.backward(r_image, r_mask);
    auto loss = [&] {
        auto [i, m] = g.forward(z);
        return testing::weighted_sum(i, r_image) + testing::weighted_sum(m, r_mask);
    };
    // Batch norm over 4 samples at 4 x 4 and the ReLUs after it make the trunk's loss surface
    // curved at this step; its gradients agree to a few per cent (a wrong one is off by far more),
    // and the loss (~1e3) leaves float noise of ~0.1 in the numeric side.
    const direction_tolerance tol{.abs = 0.2, .rel = 0.15};
    CHECK(check_direction(z, dz, loss, "z", gen, tol));
    const auto checks = testing::check_every_parameter(g, loss, gen, tol);
    CHECK(checks.checked > 20);
    CHECK(3 * checks.discriminating >= 2 * (checks.checked - checks.zero_gradient));  // see network_check.hpp
}
