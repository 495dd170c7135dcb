#include <doctest/doctest.h>

#include <string>

#include "isinggan/metrics/iou.hpp"
#include "support/mask_from_rows.hpp"

using namespace isinggan;
using metrics::iou_accumulator;
using metrics::prediction_kind;

namespace {

tensor<cpu> mask(std::initializer_list<std::string> rows) { return testing::mask_from_rows(rows); }

double iou_of(const tensor<cpu>& p, const tensor<cpu>& t) {
    iou_accumulator acc;
    acc.add(p, t, prediction_kind::probabilities);
    return acc.mean_per_image();
}

}  // namespace

TEST_CASE("iou: identical masks score 1, disjoint masks 0") {
    const tensor<cpu> a = mask({"##..", "##..", "....", "...."});
    const tensor<cpu> b = mask({"....", "....", "..##", "..##"});
    CHECK(iou_of(a, a) == 1.0);
    CHECK(iou_of(a, b) == 0.0);
}

TEST_CASE("iou: half overlap and a partial overlap give the exact ratio") {
    // Same area, shifted by half: intersection 2, union 6.
    const tensor<cpu> a = mask({"##..", "##..", "....", "...."});
    const tensor<cpu> b = mask({".##.", ".##.", "....", "...."});
    CHECK(iou_of(a, b) == doctest::Approx(2.0 / 6.0).epsilon(1e-12));
    // Prediction covers the left half of the truth: 4 / 8.
    const tensor<cpu> truth = mask({"####", "####", "....", "...."});
    const tensor<cpu> half = mask({"##..", "##..", "....", "...."});
    CHECK(iou_of(half, truth) == 0.5);
}

TEST_CASE("iou: two empty masks agree perfectly, empty against non-empty scores 0") {
    const tensor<cpu> empty = mask({"...", "..."});
    const tensor<cpu> one = mask({"#..", "..."});
    CHECK(iou_of(empty, empty) == 1.0);
    CHECK(iou_of(empty, one) == 0.0);
    CHECK(iou_of(one, empty) == 0.0);
}

TEST_CASE("iou: logits are thresholded at 0, probabilities at 0.5") {
    tensor<cpu> truth({1, 1, 1, 4}, {1, 1, 0, 0});
    tensor<cpu> logits({1, 1, 1, 4}, {0.0f, 3.0f, -0.1f, -4.0f});
    tensor<cpu> probs({1, 1, 1, 4}, {0.5f, 0.49f, 0.2f, 0.9f});
    iou_accumulator a, b;
    a.add(logits, truth, prediction_kind::logits);
    b.add(probs, truth, prediction_kind::probabilities);
    CHECK(a.mean_per_image() == 1.0);
    CHECK(b.mean_per_image() == doctest::Approx(1.0 / 3.0));  // {0,3} against {0,1}
}

TEST_CASE("iou: mean per image and pooled differ as documented") {
    // Image 0: big foreground, IoU 8/16. Image 1: one pixel, IoU 1.
    tensor<cpu> pred({2, 1, 4, 4}, 0.0f), truth({2, 1, 4, 4}, 0.0f);
    for (std::size_t y = 0; y < 4; ++y)
        for (std::size_t x = 0; x < 4; ++x) {
            truth(0, 0, y, x) = 1;
            pred(0, 0, y, x) = x < 2 ? 1.0f : 0.0f;
        }
    truth(1, 0, 0, 0) = pred(1, 0, 0, 0) = 1;
    iou_accumulator acc;
    acc.add(pred, truth, prediction_kind::probabilities);
    CHECK(acc.images() == 2);
    CHECK(acc.mean_per_image() == doctest::Approx((0.5 + 1.0) / 2));
    CHECK(acc.pooled() == doctest::Approx(9.0 / 17.0));
    CHECK(acc.pooled_counts().intersection == 9);
    CHECK(acc.pooled_counts().union_size == 17);
}

TEST_CASE("iou: quartiles interpolate like numpy.percentile") {
    const auto f = metrics::quartiles({4.0, 1.0, 3.0, 2.0});
    CHECK(f.min == 1.0);
    CHECK(f.q1 == doctest::Approx(1.75));
    CHECK(f.median == doctest::Approx(2.5));
    CHECK(f.q3 == doctest::Approx(3.25));
    CHECK(f.max == 4.0);
    const auto single = metrics::quartiles({0.3});
    CHECK(single.q1 == 0.3);
    CHECK(single.q3 == 0.3);
}

TEST_CASE("iou: bad input is refused with a message") {
    iou_accumulator acc;
    CHECK_THROWS_AS(acc.mean_per_image(), argument_error);
    CHECK_THROWS_AS(acc.pooled(), argument_error);
    CHECK_THROWS_AS(acc.add(tensor<cpu>({1, 1, 2, 2}), tensor<cpu>({1, 1, 2, 3}), prediction_kind::logits),
                    shape_error);
    CHECK_THROWS_AS(acc.add(tensor<cpu>({1, 2, 2, 2}), tensor<cpu>({1, 2, 2, 2}), prediction_kind::logits),
                    shape_error);
}
