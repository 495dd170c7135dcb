#pragma once
// CPU-vs-CUDA comparison functions for the CUDA tests: the largest absolute
// difference relative to the largest magnitude of the CPU reference, which
// must stay within 1e-4 in fp32.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <span>

#include "isinggan/backend/cuda/tensor.hpp"
#include "isinggan/core/random.hpp"
#include "isinggan/core/tensor.hpp"
#include "support/random_tensor.hpp"

namespace isinggan::test {

constexpr double parity_tolerance = 1e-4;

/// max |got - want| / max |want|; NaN anywhere gives NaN (which fails any bound).
inline double relative_error(std::span<const float> got, std::span<const float> want) {
    REQUIRE(got.size() == want.size());
    double diff = 0.0, ref = 0.0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double d = std::abs(double(got[i]) - double(want[i]));
        if (!(d <= diff)) diff = d;  // keeps a NaN
        ref = std::max(ref, std::abs(double(want[i])));
    }
    // An all-zero reference would make any comparison pass or fail by accident.
    REQUIRE(ref > 0.0);
    return diff / ref;
}

inline double relative_error(const tensor<cuda>& got, const tensor<cpu>& want) {
    const tensor<cpu> host = to_host(got);
    REQUIRE(host.shape() == want.shape());
    return relative_error(host.values(), want.values());
}

inline double relative_error(double got, double want) {
    REQUIRE(want != 0.0);
    return std::abs(got - want) / std::abs(want);
}

using testing::random_tensor;

/// The device memory of a [C, 1, 1, 1] vector, as the ops' bias spans take it.
inline std::span<const float> device_span(const tensor<cuda>& t) { return {t.data(), t.size()}; }
inline std::span<float> device_span(tensor<cuda>& t) { return {t.data(), t.size()}; }

}  // namespace isinggan::test

#define CHECK_PARITY(got, want) CHECK(::isinggan::test::relative_error(got, want) <= ::isinggan::test::parity_tolerance)
