// BCE and the MRF smoothness losses on the GPU against the CPU losses.
#include <doctest/doctest.h>

#include <cmath>

#include "isinggan/backend/cuda/kernels.cuh"
#include "isinggan/losses/bce.hpp"
#include "isinggan/losses/dice.hpp"
#include "isinggan/losses/mrf.hpp"
#include "backend/cuda/parity.hpp"
#include "losses/mrf/custom_policies.hpp"

using namespace isinggan;

TEST_CASE("cuda bce_with_logits: loss and gradient match the CPU") {
    rng gen(41);
    tensor<cpu> logits = test::random_tensor({4, 1, 3, 5}, gen, -8.0, 8.0);
    logits.data()[0] = 60.0f;  // saturated logits: the stable form must not overflow
    logits.data()[1] = -60.0f;
    const auto glogits = to_device(logits);
    const tensor<cpu> targets = test::random_tensor(logits.shape(), gen, 0.0, 1.0);
    const auto gtargets = to_device(targets);

    for (float target : {1.0f, 0.0f, 0.3f})
        for (auto reduce : {bce_reduction::mean, bce_reduction::sum})
            for (bool accumulate : {false, true}) {
                CAPTURE(target);
                CAPTURE(accumulate);
                // Small prior values, so that what is added dominates the comparison.
                tensor<cpu> grad = test::random_tensor(logits.shape(), gen, -1e-3, 1e-3);
                auto ggrad = to_device(grad);
                const double want = bce_with_logits(logits, target, &grad, reduce, 0.5f, accumulate);
                const double got = bce_with_logits(cuda{}, glogits, target, &ggrad, reduce, 0.5f, accumulate);
                CHECK(test::relative_error(got, want) <= 1e-8);
                CHECK_PARITY(ggrad, grad);
                CHECK(test::relative_error(bce_with_logits(cuda{}, glogits, target), bce_with_logits(logits, target)) <=
                      1e-8);
            }

    tensor<cpu> grad;
    tensor<cuda> ggrad;
    const double want = bce_with_logits(logits, targets, &grad);
    const double got = bce_with_logits(cuda{}, glogits, gtargets, &ggrad);
    CHECK(test::relative_error(got, want) <= 1e-8);
    CHECK_PARITY(ggrad, grad);

    CHECK_THROWS_AS(bce_with_logits(cuda{}, glogits, 1.5f), argument_error);
    tensor<cpu> bad = targets;
    bad.data()[7] = -0.25f;
    CHECK_THROWS_WITH_AS(bce_with_logits(cuda{}, glogits, to_device(bad)), doctest::Contains("found -0.25"),
                         argument_error);
}

TEST_CASE("cuda soft_dice_with_logits: loss and gradient match the CPU") {
    rng gen(45);
    const tensor<cpu> logits = test::random_tensor({3, 2, 5, 7}, gen, -4.0, 4.0);
    tensor<cpu> targets = test::random_tensor(logits.shape(), gen, 0.0, 1.0);
    for (float& t : targets) t = t > 0.6f ? 1.0f : 0.0f;
    const auto glogits = to_device(logits), gtargets = to_device(targets);
    for (bool accumulate : {false, true}) {
        CAPTURE(accumulate);
        tensor<cpu> grad = test::random_tensor(logits.shape(), gen, -1e-4, 1e-4);
        auto ggrad = to_device(grad);
        const double want = soft_dice_with_logits(logits, targets, &grad, 0.5f, accumulate);
        const double got = soft_dice_with_logits(cuda{}, glogits, gtargets, &ggrad, 0.5f, accumulate);
        CHECK(test::relative_error(got, want) <= 1e-8);
        CHECK_PARITY(ggrad, grad);
    }
    CHECK(test::relative_error(soft_dice_with_logits(cuda{}, glogits, gtargets),
                               soft_dice_with_logits(logits, targets)) <= 1e-8);
    tensor<cpu> bad = targets;
    bad.data()[3] = 2.0f;
    CHECK_THROWS_WITH_AS(soft_dice_with_logits(cuda{}, glogits, to_device(bad)), doctest::Contains("found 2.0"),
                         argument_error);
}

namespace {

/// Energy and gradient of one policy and neighborhood, both gradient modes.
template <class Pairwise, class Neighborhood>
void check_mrf(const tensor<cpu>& f, mrf_options options, std::uint64_t seed) {
    rng gen(seed);
    mrf_loss<Pairwise, Neighborhood> loss(options);
    const auto gf = to_device(f);

    tensor<cpu> grad;
    tensor<cuda> ggrad;
    const double want = loss.forward_backward(f, grad);
    const double got = ops::mrf_forward_backward<Pairwise, Neighborhood>(cuda{}, gf, &ggrad, options);
    CHECK(test::relative_error(got, want) <= test::parity_tolerance);
    CHECK_PARITY(ggrad, grad);

    tensor<cpu> acc = test::random_tensor(f.shape(), gen, -1e-3, 1e-3);  // small: the added gradient dominates
    auto gacc = to_device(acc);
    loss.forward_backward(f, acc, gradient_mode::accumulate);
    ops::mrf_forward_backward<Pairwise, Neighborhood>(cuda{}, gf, &gacc, options, gradient_mode::accumulate);
    CHECK_PARITY(gacc, acc);

    CHECK(test::relative_error(ops::mrf_forward<Pairwise, Neighborhood>(cuda{}, gf, options), loss.forward(f)) <=
          test::parity_tolerance);
}

/// The same with guided weights (image_guided<0.5> unless named): map and guide gradients, both gradient modes.
template <class Pairwise, class Neighborhood, class weighting = image_guided<0.5>>
void check_guided_mrf(const tensor<cpu>& f, const tensor<cpu>& guide, mrf_options options, std::uint64_t seed) {
    rng gen(seed);
    mrf_loss<Pairwise, Neighborhood, weighting> loss(options);
    const auto gf = to_device(f), gguide = to_device(guide);
    for (auto mode : {gradient_mode::overwrite, gradient_mode::accumulate}) {
        CAPTURE(mode == gradient_mode::accumulate);
        tensor<cpu> grad = test::random_tensor(f.shape(), gen, -1e-3, 1e-3);
        tensor<cpu> grad_guide = test::random_tensor(guide.shape(), gen, -1e-3, 1e-3);
        auto ggrad = to_device(grad), ggrad_guide = to_device(grad_guide);
        const double want = loss.forward_backward(f, guide, grad, mode, &grad_guide);
        const double got = ops::mrf_forward_backward<Pairwise, Neighborhood, weighting>(cuda{}, gf, gguide, &ggrad,
                                                                                       options, mode, &ggrad_guide);
        CHECK(test::relative_error(got, want) <= test::parity_tolerance);
        CHECK_PARITY(ggrad, grad);
        CHECK_PARITY(ggrad_guide, grad_guide);
    }
    CHECK(test::relative_error(ops::mrf_forward<Pairwise, Neighborhood, weighting>(cuda{}, gf, gguide, options),
                               loss.forward(f, guide)) <= test::parity_tolerance);
}

tensor<cpu> binary_mask(shape4 s, rng& gen) {
    tensor<cpu> t = test::random_tensor(s, gen, 0.0, 1.0);
    for (float& v : t) v = v > 0.5f ? 1.0f : 0.0f;
    return t;
}

}  // namespace

TEST_CASE("cuda MRF losses: fused energy and gradient match the CPU") {
    rng gen(51);
    const mrf_options summed{.lambda = 0.7, .reduce = reduction::sum};
    const mrf_options mean{.lambda = 1.5, .reduce = reduction::mean};
    const tensor<cpu> soft = test::random_tensor({3, 2, 9, 11}, gen, 0.0, 1.0);
    const tensor<cpu> soft1 = test::random_tensor({1, 1, 16, 13}, gen, 0.0, 1.0);
    const tensor<cpu> binary = binary_mask({3, 1, 12, 10}, gen);  // ties everywhere: ising's zero subgradient

    SUBCASE("ising, 4- and 8-neighbourhoods") {
        check_mrf<ising, four_neighborhood>(soft, summed, 1);
        check_mrf<ising, four_neighborhood>(soft1, mean, 2);
        check_mrf<ising, four_neighborhood>(binary, mean, 3);
        check_mrf<ising, eight_neighborhood>(soft, mean, 4);
        check_mrf<ising, eight_neighborhood>(binary, summed, 5);
        check_mrf<ising, eight_neighborhood_distance_weighted>(soft, summed, 6);
    }
    SUBCASE("the other policies") {
        check_mrf<ising_bilinear, four_neighborhood>(soft, mean, 7);
        check_mrf<ising_squared, eight_neighborhood>(soft, summed, 8);
        check_mrf<huber<0.25>, four_neighborhood>(soft, summed, 9);
        check_mrf<charbonnier<0.1>, eight_neighborhood>(soft1, mean, 10);
        tensor<cpu> probs = test::random_tensor({2, 3, 7, 8}, gen, 0.0, 1.0);
        check_mrf<potts<3>, four_neighborhood>(probs, summed, 11);
        check_mrf<potts<3>, eight_neighborhood>(probs, mean, 12);
    }
    SUBCASE("image-guided weights, with the guide's gradient") {
        const tensor<cpu> guide = test::random_tensor({3, 3, 9, 11}, gen, 0.0, 1.0);
        check_guided_mrf<ising, four_neighborhood>(soft, guide, summed, 13);
        check_guided_mrf<ising_squared, eight_neighborhood>(soft, guide, mean, 14);
        tensor<cpu> probs = test::random_tensor({3, 3, 9, 11}, gen, 0.0, 1.0);
        check_guided_mrf<potts<3>, eight_neighborhood_distance_weighted>(probs, guide, summed, 15);
    }
    SUBCASE("errors as on the CPU") {
        const auto two_channels = to_device(soft);
        CHECK_THROWS_AS(ops::mrf_forward<potts<3>>(cuda{}, two_channels, summed), shape_error);
        tensor<cuda> wrong({1, 1, 2, 2});
        CHECK_THROWS_AS(ops::mrf_forward_backward<ising>(cuda{}, two_channels, &wrong, summed,
                                                         gradient_mode::accumulate),
                        shape_error);
    }
}

TEST_CASE("cuda MRF losses: a pairwise energy and a weighting defined in a test file run on the GPU as on the CPU") {
    // The definitions of losses/mrf/custom_policies.hpp, written once: the CUDA
    // kernel calls the same functions as the CPU kernel, with no device twin.
    using testing::mrf::log_cosh;
    using testing::mrf::luminance_lorentzian;
    rng gen(61);
    const mrf_options summed{.lambda = 0.7, .reduce = reduction::sum};
    const mrf_options mean{.lambda = 1.5, .reduce = reduction::mean};
    const tensor<cpu> soft = test::random_tensor({3, 2, 9, 11}, gen, 0.0, 1.0);
    const tensor<cpu> guide = test::random_tensor({3, 3, 9, 11}, gen, -1.0, 1.0);
    check_mrf<log_cosh, four_neighborhood>(soft, summed, 21);
    check_mrf<log_cosh, eight_neighborhood_distance_weighted>(soft, mean, 22);
    check_guided_mrf<log_cosh, eight_neighborhood, luminance_lorentzian>(soft, guide, summed, 23);
    check_guided_mrf<ising_squared, four_neighborhood, luminance_lorentzian>(soft, guide, mean, 24);
    // Without weight_gradient the guide's gradient is refused, as on the CPU.
    const auto gf = to_device(soft), gguide = to_device(guide);
    tensor<cuda> grad, grad_guide;
    CHECK_THROWS_AS((ops::mrf_forward_backward<log_cosh, four_neighborhood,
                                               testing::mrf::luminance_lorentzian_without_gradient>(
                        cuda{}, gf, gguide, &grad, summed, gradient_mode::overwrite, &grad_guide)),
                    argument_error);
}

TEST_CASE("cuda laplacian_l1: energy and gradient match the CPU, both borders") {
    rng gen(91);
    const tensor<cpu> soft = test::random_tensor({3, 2, 9, 11}, gen, 0.0, 1.0);
    const tensor<cpu> binary = binary_mask({2, 1, 12, 10}, gen);
    const tensor<cpu> row = test::random_tensor({2, 1, 1, 7}, gen, 0.0, 1.0);  // one row: every pixel on the border
    const mrf_options summed{.lambda = 0.7, .reduce = reduction::sum};
    const mrf_options mean{.lambda = 1.5, .reduce = reduction::mean};
    for (auto border : {laplacian_border::replicate, laplacian_border::zero})
        for (const tensor<cpu>* f : {&soft, &binary, &row})
            for (const mrf_options& options : {summed, mean}) {
                CAPTURE(border == laplacian_border::replicate);
                CAPTURE(f->shape().str());
                laplacian_l1 loss(options, border);
                const auto gf = to_device(*f);
                tensor<cpu> grad;
                tensor<cuda> ggrad;
                const double want = loss.forward_backward(*f, grad);
                const double got = ops::laplacian_l1_forward_backward(cuda{}, gf, &ggrad, options, border);
                CHECK(test::relative_error(got, want) <= test::parity_tolerance);
                CHECK_PARITY(ggrad, grad);

                tensor<cpu> acc = test::random_tensor(f->shape(), gen, -1e-3, 1e-3);
                auto gacc = to_device(acc);
                loss.forward_backward(*f, acc, gradient_mode::accumulate);
                ops::laplacian_l1_forward_backward(cuda{}, gf, &gacc, options, border, gradient_mode::accumulate);
                CHECK_PARITY(gacc, acc);
                CHECK(test::relative_error(ops::laplacian_l1_forward(cuda{}, gf, options, border), loss.forward(*f)) <=
                      test::parity_tolerance);
            }
}
