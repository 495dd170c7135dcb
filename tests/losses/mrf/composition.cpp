// The smoothness loss is chosen by a template argument only: a toy trainer in
// the shape of the GAN trainer takes mrf_loss<...>, laplacian_l1, a custom
// pairwise policy or no_smoothness, and nothing else changes.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "isinggan/core/random.hpp"
#include "isinggan/losses/mrf.hpp"
#include "losses/mrf/mrf_test_support.hpp"

using namespace isinggan;

namespace {

// A pairwise energy written outside the library, as in docs/library.md ("Writing your own pairwise energy"):
// linear up to a cap, so a real edge costs at most `cap`.
struct truncated_linear {
    static constexpr double cap = 0.37;
    template <class T>
    static T energy(T a, T b) {
        return std::min(std::abs(a - b), static_cast<T>(cap));
    }
    template <class T>
    static pair_derivative<T> derivative(T a, T b) {
        const T d = a - b;
        const T s = std::abs(d) >= static_cast<T>(cap) ? T(0) : (d > 0 ? T(1) : (d < 0 ? T(-1) : T(0)));
        return {s, -s};
    }
};

// A toy "generator" of K-channel maps: free logits per pixel, squashed by a
// sigmoid (K = 1) or a softmax over channels (K > 1); it also emits a fixed
// RGB "image" that guided losses read.
template <std::size_t K>
struct toy_generator {
    tensor<cpu> logits, mask, image;
    toy_generator(std::size_t n, std::size_t h, std::size_t w, rng& gen) : logits({n, K, h, w}), image({n, 3, h, w}) {
        fill_uniform(logits, -0.5, 0.5, gen);
        fill_uniform(image, 0.45, 0.55, gen);  // nearly flat: guided weights near 1
    }
    const tensor<cpu>& forward() {
        mask.resize(logits.shape());
        for (std::size_t n = 0; n < logits.n(); ++n)
            for (std::size_t i = 0; i < logits.h() * logits.w(); ++i) {
                if constexpr (K == 1) {
                    mask.plane(n, 0)[i] = 1.0f / (1.0f + std::exp(-logits.plane(n, 0)[i]));
                } else {
                    float sum = 0.0f;
                    for (std::size_t k = 0; k < K; ++k) sum += (mask.plane(n, k)[i] = std::exp(logits.plane(n, k)[i]));
                    for (std::size_t k = 0; k < K; ++k) mask.plane(n, k)[i] /= sum;
                }
            }
        return mask;
    }
    void backward_and_step(const tensor<cpu>& grad_mask, float rate) {
        for (std::size_t n = 0; n < logits.n(); ++n)
            for (std::size_t i = 0; i < logits.h() * logits.w(); ++i) {
                float dot = 0.0f;
                for (std::size_t k = 0; k < K; ++k) dot += mask.plane(n, k)[i] * grad_mask.plane(n, k)[i];
                for (std::size_t k = 0; k < K; ++k) {
                    const float m = mask.plane(n, k)[i], g = grad_mask.plane(n, k)[i];
                    const float d = K == 1 ? g * m * (1.0f - m) : m * (g - dot);
                    logits.plane(n, k)[i] -= rate * d;
                }
            }
    }
};

// A toy "discriminator": a data term pulling the map towards a noisy target.
struct toy_discriminator {
    tensor<cpu> target;
    double loss_and_gradient(const tensor<cpu>& mask, tensor<cpu>& grad) {
        grad.resize(mask.shape());
        double loss = 0.0;
        for (std::size_t i = 0; i < mask.size(); ++i) {
            const float d = mask.data()[i] - target.data()[i];
            loss += 0.5 * d * d;
            grad.data()[i] = d;
        }
        return loss;
    }
};

// The shape of gan_trainer<Generator, Discriminator, Smooth>: the smoothness
// term is added onto the data gradient of the mask, or skipped altogether.
template <class Generator, class Discriminator, smoothness_loss Smooth>
class toy_trainer {
public:
    toy_trainer(Generator g, Discriminator d, Smooth s)
        : gen_(std::move(g)), disc_(std::move(d)), smooth_(std::move(s)) {}
    double step(float rate) {
        const tensor<cpu>& mask = gen_.forward();
        double loss = disc_.loss_and_gradient(mask, grad_);
        if constexpr (Smooth::enabled)
            loss += apply_smoothness(smooth_, mask, gen_.image, grad_, gradient_mode::accumulate);
        gen_.backward_and_step(grad_, rate);
        return loss;
    }
    const tensor<cpu>& mask() { return gen_.forward(); }

private:
    Generator gen_;
    Discriminator disc_;
    Smooth smooth_;
    tensor<cpu> grad_;
};

static_assert(smoothness_loss<mrf_loss<ising>>);
static_assert(smoothness_loss<mrf_loss<potts<3>, eight_neighborhood>>);
static_assert(smoothness_loss<mrf_loss<huber<0.1>, four_neighborhood, image_guided<0.2>>>);
static_assert(smoothness_loss<mrf_loss<truncated_linear>>);
static_assert(smoothness_loss<laplacian_l1>);
static_assert(smoothness_loss<no_smoothness>);
static_assert(!smoothness_loss<int>);
static_assert(pairwise_energy<truncated_linear> && !pairwise_energy<four_neighborhood>);

/// Trains the toy generator on a salt-and-pepper target and returns the
/// 4-neighbour Ising count of the thresholded result.
template <std::size_t K, class Smooth>
double train_and_count(Smooth smooth) {
    rng gen(17);
    toy_generator<K> g(2, 12, 12, gen);
    toy_discriminator d{tensor<cpu>(g.logits.shape())};
    for (std::size_t i = 0; i < d.target.size(); ++i) d.target.data()[i] = gen.uniform01() < 0.5 ? 1.0f : 0.0f;
    toy_trainer<toy_generator<K>, toy_discriminator, Smooth> trainer(std::move(g), std::move(d), std::move(smooth));
    const double first = trainer.step(2.0f);
    double last = first;
    for (int i = 0; i < 200; ++i) last = trainer.step(2.0f);
    CHECK(std::isfinite(last));
    CHECK(last < first);
    tensor<cpu> binary = trainer.mask();
    for (float& v : binary) v = v > 0.5f ? 1.0f : 0.0f;
    return mrf_loss<ising>{}.forward(binary);
}

}  // namespace

TEST_CASE("smoothness losses plug into a trainer by template argument only") {
    const double none = train_and_count<1>(no_smoothness{});
    CHECK(none > 100.0);  // the noisy target's fragmentation is learnt
    const mrf_options strong{.lambda = 0.5};
    CHECK(train_and_count<1>(mrf_loss<ising_bilinear>(strong)) < 0.5 * none);
    CHECK(train_and_count<1>(mrf_loss<truncated_linear>(strong)) < none);
    CHECK(train_and_count<1>(laplacian_l1(strong)) < none);
    CHECK(train_and_count<1>(mrf_loss<ising_squared, four_neighborhood, image_guided<0.3>>(strong)) < none);
    // Three classes (background / nucleus / boundary in the design notes).
    const double potts_count = train_and_count<3>(mrf_loss<potts<3>, eight_neighborhood>(strong));
    CHECK(potts_count < train_and_count<3>(no_smoothness{}));
}

TEST_CASE("a custom pairwise policy works without touching the library") {
    using isinggan::testing::mrf::mask_from;
    mrf_loss<truncated_linear, eight_neighborhood> loss;
    // An isolated pixel: 8 differing pairs, each capped at 0.37.
    CHECK(loss.forward(mask_from({".....", "..#..", "....."})) == doctest::Approx(8 * 0.37));

    rng gen(2);
    tensor<cpu, double> f({1, 1, 5, 6});
    fill_uniform(f, 0.0, 1.0, gen);
    // Keep every difference away from 0 and from the cap, the two kinks.
    for (std::size_t i = 0; i < f.size(); ++i)
        f.data()[i] = 0.05 * static_cast<double>((i * 7) % 30) + 0.013 * f.data()[i];
    tensor<cpu, double> g;
    loss.forward_backward(f, g);
    const auto numeric = isinggan::testing::numeric_gradient(f, 1e-7, [&] { return loss.forward(f); });
    CHECK(isinggan::testing::max_relative_error(g.values(), numeric.values()) < 1e-6);
    CHECK(isinggan::testing::max_relative_error(g.values(), tensor<cpu, double>(f.shape()).values()) > 0.5);
}

TEST_CASE("no_smoothness contributes nothing") {
    no_smoothness none;
    tensor<cpu> f({1, 1, 3, 3}, 0.5f), g({1, 1, 3, 3}, 2.0f);
    CHECK(none.forward_backward(f, g, gradient_mode::accumulate) == 0.0);
    for (float v : g) CHECK(v == 2.0f);
    CHECK(none.forward_backward(f, g) == 0.0);
    for (float v : g) CHECK(v == 0.0f);
    CHECK_FALSE(no_smoothness::enabled);
}
