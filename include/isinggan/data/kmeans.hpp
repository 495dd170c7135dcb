#pragma once
// Seeded k-means for small feature tables (hundreds of points, tens of
// dimensions): k-means++ seeding, Lloyd iterations, several restarts keeping
// the lowest within-cluster sum of squares. Points are rows of a row-major
// n x dims array. Used to split BBBC038 into the paper's modalities.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/core/random.hpp"

namespace isinggan::data {

struct kmeans_options {
    std::size_t k = 5;
    std::size_t restarts = 10;
    std::size_t max_iterations = 300;
    std::uint64_t seed = 0;
};

struct kmeans_result {
    std::vector<std::size_t> labels;  ///< cluster of each point, 0..k-1
    std::vector<double> centroids;    ///< k x dims, row-major
    std::vector<std::size_t> sizes;   ///< points per cluster
    double inertia = 0.0;             ///< sum of squared distances to the assigned centroid
};

/// Each column shifted to mean 0 and scaled to (population) standard
/// deviation 1; a constant column becomes 0.
inline std::vector<double> standardize(std::span<const double> points, std::size_t dims) {
    if (dims == 0 || points.size() % dims) throw argument_error("standardize: data is not a whole number of rows");
    const std::size_t n = points.size() / dims;
    std::vector<double> out(points.begin(), points.end());
    for (std::size_t j = 0; j < dims; ++j) {
        double mean = 0, var = 0;
        for (std::size_t i = 0; i < n; ++i) mean += points[i * dims + j];
        mean /= static_cast<double>(n);
        for (std::size_t i = 0; i < n; ++i) var += (points[i * dims + j] - mean) * (points[i * dims + j] - mean);
        const double sd = std::sqrt(var / static_cast<double>(n));
        for (std::size_t i = 0; i < n; ++i) out[i * dims + j] = sd > 0 ? (points[i * dims + j] - mean) / sd : 0.0;
    }
    return out;
}

namespace kmeans_detail {

inline double distance2(const double* a, const double* b, std::size_t dims) {
    double s = 0;
    for (std::size_t j = 0; j < dims; ++j) s += (a[j] - b[j]) * (a[j] - b[j]);
    return s;
}

/// k-means++: the first centre uniformly, each next one with probability
/// proportional to the squared distance to the nearest centre so far.
inline std::vector<double> seed_plus_plus(std::span<const double> x, std::size_t n, std::size_t dims, std::size_t k,
                                          rng& gen) {
    std::vector<double> centres(k * dims);
    std::vector<double> nearest(n, std::numeric_limits<double>::infinity());
    std::size_t pick = gen.below(n);
    for (std::size_t c = 0; c < k; ++c) {
        std::copy_n(x.data() + pick * dims, dims, centres.data() + c * dims);
        double total = 0;
        for (std::size_t i = 0; i < n; ++i) {
            nearest[i] = std::min(nearest[i], distance2(x.data() + i * dims, centres.data() + c * dims, dims));
            total += nearest[i];
        }
        if (c + 1 == k) break;
        if (total <= 0) {  // every point sits on a centre: any point will do
            pick = gen.below(n);
            continue;
        }
        double target = gen.uniform01() * total;
        pick = n - 1;
        for (std::size_t i = 0; i < n; ++i) {
            target -= nearest[i];
            if (target < 0) {
                pick = i;
                break;
            }
        }
    }
    return centres;
}

inline kmeans_result lloyd(std::span<const double> x, std::size_t n, std::size_t dims, std::size_t k,
                           std::vector<double> centres, std::size_t max_iterations) {
    kmeans_result r;
    r.labels.assign(n, k);
    for (std::size_t it = 0; it < max_iterations; ++it) {
        bool changed = false;
        for (std::size_t i = 0; i < n; ++i) {
            std::size_t best = 0;
            double best_d = std::numeric_limits<double>::infinity();
            for (std::size_t c = 0; c < k; ++c) {
                const double d = distance2(x.data() + i * dims, centres.data() + c * dims, dims);
                if (d < best_d) best_d = d, best = c;
            }
            changed |= r.labels[i] != best;
            r.labels[i] = best;
        }
        if (!changed) break;
        std::vector<double> sums(k * dims, 0.0);
        std::vector<std::size_t> counts(k, 0);
        for (std::size_t i = 0; i < n; ++i) {
            ++counts[r.labels[i]];
            for (std::size_t j = 0; j < dims; ++j) sums[r.labels[i] * dims + j] += x[i * dims + j];
        }
        for (std::size_t c = 0; c < k; ++c) {
            if (counts[c] == 0) {
                // An emptied cluster takes the point farthest from its centre.
                std::size_t far = 0;
                double far_d = -1;
                for (std::size_t i = 0; i < n; ++i) {
                    const double d = distance2(x.data() + i * dims, centres.data() + r.labels[i] * dims, dims);
                    if (d > far_d) far_d = d, far = i;
                }
                std::copy_n(x.data() + far * dims, dims, centres.data() + c * dims);
                continue;
            }
            for (std::size_t j = 0; j < dims; ++j) centres[c * dims + j] = sums[c * dims + j] / static_cast<double>(counts[c]);
        }
    }
    r.centroids = std::move(centres);
    r.sizes.assign(k, 0);
    for (std::size_t i = 0; i < n; ++i) {
        ++r.sizes[r.labels[i]];
        r.inertia += distance2(x.data() + i * dims, r.centroids.data() + r.labels[i] * dims, dims);
    }
    return r;
}

}  // namespace kmeans_detail

/// Clusters the n = points.size() / dims rows of `points` into options.k clusters.
inline kmeans_result kmeans(std::span<const double> points, std::size_t dims, const kmeans_options& options = {}) {
    if (dims == 0 || points.size() % dims) throw argument_error("kmeans: data is not a whole number of rows");
    const std::size_t n = points.size() / dims;
    if (options.k == 0 || options.k > n)
        throw argument_error("kmeans: k = " + std::to_string(options.k) + " needs 1 <= k <= the " + std::to_string(n) +
                             " points");
    for (double v : points)
        if (!std::isfinite(v)) throw argument_error("kmeans: the data holds a NaN or infinite value");
    rng gen(options.seed);
    kmeans_result best;
    best.inertia = std::numeric_limits<double>::infinity();
    for (std::size_t run = 0; run < std::max<std::size_t>(options.restarts, 1); ++run) {
        auto centres = kmeans_detail::seed_plus_plus(points, n, dims, options.k, gen);
        auto r = kmeans_detail::lloyd(points, n, dims, options.k, std::move(centres), options.max_iterations);
        if (r.inertia < best.inertia) best = std::move(r);
    }
    return best;
}

/// Renumbers clusters by decreasing size (ties: the cluster holding the
/// lower-numbered point first), so cluster 0 is the largest.
inline void order_by_size(kmeans_result& r) {
    const std::size_t k = r.sizes.size();
    const std::size_t dims = k ? r.centroids.size() / k : 0;
    std::vector<std::size_t> first_point(k, r.labels.size());
    for (std::size_t i = r.labels.size(); i-- > 0;) first_point[r.labels[i]] = i;
    std::vector<std::size_t> order(k);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return r.sizes[a] != r.sizes[b] ? r.sizes[a] > r.sizes[b] : first_point[a] < first_point[b];
    });
    std::vector<std::size_t> new_label(k);
    for (std::size_t i = 0; i < k; ++i) new_label[order[i]] = i;
    for (auto& l : r.labels) l = new_label[l];
    std::vector<double> centroids(r.centroids.size());
    std::vector<std::size_t> sizes(k);
    for (std::size_t c = 0; c < k; ++c) {
        sizes[new_label[c]] = r.sizes[c];
        std::copy_n(r.centroids.data() + c * dims, dims, centroids.data() + new_label[c] * dims);
    }
    r.centroids = std::move(centroids);
    r.sizes = std::move(sizes);
}

}  // namespace isinggan::data
