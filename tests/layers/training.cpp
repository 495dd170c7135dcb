// Whole-network behaviour: a GAN-shaped step (G, then D, then back through D
// into G) that allocates nothing once the first step has sized the buffers,
// and a tiny classifier that learns.
#include <doctest/doctest.h>

#include <cmath>

#include "layers/layer_check.hpp"

using namespace isinggan;
using namespace isinggan::testing;

namespace {

// The paper's generator at toy size: z -> 2x2x8 -> doubled twice, two sibling heads.
template <int In, int Out>
using up = sequential<conv_transpose2d<In, Out, 4, 2, 1>, batch_norm2d<Out>, relu>;
using trunk = sequential<dense<6, 2 * 2 * 8>, reshape<8, 2, 2>, batch_norm2d<8>, relu, up<8, 4>>;
using image_head = sequential<conv_transpose2d<4, 3, 4, 2, 1>, isinggan::tanh>;
using mask_head = sequential<conv_transpose2d<4, 1, 4, 2, 1>, sigmoid>;
using generator = branch<trunk, image_head, mask_head>;
// The discriminator reads the 4-channel stack of image and mask, as in the paper.
using discriminator = sequential<conv2d<4, 4, 4, 2, 1>, leaky_relu, conv2d<4, 8, 4, 2, 1>, batch_norm2d<8>,
                                 leaky_relu, flatten, dense<8 * 2 * 2, 1>>;

}  // namespace

TEST_CASE("layers: a generator and discriminator step allocates nothing after the first") {
    rng gen(71);
    generator g;
    discriminator d;
    reset_parameters(g, gen);
    reset_parameters(d, gen);
    const tensor<cpu> z = random_tensor({4, 6, 1, 1}, gen);
    tensor<cpu> fake, d_score({4, 1, 1, 1}, 1.0f), d_image, d_mask;

    auto step = [&] {
        zero_grad(g);
        zero_grad(d);
        auto [image, mask] = g.forward(z);
        concat_channels(image, mask, fake);
        d.forward(fake);
        const tensor<cpu>& d_fake = d.backward(d_score);  // back through D ...
        split_channels(d_fake, 3, d_image, d_mask);
        return &g.backward(d_image, d_mask);  // ... into G
    };
    const tensor<cpu>* dz = step();
    CHECK(dz->shape() == z.shape());
    double grad_norm = 0;
    visit_params(g, [&](std::string_view, auto& p) { grad_norm += ops::dot(cpu{}, p.grad, p.grad); });
    CHECK(grad_norm > 0.0);  // the discriminator's gradient reached the generator's parameters

    const std::size_t after_first = aligned_buffer<float>::allocation_count();
    for (int i = 0; i < 3; ++i) step();
    CHECK(aligned_buffer<float>::allocation_count() == after_first);

    // A larger batch grows the buffers once; the same shapes again allocate nothing.
    const tensor<cpu> z8 = random_tensor({8, 6, 1, 1}, gen);
    g.forward(z8);
    const std::size_t after_growth = aligned_buffer<float>::allocation_count();
    CHECK(after_growth > after_first);
    g.forward(z8);
    g.forward(z);  // smaller shapes reuse the larger buffers
    CHECK(aligned_buffer<float>::allocation_count() == after_growth);
}

TEST_CASE("layers: one network type runs at several run-time image sizes") {
    using deep_up = sequential<conv_transpose2d<3, 2, 4, 2, 1>, batch_norm2d<2>, relu, conv2d<2, 2, 3, 1, 1>>;
    deep_up net;
    for (std::size_t s : {32u, 64u}) {
        const tensor<cpu> x({1, 3, s / 2, s / 2}, 0.5f);
        CHECK(net.forward(x).shape() == shape4{1, 2, s, s});
    }
}

TEST_CASE("layers: conv, batch norm, leaky relu, residual, pool and dense learn a separable task") {
    // Horizontal stripes (label +1) versus vertical stripes (label -1), random
    // phase and contrast, plus noise: separable only through the convolutions.
    using classifier = sequential<conv2d<1, 4, 3, 1, 1>, batch_norm2d<4>, leaky_relu,
                                  residual<sequential<conv2d<4, 4, 3, 1, 1>, batch_norm2d<4>, leaky_relu>>,
                                  global_avg_pool, dense<4, 1>>;
    rng gen(72);
    classifier net;
    reset_parameters(net, gen);
    constexpr std::size_t batch = 16, side = 8;
    tensor<cpu> x({batch, 1, side, side}), labels({batch, 1, 1, 1}), d_score({batch, 1, 1, 1});

    auto make_batch = [&] {
        for (std::size_t n = 0; n < batch; ++n) {
            const bool horizontal = gen.uniform01() < 0.5;
            labels.data()[n] = horizontal ? 1.0f : -1.0f;
            const std::size_t phase = gen.below(2);
            const double contrast = gen.uniform(0.5, 1.5);
            for (std::size_t y = 0; y < side; ++y)
                for (std::size_t xx = 0; xx < side; ++xx) {
                    const std::size_t k = horizontal ? y : xx;
                    x(n, 0, y, xx) = float(((k + phase) % 2 ? contrast : -contrast) + 0.2 * gen.normal());
                }
        }
    };
    // Logistic loss mean(log(1 + exp(-t s))) and its gradient.
    auto loss_and_grad = [&](const tensor<cpu>& score) {
        double loss = 0;
        for (std::size_t n = 0; n < batch; ++n) {
            const double m = double(labels.data()[n]) * score.data()[n];
            loss += std::log1p(std::exp(-m));
            d_score.data()[n] = float(-labels.data()[n] / (1.0 + std::exp(m)) / double(batch));
        }
        return loss / double(batch);
    };

    double first = 0, last = 0;
    constexpr int steps = 150;
    for (int step = 0; step < steps; ++step) {
        make_batch();
        const double loss = loss_and_grad(net.forward(x));
        if (step < 10) first += loss / 10;
        if (step >= steps - 10) last += loss / 10;
        zero_grad(net);
        net.backward(d_score);
        visit_params(net, [](std::string_view, auto& p) { ops::axpy(cpu{}, -0.1f, p.grad, p.value); });
    }
    MESSAGE("mean logistic loss: first 10 steps " << first << ", last 10 steps " << last);
    CHECK(first > 0.3);  // chance level is log 2 = 0.69
    CHECK(last < first / 10);
}
