#pragma once
// FID statistics in pytorch-fid's .npz form: arrays `mu` [d] and `sigma`
// [d, d] (float64; read as any real type io/npz.hpp accepts). A file that is
// no such statistics gives an io_error naming it.
#include <filesystem>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/io/npy.hpp"
#include "isinggan/io/npz.hpp"
#include "isinggan/metrics/fid.hpp"

namespace isinggan::metrics {

/// pytorch-fid statistics: arrays `mu` [d] and `sigma` [d, d].
inline fid_statistics read_fid_statistics(const std::filesystem::path& path) {
    const auto arrays = npz::read(path);
    const std::string name = path.string();
    const auto mu = arrays.find("mu"), sigma = arrays.find("sigma");
    if (mu == arrays.end() || sigma == arrays.end())
        throw io_error(name + ": not FID statistics: needs arrays \"mu\" and \"sigma\"");
    if (mu->second.shape.size() != 1)
        throw io_error(name + ": \"mu\" must be one-dimensional, has shape " + npy::shape_string(mu->second.shape));
    const std::size_t d = mu->second.shape[0];
    if (sigma->second.shape != std::vector<std::size_t>{d, d})
        throw io_error(name + ": \"sigma\" has shape " + npy::shape_string(sigma->second.shape) + ", expected (" +
                       std::to_string(d) + ", " + std::to_string(d) + ")");
    fid_statistics s;
    const auto di = static_cast<Eigen::Index>(d);
    s.mu = Eigen::Map<const Eigen::VectorXd>(mu->second.values.data(), di);
    s.sigma = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        sigma->second.values.data(), di, di);
    return s;
}

inline void write_fid_statistics(const std::filesystem::path& path, const fid_statistics& s) {
    const std::size_t d = s.dim();
    npy::array mu{{d}, std::vector<double>(s.mu.data(), s.mu.data() + s.mu.size())};
    npy::array sigma{{d, d}, std::vector<double>(d * d)};
    Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        sigma.values.data(), static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(d)) = s.sigma;
    npz::write(path, {{"mu", std::move(mu)}, {"sigma", std::move(sigma)}});
}

}  // namespace isinggan::metrics
