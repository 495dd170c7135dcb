#pragma once
// Test helpers: seeded random tensors and tolerant comparisons.
#include <cmath>
#include <string>

#include <doctest/doctest.h>

#include "isinggan/core/random.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan::testing {

inline tensor<cpu> random_tensor(shape4 s, rng& gen, double lo = -1.0, double hi = 1.0) {
    tensor<cpu> t(s);
    fill_uniform(t, lo, hi, gen);
    return t;
}

/// Largest |a - b| / max(1, |b|) over all elements; `b` is the reference.
template <class A, class B>
double max_relative_error(const A& a, const B& b) {
    double worst = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double ref = static_cast<double>(b[i]);
        const double err = std::abs(static_cast<double>(a[i]) - ref) / std::max(1.0, std::abs(ref));
        if (!(err <= worst)) worst = err;  // NaN propagates as a failure
    }
    return worst;
}

}  // namespace isinggan::testing
