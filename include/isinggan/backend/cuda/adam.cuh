#pragma once
// One Adam update of a device parameter, exactly as optim::adam (and
// torch.optim.Adam, amsgrad off) computes it:
//
//   g = grad + weight_decay * param
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   param -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//
// The scalars are computed on the host in double, then rounded to float
// (adam_scalars_for, core/adam_options.hpp), as the CPU op does. The kernel uses round-to-nearest intrinsics, which
// the compiler may not fuse into FMAs, so every float operation rounds as in
// the CPU loop and the two agree to the last bit where the CPU does not fuse either.
#include <cmath>
#include <cstdint>
#include <string>

#include "isinggan/backend/cuda/launch.cuh"
#include "isinggan/backend/cuda/tensor.hpp"
#include "isinggan/backend/cpu/adam.hpp"
#include "isinggan/core/adam_options.hpp"

namespace isinggan::cuda_detail {

ISINGGAN_KERNEL void adam_kernel(adam_scalars s, float* w, const float* g, float* m, float* v, std::size_t n) {
    ISINGGAN_GRID_STRIDE_LOOP(i, n) {
        const float gi = s.decay ? __fadd_rn(g[i], __fmul_rn(s.wd, w[i])) : g[i];
        const float mi = __fadd_rn(__fmul_rn(m[i], s.b1), __fmul_rn(s.one_minus_b1, gi));
        const float vi = __fadd_rn(__fmul_rn(v[i], s.b2), __fmul_rn(__fmul_rn(s.one_minus_b2, gi), gi));
        const float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(vi), s.bc2_sqrt), s.eps);
        m[i] = mi;
        v[i] = vi;
        w[i] = __fadd_rn(w[i], __fdiv_rn(__fmul_rn(s.neg_step, mi), denom));
    }
}

}  // namespace isinggan::cuda_detail

namespace isinggan::ops {

/// Adam step number `step` (1 for the first, as optim::adam counts after its
/// increment) on one parameter: `param` is updated, `exp_avg` and
/// `exp_avg_sq` (PyTorch's state names; zero before the first step) carry
/// the moments. All four tensors have the same shape.
inline void adam_step(cuda, const adam_options& options, std::int64_t step, tensor<cuda>& param,
                      const tensor<cuda>& grad, tensor<cuda>& exp_avg, tensor<cuda>& exp_avg_sq) {
    adam_detail::check_step(step, param, grad, exp_avg, exp_avg_sq);
    if (param.size() == 0) return;
    const adam_scalars s = adam_scalars_for(options, step);
    cuda_detail::adam_kernel<<<cuda_detail::blocks_for(param.size()), cuda_detail::block_threads, 0, current_stream()>>>(
        s, param.data(), grad.data(), exp_avg.data(), exp_avg_sq.data(), param.size());
    ISINGGAN_CUDA_CHECK_LAUNCH(adam_kernel);
}

}  // namespace isinggan::ops
