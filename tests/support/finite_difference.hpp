#pragma once
// The finite-difference tools of the tests, on top of the library's
// central_difference (isinggan/testing/gradient_check.hpp): with respect to
// every element of a tensor, or along a direction over a whole tensor. Each
// restores what it perturbed.
#include <cstddef>

#include "isinggan/core/tensor.hpp"
#include "isinggan/testing/gradient_check.hpp"  // central_difference

namespace isinggan::testing {

/// The central difference of f() with respect to every element of x.
template <class T, class F>
tensor<cpu, T> numeric_gradient(tensor<cpu, T>& x, double step, F&& f) {
    tensor<cpu, T> g(x.shape());
    for (std::size_t i = 0; i < x.size(); ++i) g.data()[i] = static_cast<T>(central_difference(x.data()[i], step, f));
    return g;
}

/// The central difference of f() along the direction v over all of `values`:
/// (f(values + step·v) − f(values − step·v)) / 2·step, which a correct
/// gradient g matches as ⟨g, v⟩. `values` is restored.
template <class F>
double directional_difference(tensor<cpu>& values, const tensor<cpu>& v, double step, F&& f) {
    const tensor<cpu> saved = values;
    for (std::size_t i = 0; i < v.size(); ++i) values.data()[i] = saved.data()[i] + float(step) * v.data()[i];
    const double up = f();
    for (std::size_t i = 0; i < v.size(); ++i) values.data()[i] = saved.data()[i] - float(step) * v.data()[i];
    const double down = f();
    values = saved;
    return (up - down) / (2.0 * step);
}

}  // namespace isinggan::testing
