// Tests include/isinggan/metrics/kid.hpp: the unbiased MMD² against a direct
// double loop over the kernel's definition, the subset scheme, and that it
// tells two distributions apart where two samples of one are near 0.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "isinggan/core/random.hpp"
#include "isinggan/metrics/kid.hpp"
#include "support/error_message.hpp"

using namespace isinggan;

namespace {

/// n vectors of d values, row-major: uniform in [0, 1) plus `shift` (Inception features are non-negative).
std::vector<float> features(std::size_t n, std::size_t d, double shift, std::uint64_t seed) {
    rng gen(seed);
    std::vector<float> x(n * d);
    for (float& v : x) v = float(gen.uniform01() + shift);
    return x;
}

/// MMD²_u written as the sums of its definition, one kernel value at a time.
double mmd2_by_definition(const std::vector<float>& x, std::size_t m, const std::vector<float>& y, std::size_t n,
                          std::size_t d) {
    auto k = [d](const float* a, const float* b) {
        double dot = 0;
        for (std::size_t i = 0; i < d; ++i) dot += double(a[i]) * double(b[i]);
        return std::pow(dot / double(d) + 1.0, 3);
    };
    double xx = 0, yy = 0, xy = 0;
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < m; ++j)
            if (i != j) xx += k(&x[i * d], &x[j * d]);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j)
            if (i != j) yy += k(&y[i * d], &y[j * d]);
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) xy += k(&x[i * d], &y[j * d]);
    return xx / double(m * (m - 1)) + yy / double(n * (n - 1)) - 2.0 * xy / double(m * n);
}

metrics::feature_rows rows_of(const std::vector<float>& x, std::size_t n, std::size_t d) { return {x, n, d}; }

}  // namespace

TEST_CASE("kid: whole sets of equal size give the unbiased MMD² of the definition, one estimate") {
    const std::size_t n = 12, d = 7;
    const auto x = features(n, d, 0.0, 1), y = features(n, d, 0.3, 2);
    const auto r = metrics::kernel_inception_distance(rows_of(x, n, d), rows_of(y, n, d));
    CHECK(r.subsets == 1);
    CHECK(r.subset_size == n);
    CHECK(r.std == 0.0);
    const double expected = mmd2_by_definition(x, n, y, n, d);
    CHECK(expected > 0.0);
    CHECK(r.mean == doctest::Approx(expected).epsilon(1e-12));
}

TEST_CASE("kid: subsets are drawn without replacement, reproducibly, and average to the whole-set estimate") {
    const std::size_t n = 40, d = 5;
    const auto x = features(n, d, 0.0, 3), y = features(n + 9, d, 0.2, 4);
    metrics::kid_options o{.subsets = 200, .subset_size = 30, .seed = 7};
    const auto r = metrics::kernel_inception_distance(rows_of(x, n, d), rows_of(y, n + 9, d), o);
    CHECK(r.subsets == 200);
    CHECK(r.subset_size == 30);
    CHECK(r.std > 0.0);
    // The same seed draws the same subsets; another seed others.
    const auto again = metrics::kernel_inception_distance(rows_of(x, n, d), rows_of(y, n + 9, d), o);
    CHECK(again.mean == r.mean);
    o.seed = 8;
    CHECK(metrics::kernel_inception_distance(rows_of(x, n, d), rows_of(y, n + 9, d), o).mean != r.mean);
    // Unbiased for every subset size: the subsets' mean is near the whole sets' estimate.
    const double whole = mmd2_by_definition(x, n, y, n + 9, d);
    CHECK(std::abs(r.mean - whole) < 3.0 * r.std / std::sqrt(double(r.subsets)) + 1e-3 * std::abs(whole));
    // A subset larger than a set is capped at the smaller set.
    o.subset_size = 1000;
    CHECK(metrics::kernel_inception_distance(rows_of(x, n, d), rows_of(y, n + 9, d), o).subset_size == n);
}

TEST_CASE("kid: two samples of one distribution are near 0, two distributions are not") {
    const std::size_t n = 200, d = 16;
    const auto a = features(n, d, 0.0, 5), b = features(n, d, 0.0, 6), c = features(n, d, 0.1, 7);
    const auto same = metrics::kernel_inception_distance(rows_of(a, n, d), rows_of(b, n, d));
    const auto other = metrics::kernel_inception_distance(rows_of(a, n, d), rows_of(c, n, d));
    CHECK(std::abs(same.mean) < 0.1 * other.mean);
    CHECK(other.mean > 0.0);
}

TEST_CASE("kid: mismatched or too small sets are refused with the numbers") {
    const auto x = features(4, 3, 0.0, 1), y = features(4, 2, 0.0, 2);
    using testing::error_message, testing::mentions;
    CHECK(mentions(error_message<argument_error>([&] {
                       metrics::kernel_inception_distance(rows_of(x, 4, 3), rows_of(y, 4, 2));
                   }),
                   "dimensions 3 and 2"));
    CHECK(mentions(error_message<argument_error>([&] {
                       metrics::kernel_inception_distance(rows_of(x, 4, 3), {std::span<const float>(x).first(3), 1, 3});
                   }),
                   "at least 2 vectors in each set, got 4 and 1"));
    CHECK_THROWS_AS(metrics::kernel_inception_distance(rows_of(x, 4, 3), {std::span<const float>(x).first(5), 2, 3}),
                    argument_error);
}
