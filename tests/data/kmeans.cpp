// Tests include/isinggan/data/kmeans.hpp: well separated blobs are found
// exactly, results are seeded, clusters are renumbered by size.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "isinggan/core/random.hpp"
#include "isinggan/data/kmeans.hpp"

using namespace isinggan;

namespace {

/// Blobs of the given sizes around far-apart centres in 3-D; returns the points and true labels.
std::vector<double> blobs(const std::vector<std::size_t>& sizes, std::vector<std::size_t>& truth, std::uint64_t seed) {
    rng gen(seed);
    std::vector<double> x;
    for (std::size_t b = 0; b < sizes.size(); ++b)
        for (std::size_t i = 0; i < sizes[b]; ++i) {
            for (std::size_t j = 0; j < 3; ++j) x.push_back(gen.normal(20.0 * double(b) * (j == b % 3 ? 1 : 0.5), 0.5));
            truth.push_back(b);
        }
    return x;
}

}  // namespace

TEST_CASE("kmeans: recovers separated blobs and numbers them by decreasing size") {
    std::vector<std::size_t> truth;
    const auto x = blobs({10, 40, 5, 25}, truth, 1);
    data::kmeans_options o;
    o.k = 4;
    o.seed = 3;
    auto r = data::kmeans(x, 3, o);
    data::order_by_size(r);
    CHECK(r.sizes == std::vector<std::size_t>{40, 25, 10, 5});
    const std::size_t expected_label[4] = {2, 0, 3, 1};  // blob b has rank expected_label[b] by size
    for (std::size_t i = 0; i < truth.size(); ++i) CHECK(r.labels[i] == expected_label[truth[i]]);
    // Each centroid is the mean of its points.
    for (std::size_t c = 0; c < 4; ++c) {
        double mean0 = 0;
        for (std::size_t i = 0; i < truth.size(); ++i)
            if (r.labels[i] == c) mean0 += x[i * 3];
        CHECK(r.centroids[c * 3] == doctest::Approx(mean0 / double(r.sizes[c])));
    }
}

TEST_CASE("kmeans: the same seed gives the same result, k = 1 is the mean, bad input is rejected") {
    std::vector<std::size_t> truth;
    const auto x = blobs({30, 30, 30}, truth, 2);
    data::kmeans_options o;
    o.k = 5;  // more clusters than blobs: the split depends on the seed
    o.seed = 11;
    const auto a = data::kmeans(x, 3, o), b = data::kmeans(x, 3, o);
    CHECK(a.labels == b.labels);
    CHECK(a.inertia == b.inertia);

    o.k = 1;
    const auto one = data::kmeans(x, 3, o);
    double mean = 0;
    for (std::size_t i = 0; i < 90; ++i) mean += x[i * 3 + 1];
    CHECK(one.centroids[1] == doctest::Approx(mean / 90));

    o.k = 91;
    CHECK_THROWS_AS(data::kmeans(x, 3, o), argument_error);
    std::vector<double> with_nan = x;
    with_nan[5] = std::nan("");
    o.k = 2;
    CHECK_THROWS_AS(data::kmeans(with_nan, 3, o), argument_error);
    CHECK_THROWS_AS(data::kmeans(std::vector<double>(10), 3, o), argument_error);
}

TEST_CASE("kmeans: more restarts never give a worse inertia, duplicates do not break seeding") {
    std::vector<std::size_t> truth;
    const auto x = blobs({20, 15, 12, 8, 6, 30}, truth, 5);
    data::kmeans_options o;
    o.k = 5;
    o.seed = 7;
    o.restarts = 1;
    const double single = data::kmeans(x, 3, o).inertia;
    o.restarts = 20;
    CHECK(data::kmeans(x, 3, o).inertia <= single);

    const std::vector<double> same(12, 1.5);  // 4 identical points in 3-D
    o.k = 3;
    const auto r = data::kmeans(same, 3, o);
    CHECK(r.inertia == 0.0);
    CHECK(r.labels.size() == 4);
}

TEST_CASE("kmeans: standardize gives zero mean and unit deviation, constant columns become 0") {
    const std::vector<double> x = {1, 5, 100, 3, 5, 200, 5, 5, 600};
    const auto z = data::standardize(x, 3);
    for (std::size_t j = 0; j < 3; ++j) {
        double m = 0, v = 0;
        for (std::size_t i = 0; i < 3; ++i) m += z[i * 3 + j];
        for (std::size_t i = 0; i < 3; ++i) v += z[i * 3 + j] * z[i * 3 + j];
        CHECK(m == doctest::Approx(0.0));
        CHECK(v / 3 == doctest::Approx(j == 1 ? 0.0 : 1.0));
    }
    CHECK(z[0] == doctest::Approx(-std::sqrt(1.5)));
}
