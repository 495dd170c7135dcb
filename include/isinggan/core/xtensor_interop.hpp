#pragma once
// Views of a host tensor as an xtensor expression, without copying: the
// xtensor object refers to the tensor's memory and must not outlive it.
#include <array>
#include <cstddef>

#include <xtensor/xadapt.hpp>

#include "isinggan/core/tensor.hpp"

namespace isinggan {

/// A 4-d xtensor adaptor (N, C, H, W) over the tensor's elements.
template <class T>
auto as_xtensor(tensor<cpu, T>& t) {
    const std::array<std::size_t, 4> dims = t.shape().dims();
    return xt::adapt(t.data(), t.size(), xt::no_ownership(), dims);
}
template <class T>
auto as_xtensor(const tensor<cpu, T>& t) {
    const std::array<std::size_t, 4> dims = t.shape().dims();
    return xt::adapt(t.data(), t.size(), xt::no_ownership(), dims);
}

/// Copies any 4-d xtensor expression into a new tensor.
template <class T = float, class E>
tensor<cpu, T> from_xtensor(const E& expr) {
    if (expr.dimension() != 4)
        throw shape_error("from_xtensor: expected a 4-d (N, C, H, W) expression, got " +
                          std::to_string(expr.dimension()) + " dimensions");
    const auto& s = expr.shape();
    tensor<cpu, T> t(shape4{static_cast<std::size_t>(s[0]), static_cast<std::size_t>(s[1]),
                            static_cast<std::size_t>(s[2]), static_cast<std::size_t>(s[3])});
    auto view = as_xtensor(t);
    view = expr;
    return t;
}

}  // namespace isinggan
