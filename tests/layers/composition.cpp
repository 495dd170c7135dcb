#include <doctest/doctest.h>

#include "isinggan/backend/transfer.hpp"
#include "layers/layer_check.hpp"
#include "support/network_check.hpp"

using namespace isinggan;
using namespace isinggan::testing;

namespace {

using small_block = sequential<conv2d<4, 4, 3, 1, 1>, batch_norm2d<4>, leaky_relu>;
using small_net = sequential<conv2d<2, 4, 3, 1, 1>, batch_norm2d<4>, leaky_relu, residual<small_block>>;

}  // namespace

// Channel bookkeeping is compile-time; these hold or the file does not compile.
static_assert(layer<small_net> && layer<residual<small_block>> && layer<skip_concat<small_block>>);
static_assert(small_net::in_channels == 2 && small_net::out_channels == 4);
static_assert(sequential<relu, conv2d<3, 8, 3>, isinggan::tanh>::in_channels == 3);
static_assert(sequential<relu, conv2d<3, 8, 3>, isinggan::tanh>::out_channels == 8);
static_assert(sequential<relu, isinggan::tanh>::in_channels == any_channels);
static_assert(sequential<relu, isinggan::tanh>::out_channels == any_channels);
static_assert(sequential<conv2d<1, 8, 3>, flatten, dense<72, 2>>::out_channels == 2);
static_assert(skip_concat<small_block>::out_channels == 8);
// A temporary input would be gone by the time backward reads it again.
template <class L>
concept accepts_temporary_input = requires(L l) { l.forward(tensor<cpu>()); };
template <class L>
concept accepts_lvalue_input = requires(L l, const tensor<cpu>& x) { l.forward(x); };
static_assert(!accepts_temporary_input<relu> && !accepts_temporary_input<small_net>);
static_assert(accepts_lvalue_input<relu> && accepts_lvalue_input<small_net>);
static_assert(!channels_compatible(64, 32) && channels_compatible(64, any_channels));
static_assert(channel_check::producer_of(std::array<int, 4>{64, any_channels, any_channels, 32}, 3) == 0);
static_assert(channel_check::producer_of(std::array<int, 3>{64, unknown_channels, 10}, 2) == -1);

TEST_CASE("layers: sequential names its children's parameters by index, as nn.Sequential") {
    small_net net;
    CHECK(param_order(net) == std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias",
                                                       "3.block.0.weight", "3.block.0.bias", "3.block.1.weight",
                                                       "3.block.1.bias"});
    CHECK(buffer_order(net) == std::vector<std::string>{"1.running_mean", "1.running_var", "3.block.1.running_mean",
                                                        "3.block.1.running_var"});
}

TEST_CASE("layers: sequential chains forward and returns the input gradient from backward") {
    rng gen(51);
    sequential<conv2d<2, 3, 3, 1, 1>, isinggan::tanh, conv2d<3, 2, 1>> net;
    reset_parameters(net, gen);
    const tensor<cpu> x = random_tensor({2, 2, 4, 4}, gen);
    // Same as running the children by hand.
    const tensor<cpu> y = net.forward(x);
    const tensor<cpu> by_hand = net.get<2>().forward(net.get<1>().forward(net.get<0>().forward(x)));
    CHECK(max_relative_error(y, by_hand) == 0.0);
    CHECK(net.backward(y).shape() == x.shape());
    gradient_check_options opts;
    opts.eps = 1e-3;
    require_gradients(net, x, gen, opts);
}

TEST_CASE("layers: backward_params gives backward's parameter gradients without the input gradient") {
    rng gen(52);
    small_net a, b;
    reset_parameters(a, gen);
    copy_model_state(a, b);
    const tensor<cpu> x = random_tensor({3, 2, 5, 5}, gen);
    const tensor<cpu> dy = random_tensor(a.forward(x).shape(), gen);
    b.forward(x);
    zero_grad(a);
    zero_grad(b);
    a.backward(dy);
    backward_params(b, dy);
    std::vector<float> ga, gb;
    visit_params(a, [&](std::string_view, parameter<cpu>& p) { ga.insert(ga.end(), p.grad.begin(), p.grad.end()); });
    visit_params(b, [&](std::string_view, parameter<cpu>& p) { gb.insert(gb.end(), p.grad.begin(), p.grad.end()); });
    CHECK(ga == gb);  // the same arithmetic, so the same bits
    // The first conv skips its data gradient; a layer without backward_params runs backward.
    conv2d<2, 4, 3, 1, 1> conv;
    conv.forward(x);
    zero_grad(conv);
    backward_params(conv, random_tensor({3, 4, 5, 5}, gen));
    CHECK_THROWS_AS(backward_params(conv, random_tensor({3, 4, 4, 4}, gen)), shape_error);
}

TEST_CASE("layers: backward_input gives backward's input gradient and leaves the convolutions' gradients alone") {
    rng gen(53);
    sequential<conv2d<2, 4, 3, 1, 1>, leaky_relu, conv2d<4, 3, 3, 2, 1>> a, b;
    reset_parameters(a, gen);
    copy_model_state(a, b);
    const tensor<cpu> x = random_tensor({2, 2, 6, 6}, gen);
    const tensor<cpu> dy = random_tensor(a.forward(x).shape(), gen);
    b.forward(x);
    zero_grad(a);
    zero_grad(b);
    const tensor<cpu>& da = a.backward(dy);
    const tensor<cpu>& db = backward_input(b, dy);
    CHECK(max_relative_error(db, da) == 0.0);
    visit_params(b, [&](std::string_view name, parameter<cpu>& p) {
        CAPTURE(name);
        for (const float g : p.grad) CHECK(g == 0.0f);
    });
}

TEST_CASE("layers: a conv, batch norm, leaky relu and residual network passes a gradient check") {
    rng gen(52);
    small_net net;
    reset_parameters(net, gen);
    gradient_check_options opts;
    opts.eps = 2e-3;
    opts.abs_tol = 5e-3;
    require_gradients(net, random_tensor({2, 2, 3, 3}, gen), gen, opts);
}

TEST_CASE("layers: residual adds its block's output to its input") {
    rng gen(53);
    residual<sequential<conv2d<3, 3, 1>>> res;
    reset_parameters(res, gen);
    const tensor<cpu> x = random_tensor({2, 3, 2, 2}, gen);
    const tensor<cpu> fx = res.block().forward(x);
    const tensor<cpu>& y = res.forward(x);
    for (std::size_t i = 0; i < x.size(); ++i) CHECK(y.data()[i] == doctest::Approx(x.data()[i] + fx.data()[i]));
    require_gradients(res, x, gen);
    CHECK(param_order(res) == std::vector<std::string>{"block.0.weight", "block.0.bias"});
}

TEST_CASE("layers: residual rejects a block that changes the spatial size") {
    residual<sequential<conv2d<2, 2, 3>>> shrinking;  // no padding: 5x5 -> 3x3
    CHECK_THROWS_WITH_AS(shrinking.forward(kept({1, 2, 5, 5})), doctest::Contains("[1, 2, 3, 3]"), shape_error);
}

TEST_CASE("layers: skip_concat concatenates its input with its block's output") {
    rng gen(54);
    // A U-Net level: down by 2, a conv, back up by 2, concatenated with the input.
    using level = skip_concat<sequential<conv2d<2, 3, 4, 2, 1>, relu, conv_transpose2d<3, 2, 4, 2, 1>>>;
    static_assert(level::in_channels == 2 && level::out_channels == 4);
    level unet;
    reset_parameters(unet, gen);
    const tensor<cpu> x = random_tensor({2, 2, 4, 4}, gen);
    const tensor<cpu> inner = unet.block().forward(x);
    const tensor<cpu>& y = unet.forward(x);
    REQUIRE(y.shape() == shape4{2, 4, 4, 4});
    for (std::size_t n = 0; n < 2; ++n)
        for (std::size_t i = 0; i < 16; ++i) {
            CHECK(y.plane(n, 1)[i] == x.plane(n, 1)[i]);
            CHECK(y.plane(n, 3)[i] == inner.plane(n, 1)[i]);
        }
    gradient_check_options opts;
    opts.eps = 1e-3;
    require_gradients(unet, x, gen, opts);
    CHECK(param_order(unet).front() == "block.0.weight");
}

TEST_CASE("layers: branch runs one trunk and sibling heads, and sums the heads' gradients") {
    rng gen(55);
    using trunk = sequential<dense<3, 8>, reshape<2, 2, 2>, batch_norm2d<2>, relu>;
    using image_head = sequential<conv_transpose2d<2, 3, 4, 2, 1>, isinggan::tanh>;
    using mask_head = sequential<conv_transpose2d<2, 1, 4, 2, 1>, sigmoid>;
    branch<trunk, image_head, mask_head> g;
    reset_parameters(g, gen);
    CHECK(param_order(g) == std::vector<std::string>{"trunk.0.weight", "trunk.0.bias", "trunk.2.weight",
                                                     "trunk.2.bias", "heads.0.0.weight", "heads.0.0.bias",
                                                     "heads.1.0.weight", "heads.1.0.bias"});
    CHECK(buffer_order(g) == std::vector<std::string>{"trunk.2.running_mean", "trunk.2.running_var"});

    tensor<cpu> z = random_tensor({3, 3, 1, 1}, gen);
    auto [image, mask] = g.forward(z);
    CHECK(image.shape() == shape4{3, 3, 4, 4});
    CHECK(mask.shape() == shape4{3, 1, 4, 4});

    // Gradient check of the loss sum(r1 * image) + sum(r2 * mask).
    const tensor<cpu> r1 = random_tensor(image.shape(), gen), r2 = random_tensor(mask.shape(), gen);
    zero_grad(g);
    const tensor<cpu> dz = g.backward(r1, r2);
    CHECK(dz.shape() == z.shape());
    auto loss = [&] {
        auto [a, b] = g.forward(z);
        return weighted_sum(a, r1) + weighted_sum(b, r2);
    };
    gradient_check_options opts;
    opts.eps = 2e-3;
    opts.abs_tol = 5e-3;
    gradient_check_report report;
    probe_gradient(z, dz, loss, "z", opts, report);
    std::vector<tensor<cpu>> grads;
    visit_params(g, [&](std::string_view, auto& p) { grads.push_back(p.grad); });
    std::size_t k = 0;
    visit_params(g, [&](std::string_view name, auto& p) {
        probe_gradient(p.value, grads[k++], loss, name, opts, report);
    });
    INFO(report.str());
    CHECK(report.ok());
}

TEST_CASE("layers: set_training reaches every batch norm of a composite") {
    branch<sequential<batch_norm2d<2>>, sequential<batch_norm2d<2>>, residual<sequential<batch_norm2d<2>>>> net;
    net.set_training(false);
    CHECK_FALSE(net.trunk().get<0>().training());
    CHECK_FALSE(net.head<0>().get<0>().training());
    CHECK_FALSE(net.head<1>().block().get<0>().training());
}

TEST_CASE("layers: a discriminator with residual and skip_concat matches the same PyTorch nn.Sequential") {
    sequential<conv2d<3, 4, 3, 1, 1>, leaky_relu,
               residual<sequential<conv2d<4, 4, 3, 1, 1>, batch_norm2d<4>, leaky_relu>>,
               skip_concat<sequential<conv2d<4, 2, 4, 2, 1>, relu, conv_transpose2d<2, 3, 4, 2, 1>>>, avg_pool2d<2>,
               flatten, dense<7 * 2 * 2, 1>>
        d;
    check_against_fixture(d, "discriminator_sequential");
}

TEST_CASE("layers: a two-headed generator matches PyTorch, state_dict names included") {
    using trunk = sequential<dense<6, 32>, reshape<8, 2, 2>, batch_norm2d<8>, relu,
                             sequential<conv_transpose2d<8, 4, 4, 2, 1>, batch_norm2d<4>, relu>>;
    branch<trunk, sequential<conv_transpose2d<4, 3, 4, 2, 1>, isinggan::tanh>,
           sequential<conv_transpose2d<4, 1, 4, 2, 1>, sigmoid>>
        g;
    const tensor_map f = load_layer_fixture("generator_branch");
    // Every name must be in the PyTorch file (fixture_tensor fails otherwise).
    std::size_t params = 0;
    visit_params(g, [&](std::string_view key, auto& p) {
        p.value = fixture_tensor(f, std::string(key));
        p.zero_grad();
        ++params;
    });
    CHECK(params == 12);
    visit_buffers(g, [&](std::string_view key, auto& b) { b = fixture_tensor(f, std::string(key) + ".before"); });

    auto [image, mask] = g.forward(fixture_tensor(f, "x"));
    require_close(image, fixture_tensor(f, "y0"), "image head");
    require_close(mask, fixture_tensor(f, "y1"), "mask head");
    require_close(g.backward(fixture_tensor(f, "dy0"), fixture_tensor(f, "dy1")), fixture_tensor(f, "dx"), "dz");
    visit_params(g, [&](std::string_view key, auto& p) {
        require_close(p.grad, fixture_tensor(f, std::string(key) + ".grad"), std::string(key) + ".grad");
    });
    visit_buffers(g, [&](std::string_view key, auto& b) {
        require_close(b, fixture_tensor(f, std::string(key) + ".after"), std::string(key) + " after the step");
    });
}

TEST_CASE("layers: concat_channels and split_channels stack two tensors and undo it") {
    rng gen(56);
    const tensor<cpu> image = random_tensor({2, 3, 2, 3}, gen), mask = random_tensor({2, 1, 2, 3}, gen);
    tensor<cpu> stack, a, b;
    concat_channels(image, mask, stack);
    REQUIRE(stack.shape() == shape4{2, 4, 2, 3});
    for (std::size_t n = 0; n < 2; ++n)
        for (std::size_t i = 0; i < 6; ++i) {
            CHECK(stack.plane(n, 2)[i] == image.plane(n, 2)[i]);
            CHECK(stack.plane(n, 3)[i] == mask.plane(n, 0)[i]);
        }
    split_channels(stack, 3, a, b);
    CHECK(max_relative_error(a, image) == 0.0);
    CHECK(max_relative_error(b, mask) == 0.0);

    CHECK_THROWS_WITH_AS(concat_channels(image, random_tensor({2, 1, 3, 3}, gen), stack),
                         doctest::Contains("[2, 1, 3, 3]"), shape_error);
    CHECK_THROWS_AS(split_channels(stack, 5, a, b), shape_error);
    CHECK_THROWS_AS(split_channels(stack, 2, a, a), argument_error);
    CHECK_THROWS_AS(concat_channels(image, mask, const_cast<tensor<cpu>&>(image)), argument_error);
}
