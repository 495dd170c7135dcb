#pragma once
// Views of host memory as Eigen matrices, without copying.
#include <Eigen/Core>

#include "isinggan/core/tensor.hpp"

namespace isinggan {

template <class T>
using row_major_matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// The tensor as a row-major matrix of `rows` x (size / rows); by default one
/// row per sample (N x CHW), the layout a dense layer multiplies.
template <class T>
Eigen::Map<row_major_matrix<T>, Eigen::Aligned64> as_matrix(tensor<cpu, T>& t, std::size_t rows) {
    if (rows == 0 || t.size() % rows != 0)
        throw shape_error("as_matrix: cannot view shape " + t.shape().str() + " as " + std::to_string(rows) +
                          " rows");
    return {t.data(), static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(t.size() / rows)};
}
template <class T>
Eigen::Map<const row_major_matrix<T>, Eigen::Aligned64> as_matrix(const tensor<cpu, T>& t, std::size_t rows) {
    if (rows == 0 || t.size() % rows != 0)
        throw shape_error("as_matrix: cannot view shape " + t.shape().str() + " as " + std::to_string(rows) +
                          " rows");
    return {t.data(), static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(t.size() / rows)};
}
template <class T>
auto as_matrix(tensor<cpu, T>& t) { return as_matrix(t, t.n()); }
template <class T>
auto as_matrix(const tensor<cpu, T>& t) { return as_matrix(t, t.n()); }

/// The tensor's elements as one Eigen column vector.
template <class T>
Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>, Eigen::Aligned64> as_vector(tensor<cpu, T>& t) {
    return {t.data(), static_cast<Eigen::Index>(t.size())};
}
template <class T>
Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>, Eigen::Aligned64> as_vector(const tensor<cpu, T>& t) {
    return {t.data(), static_cast<Eigen::Index>(t.size())};
}

}  // namespace isinggan
