#pragma once
// Kernel Inception Distance (Bińkowski et al., "Demystifying MMD GANs", ICLR
// 2018): the squared maximum mean discrepancy between two sets of feature
// vectors under the cubic polynomial kernel
//   k(x, y) = (xᵀy / d + 1)³,
// estimated without bias:
//   MMD²_u = Σ_{i≠j} k(x_i, x_j) / m(m−1) + Σ_{i≠j} k(y_i, y_j) / n(n−1) − 2 Σ_{i,j} k(x_i, y_j) / mn.
// Unlike the FID it is unbiased at any set size, so small sets (a modality of
// a few dozen images, a few hundred generated pairs) can be compared; it can
// come out slightly negative when the sets are alike.
//
// As torch-fidelity and clean-fid report it: the mean and standard deviation
// over `subsets` random subsets of `subset_size` vectors drawn (without
// replacement) from each set; the subset size is capped at the smaller set,
// and when it equals both sets' sizes every subset is the whole set, so one
// estimate is made. Kernel sums are computed in double.
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/core/random.hpp"

namespace isinggan::metrics {

/// Row after row: `rows` feature vectors of `dim` values each.
struct feature_rows {
    std::span<const float> values;
    std::size_t rows = 0, dim = 0;
};

struct kid_options {
    std::size_t subsets = 100;       // torch-fidelity's default
    std::size_t subset_size = 1000;  // capped at the smaller set
    std::uint64_t seed = 0;
};

struct kid_result {
    double mean = 0, std = 0;  // over the subsets (std 0 when one estimate was made)
    std::size_t subsets = 0, subset_size = 0;
};

/// MMD²_u of the two sets of feature vectors (columns of x and y), cubic polynomial kernel.
inline double unbiased_polynomial_mmd2(const Eigen::MatrixXd& x, const Eigen::MatrixXd& y) {
    const double d = double(x.rows()), m = double(x.cols()), n = double(y.cols());
    auto kernel = [d](const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
        Eigen::MatrixXd k = (a.transpose() * b).array() / d + 1.0;
        return Eigen::MatrixXd(k.array().cube());
    };
    const Eigen::MatrixXd kxx = kernel(x, x), kyy = kernel(y, y), kxy = kernel(x, y);
    const double xx = (kxx.sum() - kxx.trace()) / (m * (m - 1));  // i ≠ j
    const double yy = (kyy.sum() - kyy.trace()) / (n * (n - 1));
    return xx + yy - 2.0 * kxy.sum() / (m * n);
}

/// KID between feature sets a and b (same dimension, at least 2 vectors each).
inline kid_result kernel_inception_distance(const feature_rows& a, const feature_rows& b, const kid_options& o = {}) {
    if (a.dim == 0 || a.dim != b.dim)
        throw argument_error("kernel_inception_distance: feature dimensions " + std::to_string(a.dim) + " and " +
                             std::to_string(b.dim) + " differ (or are 0)");
    if (a.values.size() != a.rows * a.dim || b.values.size() != b.rows * b.dim)
        throw argument_error("kernel_inception_distance: a set's values do not fill rows × dim");
    if (a.rows < 2 || b.rows < 2)
        throw argument_error("kernel_inception_distance: needs at least 2 vectors in each set, got " +
                             std::to_string(a.rows) + " and " + std::to_string(b.rows));
    if (o.subsets == 0 || o.subset_size < 2)
        throw argument_error("kernel_inception_distance: needs at least 1 subset of at least 2 vectors");

    kid_result r;
    r.subset_size = std::min({o.subset_size, a.rows, b.rows});
    const bool whole_sets = r.subset_size == a.rows && r.subset_size == b.rows;
    r.subsets = whole_sets ? 1 : o.subsets;

    const auto dim = static_cast<Eigen::Index>(a.dim);
    auto columns = [&](const feature_rows& f, const std::vector<std::size_t>& pick) {
        Eigen::MatrixXd c(dim, static_cast<Eigen::Index>(pick.size()));
        for (std::size_t j = 0; j < pick.size(); ++j)
            for (Eigen::Index i = 0; i < dim; ++i)
                c(i, Eigen::Index(j)) = double(f.values[pick[j] * f.dim + std::size_t(i)]);
        return c;
    };
    // The first `size` entries of a random permutation of 0..rows-1 (partial Fisher–Yates).
    rng gen(o.seed);
    auto draw = [&](std::size_t rows, std::size_t size) {
        std::vector<std::size_t> idx(rows);
        std::iota(idx.begin(), idx.end(), std::size_t{0});
        for (std::size_t i = 0; i < size; ++i) std::swap(idx[i], idx[i + gen.below(rows - i)]);
        idx.resize(size);
        return idx;
    };

    std::vector<double> values;
    for (std::size_t s = 0; s < r.subsets; ++s) {
        const auto ia = draw(a.rows, r.subset_size), ib = draw(b.rows, r.subset_size);
        values.push_back(unbiased_polynomial_mmd2(columns(a, ia), columns(b, ib)));
    }
    r.mean = std::accumulate(values.begin(), values.end(), 0.0) / double(values.size());
    double var = 0;
    for (double v : values) var += (v - r.mean) * (v - r.mean);
    r.std = values.size() > 1 ? std::sqrt(var / double(values.size())) : 0.0;  // as numpy's std (ddof 0)
    return r;
}

}  // namespace isinggan::metrics
