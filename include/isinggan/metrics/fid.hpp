#pragma once
// Fréchet Inception Distance: the statistics of a set of feature vectors
// (mean and covariance) and the Fréchet distance between two such Gaussians,
//   d² = ‖μ1 − μ2‖² + tr Σ1 + tr Σ2 − 2 tr (Σ1^½ Σ2 Σ1^½)^½,
// as pytorch-fid computes it (there with scipy's sqrtm of Σ1 Σ2, whose trace
// is the same number).
//
// Everything is in double. The covariance uses the N − 1 divisor (numpy's
// np.cov). Features are accumulated relative to the mean of the first batch,
// which leaves the covariance unchanged but avoids the cancellation of
// E[xxᵀ] − μμᵀ when the mean is large against the spread.
//
// tr (Σ1^½ Σ2 Σ1^½)^½ is the sum of the square roots of the eigenvalues of
// Σ1^½ Σ2 Σ1^½. With Σ1 = V Λ Vᵀ from Eigen's self-adjoint eigensolver and
// W = V Λ^½, those are the eigenvalues of the symmetric Wᵀ Σ2 W (eigenvalues
// only). Both matrices are positive semi-definite in exact arithmetic;
// eigenvalues that round-off makes slightly negative are clamped to 0 (the
// covariance of fewer than `dim` samples is singular, so this happens).
// A pivoted LDLᵀ of Σ1 would be faster but is not stable for singular
// covariances (its factor grows without bound), so it is not used.
#include <Eigen/Dense>
#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "isinggan/core/error.hpp"

namespace isinggan::metrics {

/// Mean and covariance of a set of feature vectors; `count` is the number of
/// vectors they came from (0 when unknown, e.g. read from a .npz file).
struct fid_statistics {
    Eigen::VectorXd mu;
    Eigen::MatrixXd sigma;
    std::size_t count = 0;

    std::size_t dim() const noexcept { return static_cast<std::size_t>(mu.size()); }
};

/// Feature vectors at least this many are needed for a full-rank 2048-d
/// covariance; fewer give a biased FID (pytorch-fid warns likewise).
inline constexpr std::size_t fid_recommended_samples = 2048;

/// A warning to show when statistics come from fewer vectors than their
/// dimension; nothing when the count is unknown (0) or large enough.
inline std::optional<std::string> small_sample_warning(const fid_statistics& s) {
    if (s.count == 0 || s.count >= s.dim()) return std::nullopt;
    return "statistics from " + std::to_string(s.count) + " images: fewer than the feature dimension (" +
           std::to_string(s.dim()) + "), so the covariance is rank-deficient and the FID is biased; use at least " +
           std::to_string(fid_recommended_samples) + " images for numbers comparable with published ones";
}

/// Accumulates feature vectors batch by batch, then yields their statistics.
class feature_statistics_accumulator {
public:
    explicit feature_statistics_accumulator(std::size_t dim) : dim_(dim) {
        if (dim == 0) throw argument_error("feature_statistics_accumulator: dimension must be positive");
        const auto d = static_cast<Eigen::Index>(dim);
        sum_ = Eigen::VectorXd::Zero(d);
        outer_ = Eigen::MatrixXd::Zero(d, d);
    }

    std::size_t dim() const noexcept { return dim_; }
    std::size_t count() const noexcept { return count_; }

    /// Adds `rows` vectors stored row after row (rows × dim floats).
    void add(std::span<const float> features, std::size_t rows) {
        if (features.size() != rows * dim_)
            throw argument_error("feature_statistics_accumulator::add: " + std::to_string(rows) + " rows of " +
                                 std::to_string(dim_) + " need " + std::to_string(rows * dim_) + " values, got " +
                                 std::to_string(features.size()));
        if (rows == 0) return;
        const auto d = static_cast<Eigen::Index>(dim_);
        const auto r = static_cast<Eigen::Index>(rows);
        Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> batch(features.data(),
                                                                                                     r, d);
        // Columns are vectors: dim × rows, in double.
        Eigen::MatrixXd x = batch.transpose().cast<double>();
        if (!x.allFinite())
            throw argument_error("feature_statistics_accumulator::add: features contain NaN or infinity");
        if (count_ == 0) shift_ = x.rowwise().mean();
        x.colwise() -= shift_;
        sum_ += x.rowwise().sum();
        outer_.selfadjointView<Eigen::Lower>().rankUpdate(x);
        count_ += rows;
    }

    /// Mean and covariance (N − 1 divisor); needs at least two vectors.
    fid_statistics statistics() const {
        if (count_ < 2)
            throw argument_error("FID statistics need at least 2 feature vectors, got " + std::to_string(count_));
        const double n = static_cast<double>(count_);
        const Eigen::VectorXd centred_mean = sum_ / n;
        fid_statistics s;
        s.count = count_;
        s.mu = shift_ + centred_mean;
        Eigen::MatrixXd second = outer_.selfadjointView<Eigen::Lower>();
        s.sigma = (second - n * centred_mean * centred_mean.transpose()) / (n - 1.0);
        return s;
    }

private:
    std::size_t dim_;
    std::size_t count_ = 0;
    Eigen::VectorXd shift_;
    Eigen::VectorXd sum_;
    Eigen::MatrixXd outer_;  // lower triangle of Σ (x − shift)(x − shift)ᵀ
};

namespace fid_detail {

inline void check_statistics(const fid_statistics& s, const char* which) {
    const auto d = s.mu.size();
    if (d == 0) throw argument_error(std::string("Fréchet distance: ") + which + " statistics are empty");
    if (s.sigma.rows() != d || s.sigma.cols() != d)
        throw shape_error(std::string("Fréchet distance: ") + which + " statistics have a mean of dimension " +
                          std::to_string(d) + " but a covariance of " + std::to_string(s.sigma.rows()) + "x" +
                          std::to_string(s.sigma.cols()));
    if (!s.mu.allFinite() || !s.sigma.allFinite())
        throw argument_error(std::string("Fréchet distance: ") + which + " statistics contain NaN or infinity");
}

}  // namespace fid_detail

/// Fréchet distance between N(a.mu, a.sigma) and N(b.mu, b.sigma).
inline double frechet_distance(const fid_statistics& a, const fid_statistics& b) {
    fid_detail::check_statistics(a, "first");
    fid_detail::check_statistics(b, "second");
    if (a.mu.size() != b.mu.size())
        throw shape_error("Fréchet distance: the statistics have dimensions " + std::to_string(a.mu.size()) + " and " +
                          std::to_string(b.mu.size()));
    // Symmetrise: a covariance read from a file may be asymmetric in its last bits.
    const Eigen::MatrixXd s1 = 0.5 * (a.sigma + a.sigma.transpose());
    const Eigen::MatrixXd s2 = 0.5 * (b.sigma + b.sigma.transpose());

    // Σ1 = V Λ Vᵀ; with W = V Λ^½, Σ1^½ Σ2 Σ1^½ = V (Wᵀ Σ2 W) Vᵀ has the eigenvalues of Wᵀ Σ2 W.
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig1(s1, Eigen::ComputeEigenvectors);
    if (eig1.info() != Eigen::Success) throw argument_error("Fréchet distance: eigendecomposition of Σ1 failed");
    const Eigen::MatrixXd factor = eig1.eigenvectors() * eig1.eigenvalues().cwiseMax(0.0).cwiseSqrt().asDiagonal();
    Eigen::MatrixXd m = factor.transpose() * s2 * factor;
    m = 0.5 * (m + m.transpose()).eval();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(m, Eigen::EigenvaluesOnly);
    if (eig.info() != Eigen::Success)
        throw argument_error("Fréchet distance: eigenvalues of Σ1^½ Σ2 Σ1^½ did not converge");
    const double trace_sqrt = eig.eigenvalues().cwiseMax(0.0).cwiseSqrt().sum();

    return (a.mu - b.mu).squaredNorm() + s1.trace() + s2.trace() - 2.0 * trace_sqrt;
}

}  // namespace isinggan::metrics
