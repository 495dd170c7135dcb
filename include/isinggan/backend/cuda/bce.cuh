#pragma once
// Binary cross-entropy on logits on the GPU, with the CPU version's signature
// (backend/cpu/bce.hpp) plus the `cuda` tag:
//     ℓ(z, t) = max(z, 0) − z·t + log(1 + exp(−|z|)),   dℓ/dz = σ(z) − t,
// evaluated in double per element as the CPU does; the loss is summed per
// block in double and the block sums added on the host in block order.
#include <cmath>
#include <string>
#include <vector>

#include "isinggan/backend/cuda/launch.cuh"
#include "isinggan/backend/cuda/tensor.hpp"
#include "isinggan/backend/cpu/bce.hpp"

namespace isinggan::cuda_detail {

struct constant_target {
    double value;
    __device__ double operator()(std::size_t) const { return value; }
};

struct tensor_target {
    const float* values;
    __device__ double operator()(std::size_t i) const { return values[i]; }
};

__device__ inline double stable_sigmoid(double z) {
    if (z >= 0) return 1.0 / (1.0 + exp(-z));
    const double e = exp(z);
    return e / (1.0 + e);
}

/// partials[block] = Σ ℓ over the block's elements; grad (if not null) gets
/// scale (σ(z) − t) / count, written or added.
template <class Target>
__global__ void bce_kernel(const float* logits, Target target, std::size_t n, double count, float scale, float* grad,
                           bool accumulate, double* partials) {
    double total = 0.0;
    ISINGGAN_GRID_STRIDE_LOOP(i, n) {
        const double z = logits[i];
        const double t = target(i);
        total += fmax(z, 0.0) - z * t + log1p(exp(-fabs(z)));
        if (grad) {
            const float g = float(scale * (stable_sigmoid(z) - t) / count);
            grad[i] = accumulate ? grad[i] + g : g;
        }
    }
    const double sum = block_sum(total);
    if (threadIdx.x == 0) partials[blockIdx.x] = sum;
}

/// partials[block] = how many of the block's targets lie outside [0, 1] (NaN included).
ISINGGAN_KERNEL void count_outside_unit_kernel(const float* t, std::size_t n, double* partials) {
    double bad = 0.0;
    ISINGGAN_GRID_STRIDE_LOOP(i, n) bad += (t[i] >= 0.0f && t[i] <= 1.0f) ? 0.0 : 1.0;
    const double sum = block_sum(bad);
    if (threadIdx.x == 0) partials[blockIdx.x] = sum;
}

template <class Target>
double run_bce(const tensor<cuda>& logits, Target target, tensor<cuda>* grad, bce_reduction reduce, float scale,
               bool accumulate) {
    const double count = bce_detail::prepare(logits, grad, reduce, accumulate);
    const int blocks = blocks_for(logits.size());
    double* partials = reduction_partials();
    bce_kernel<<<blocks, block_threads, 0, current_stream()>>>(logits.data(), target, logits.size(), count, scale,
                                          grad ? grad->data() : nullptr, accumulate, partials);
    ISINGGAN_CUDA_CHECK_LAUNCH(bce_kernel);
    return scale * sum_partials(partials, blocks) / count;
}

}  // namespace isinggan::cuda_detail

namespace isinggan {

/// Loss of device `logits` against one target value for every element (1 =
/// real, 0 = fake), times `scale`. With `grad`, writes (or with `accumulate`
/// adds) d(loss)/d(logits) there. A target outside [0, 1] throws argument_error.
inline double bce_with_logits(cuda, const tensor<cuda>& logits, float target, tensor<cuda>* grad = nullptr,
                              bce_reduction reduce = bce_reduction::mean, float scale = 1.0f, bool accumulate = false) {
    bce_detail::require_target(target);
    return cuda_detail::run_bce(logits, cuda_detail::constant_target{double(target)}, grad, reduce, scale,
                                accumulate);
}

/// Loss of device `logits` against a same-shaped device tensor of targets in [0, 1].
inline double bce_with_logits(cuda, const tensor<cuda>& logits, const tensor<cuda>& targets,
                              tensor<cuda>* grad = nullptr, bce_reduction reduce = bce_reduction::mean,
                              float scale = 1.0f, bool accumulate = false) {
    require_same_shape(logits, targets, "bce_with_logits: logits and targets");
    if (targets.size() != 0) {
        const int blocks = cuda_detail::blocks_for(targets.size());
        double* partials = cuda_detail::reduction_partials();
        cuda_detail::count_outside_unit_kernel<<<blocks, cuda_detail::block_threads, 0, current_stream()>>>(targets.data(),
                                                                                       targets.size(), partials);
        ISINGGAN_CUDA_CHECK_LAUNCH(count_outside_unit_kernel);
        if (cuda_detail::sum_partials(partials, blocks) > 0.0) {
            // Rare path: find the first offending value on the host for the message.
            const tensor<cpu> host = to_host(targets);
            for (float t : host)
                if (!(t >= 0.0f && t <= 1.0f))
                    throw argument_error("bce_with_logits: targets must be in [0, 1], found " + std::to_string(t));
        }
    }
    return cuda_detail::run_bce(logits, cuda_detail::tensor_target{targets.data()}, grad, reduce, scale, accumulate);
}

}  // namespace isinggan
