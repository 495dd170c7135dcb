#pragma once
// Elementwise activations on the CPU: y = fn(x) and dx = dy · fn'(x, y) for
// the function objects of core/activation_fn.hpp (relu, leaky_relu, tanh,
// sigmoid). The `cuda` overloads are in backend/cuda/activation.cuh.
#include <algorithm>
#include <cstddef>

#include "isinggan/backend/cpu/threading.hpp"
#include "isinggan/core/backend.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan::ops {

namespace activation_detail {
inline constexpr std::size_t block = 1 << 14;  // elements per parallel task
inline std::size_t blocks(std::size_t n) { return (n + block - 1) / block; }
}  // namespace activation_detail

/// y = fn(x), elementwise; y is resized to x's shape.
template <class Fn>
void activation_forward(cpu, const Fn& fn, const tensor<cpu>& x, tensor<cpu>& y) {
    using namespace activation_detail;
    y.resize(x.shape());
    const float* const x_all = x.data();
    float* const y_all = y.data();
    const std::size_t n = x.size();
    cpu_detail::parallel_for(long(blocks(n)), block, [&](long b) {
        // Local copies: nothing the loop stores to can alias them, so it vectorises.
        const Fn f = fn;
        const float* xp = x_all;
        float* yp = y_all;
        const std::size_t lo = std::size_t(b) * block, hi = std::min(n, lo + block);
        for (std::size_t i = lo; i < hi; ++i) yp[i] = f.value(xp[i]);
    });
}

/// dx = dy · fn'(x) (written from x or from the forward output y, whichever
/// the function needs); dx is resized to dy's shape.
template <class Fn>
void activation_backward(cpu, const Fn& fn, const tensor<cpu>& x, const tensor<cpu>& y, const tensor<cpu>& dy,
                         tensor<cpu>& dx) {
    using namespace activation_detail;
    require_shape(x.shape(), dy.shape(), Fn::name);
    require_shape(y.shape(), dy.shape(), Fn::name);
    dx.resize(dy.shape());
    const float *const x_all = x.data(), *const y_all = y.data(), *const dy_all = dy.data();
    float* const dx_all = dx.data();
    const std::size_t n = dy.size();
    cpu_detail::parallel_for(long(blocks(n)), block, [&](long b) {
        const Fn f = fn;
        const float *xp = x_all, *yp = y_all, *dp = dy_all;
        float* out = dx_all;
        const std::size_t lo = std::size_t(b) * block, hi = std::min(n, lo + block);
        for (std::size_t i = lo; i < hi; ++i) out[i] = dp[i] * f.derivative(xp[i], yp[i]);
    });
}

}  // namespace isinggan::ops
