// Tests include/isinggan/metrics/fid.hpp: statistics against np.mean/np.cov and
// the Fréchet distance against a float64 numpy reference (the trace of
// sqrtm(Σ1 Σ2) as scipy computes it) on 2048-d hashed feature sets, one with
// more samples than dimensions and one rank-deficient.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "isinggan/metrics/fid.hpp"
#include "metrics/fid_hashed_values.hpp"

using namespace isinggan;

namespace {

std::map<std::string, double> frechet_reference() {
    std::ifstream in(std::string(ISINGGAN_TEST_FIXTURES) + "/fid/frechet_reference.txt");
    REQUIRE(in);
    std::map<std::string, double> values;
    std::string key;
    double v;
    std::getline(in, key);  // comment line
    while (in >> key >> v) values[key] = v;
    return values;
}

/// The features of make_fid_fixtures.py's hashed_features, in float32, row-major.
std::vector<float> hashed_features(std::uint64_t stream, std::size_t n, std::size_t d, double shift, double scale) {
    const auto raw = testing::hashed_uniforms(stream, n * d);
    const auto mix = testing::hashed_uniforms(stream + 1, 16 * d);
    std::vector<float> x(n * d);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < d; ++j) {
            double correlated = 0.0;
            for (std::size_t k = 0; k < 16; ++k) correlated += raw[i * d + k] * (mix[k * d + j] - 0.5);
            x[i * d + j] = static_cast<float>((raw[i * d + j] + correlated) * scale + shift);
        }
    return x;
}

metrics::fid_statistics statistics_of(std::uint64_t stream, std::size_t n, double shift, double scale,
                                      std::size_t batch) {
    const std::size_t d = 2048;
    const auto x = hashed_features(stream, n, d, shift, scale);
    metrics::feature_statistics_accumulator acc(d);
    for (std::size_t i = 0; i < n; i += batch) {
        const std::size_t rows = std::min(batch, n - i);
        acc.add(std::span<const float>(x.data() + i * d, rows * d), rows);
    }
    return acc.statistics();
}

void check_relative(double got, double expected, double tolerance) {
    CAPTURE(got);
    CAPTURE(expected);
    CHECK(std::abs(got - expected) <= tolerance * std::abs(expected));
}

void check_case(const std::string& name, const metrics::fid_statistics& a, const metrics::fid_statistics& b) {
    const auto ref = frechet_reference();
    REQUIRE(ref.count(name + "_fid"));
    for (const auto& [tag, s] : {std::pair{name + "_a", &a}, std::pair{name + "_b", &b}}) {
        CAPTURE(tag);
        check_relative(s->mu.sum(), ref.at(tag + "_mu_sum"), 1e-9);
        check_relative(s->sigma.trace(), ref.at(tag + "_sigma_trace"), 1e-9);
        check_relative(s->sigma(0, 1), ref.at(tag + "_sigma_0_1"), 1e-7);
        check_relative(s->sigma(100, 2047), ref.at(tag + "_sigma_100_2047"), 1e-7);
    }
    check_relative(metrics::frechet_distance(a, b), ref.at(name + "_fid"), 1e-6);
}

}  // namespace

TEST_CASE("fid: statistics and Fréchet distance match numpy, 2048-d, more samples than dimensions") {
    const auto a = statistics_of(101, 2600, 0.0, 1.0, 50);
    const auto b = statistics_of(201, 2600, 0.1, 1.2, 333);
    CHECK(a.count == 2600);
    CHECK_FALSE(metrics::small_sample_warning(a).has_value());
    check_case("well", a, b);
}

TEST_CASE("fid: rank-deficient covariances (fewer samples than dimensions) still match, with a warning") {
    const auto a = statistics_of(301, 300, 0.0, 1.0, 300);
    const auto b = statistics_of(401, 250, 0.05, 0.9, 7);
    const auto warning = metrics::small_sample_warning(a);
    REQUIRE(warning.has_value());
    CHECK(warning->find("300 images") != std::string::npos);
    check_case("ill", a, b);
}

TEST_CASE("fid: distance of a distribution to itself is zero, and known closed forms hold") {
    metrics::fid_statistics a;
    a.mu = Eigen::VectorXd::Zero(3);
    a.sigma = Eigen::Vector3d(1.0, 4.0, 9.0).asDiagonal();
    CHECK(std::abs(metrics::frechet_distance(a, a)) < 1e-12);
    // Diagonal covariances: Σ (μ1 − μ2)² + Σ (√s1 − √s2)².
    metrics::fid_statistics b;
    b.mu = Eigen::Vector3d(1.0, 0.0, -2.0);
    b.sigma = Eigen::Vector3d(4.0, 4.0, 1.0).asDiagonal();
    CHECK(metrics::frechet_distance(a, b) == doctest::Approx(1.0 + 4.0 + (1.0 + 0.0 + 4.0)).epsilon(1e-12));
}

TEST_CASE("fid: singular covariances with dead and repeated features give d(s, s) = 0 and d(s, s + δ) = |δ|²") {
    // A patterned feature set whose covariance has many zero and round-off
    // eigenvalues (a pivoted LDLᵀ of it blows up; the eigensolver must not).
    const std::size_t d = 512, n = 600;
    std::vector<float> x(n * d);
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = (i % d) % 7 == 3 ? 0.0f : float((i * 2654435761u) % 1000) / 1000.0f;
    metrics::feature_statistics_accumulator acc(d);
    acc.add(x, n);
    const auto s = acc.statistics();
    const double trace = s.sigma.trace();
    CHECK(std::abs(metrics::frechet_distance(s, s)) <= 1e-6 * trace);
    auto shifted = s;
    shifted.mu.array() += 0.01;
    CHECK(metrics::frechet_distance(s, shifted) == doctest::Approx(0.0001 * double(d)).epsilon(1e-6 * trace / 0.0512));
}

TEST_CASE("fid: bad statistics are refused with a message") {
    metrics::fid_statistics a, b;
    a.mu = Eigen::VectorXd::Zero(3);
    a.sigma = Eigen::MatrixXd::Identity(3, 3);
    b.mu = Eigen::VectorXd::Zero(4);
    b.sigma = Eigen::MatrixXd::Identity(4, 4);
    CHECK_THROWS_AS(metrics::frechet_distance(a, b), shape_error);
    b.mu = Eigen::VectorXd::Zero(3);
    CHECK_THROWS_AS(metrics::frechet_distance(a, b), shape_error);
    b.sigma = Eigen::MatrixXd::Identity(3, 3);
    b.sigma(1, 1) = std::nan("");
    CHECK_THROWS_AS(metrics::frechet_distance(a, b), argument_error);

    metrics::feature_statistics_accumulator acc(3);
    const float one[3] = {1, 2, 3};
    acc.add(one, 1);
    CHECK_THROWS_AS(acc.statistics(), argument_error);  // one vector has no covariance
    CHECK_THROWS_AS(acc.add(std::span<const float>(one, 2), 1), argument_error);
}
