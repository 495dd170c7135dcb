#pragma once
// One Adam update of a parameter on the CPU, exactly as torch.optim.Adam
// (amsgrad off) computes it; the `cuda` overload is in backend/cuda/adam.cuh.
//
//   g = grad + weight_decay * param                  (L2 penalty, not AdamW)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   param -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//
// eps is added to sqrt(v-hat), not under the root. The element-wise work is
// done in float in PyTorch's order of operations, with the scalars of
// adam_scalars_for (core/adam_options.hpp).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "isinggan/core/adam_options.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan::adam_detail {

/// The checks both backends share.
template <class Tensor>
void check_step(std::int64_t step, const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
                const Tensor& exp_avg_sq) {
    if (step < 1) throw argument_error("adam: step number must be at least 1, got " + std::to_string(step));
    require_same_shape(param, grad, "adam: parameter and gradient");
    require_same_shape(param, exp_avg, "adam: parameter and exp_avg");
    require_same_shape(param, exp_avg_sq, "adam: parameter and exp_avg_sq");
}

}  // namespace isinggan::adam_detail

namespace isinggan::ops {

/// Adam step number `step` (1 for the first, as optim::adam counts after its
/// increment) on one parameter: `param` is updated, `exp_avg` and
/// `exp_avg_sq` (PyTorch's state names; zero before the first step) carry
/// the moments. All four tensors have the same shape.
inline void adam_step(cpu, const adam_options& options, std::int64_t step, tensor<cpu>& param,
                      const tensor<cpu>& grad, tensor<cpu>& exp_avg, tensor<cpu>& exp_avg_sq) {
    adam_detail::check_step(step, param, grad, exp_avg, exp_avg_sq);
    const adam_scalars s = adam_scalars_for(options, step);
    float* __restrict w = param.data();
    const float* __restrict g = grad.data();
    float* __restrict m = exp_avg.data();
    float* __restrict v = exp_avg_sq.data();
    const std::size_t n = param.size();
    for (std::size_t i = 0; i < n; ++i) {
        const float gi = s.decay ? g[i] + s.wd * w[i] : g[i];
        m[i] = m[i] * s.b1 + s.one_minus_b1 * gi;
        v[i] = v[i] * s.b2 + s.one_minus_b2 * gi * gi;
        const float denom = std::sqrt(v[i]) / s.bc2_sqrt + s.eps;
        w[i] = w[i] + s.neg_step * m[i] / denom;
    }
}

}  // namespace isinggan::ops
