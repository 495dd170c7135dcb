#pragma once
// Soft Dice loss on logits on the GPU, with the CPU version's definition
// (backend/cpu/dice.hpp): per image D = (2 Σ p t + s) / (Σ p + Σ t + s), loss =
// mean over images of 1 − D, p = sigmoid(z). One block per image sums
// Σp, Σt, Σpt in double; the loss is finished on the host in image order
// and the gradient by a second kernel reading the same sums.
#include <cmath>
#include <string>
#include <vector>

#include "isinggan/backend/cuda/launch.cuh"
#include "isinggan/backend/cuda/tensor.hpp"
#include "isinggan/backend/cpu/dice.hpp"

namespace isinggan::cuda_detail {

/// Per image: Σp, Σt, Σpt and the number of targets outside [0, 1].
struct dice_sums {
    double p, t, pt, bad;
};

__device__ inline double logistic(double z) { return 1.0 / (1.0 + exp(-z)); }

/// Block i sums image i (`per` elements).
ISINGGAN_KERNEL void dice_sums_kernel(const float* logits, const float* targets, std::size_t per, dice_sums* sums) {
    const float* z = logits + std::size_t(blockIdx.x) * per;
    const float* t = targets + std::size_t(blockIdx.x) * per;
    double sp = 0.0, st = 0.0, spt = 0.0, bad = 0.0;
    for (std::size_t k = threadIdx.x; k < per; k += blockDim.x) {
        const double p = logistic(z[k]);
        sp += p;
        st += t[k];
        spt += p * t[k];
        bad += (t[k] >= 0.0f && t[k] <= 1.0f) ? 0.0 : 1.0;
    }
    sp = block_sum(sp);
    st = block_sum(st);
    spt = block_sum(spt);
    bad = block_sum(bad);
    if (threadIdx.x == 0) sums[blockIdx.x] = {sp, st, spt, bad};
}

ISINGGAN_KERNEL void dice_gradient_kernel(const float* logits, const float* targets, const dice_sums* sums,
                                          std::size_t per, std::size_t images, float scale, double smoothing,
                                          float* grad, bool accumulate) {
    ISINGGAN_GRID_STRIDE_LOOP(i, images * per) {
        const dice_sums s = sums[i / per];
        const double num = 2 * s.pt + smoothing, den = s.p + s.t + smoothing;
        const double c = scale / double(images) / (den * den);
        const double p = logistic(logits[i]);
        const double d = -c * (2 * targets[i] * den - num) * p * (1 - p);
        grad[i] = accumulate ? grad[i] + float(d) : float(d);
    }
}

/// Device memory for one dice_sums per image; grows only.
inline dice_sums* dice_scratch(std::size_t images) {
    thread_local device_buffer<dice_sums> sums;
    if (sums.capacity() < images) sums.resize(images);
    return sums.data();
}

}  // namespace isinggan::cuda_detail

namespace isinggan {

/// Mean soft Dice loss of device `logits` ([N,C,H,W]) against same-shaped 0/1
/// device `targets`, one Dice per image, times `scale`. With `grad`, writes
/// (or with `accumulate` adds) d(loss)/d(logits).
inline double soft_dice_with_logits(cuda, const tensor<cuda>& logits, const tensor<cuda>& targets,
                                    tensor<cuda>* grad = nullptr, float scale = 1.0f, bool accumulate = false,
                                    double smoothing = 1.0) {
    dice_detail::prepare(logits, targets, grad, accumulate, smoothing);
    const std::size_t n = logits.n(), per = logits.shape().sample_size();
    cuda_detail::dice_sums* sums = cuda_detail::dice_scratch(n);
    cuda_detail::dice_sums_kernel<<<unsigned(n), cuda_detail::block_threads, 0, current_stream()>>>(logits.data(), targets.data(), per,
                                                                                sums);
    ISINGGAN_CUDA_CHECK_LAUNCH(dice_sums_kernel);
    std::vector<cuda_detail::dice_sums> host(n);
    ISINGGAN_CUDA_CHECK(cudaMemcpyAsync(host.data(), sums, n * sizeof(cuda_detail::dice_sums), cudaMemcpyDeviceToHost,
                                        current_stream()));
    ISINGGAN_CUDA_CHECK(cudaStreamSynchronize(current_stream()));
    for (const auto& s : host)
        if (s.bad > 0.0) {
            // Rare path: find the first offending value on the host for the message.
            for (float t : to_host(targets))
                if (!(t >= 0.0f && t <= 1.0f))
                    throw argument_error("soft_dice_with_logits: targets must be in [0, 1], found " +
                                         std::to_string(t));
        }
    double total = 0.0;
    for (const auto& s : host) total += 1.0 - (2 * s.pt + smoothing) / (s.p + s.t + smoothing);
    if (grad) {
        cuda_detail::dice_gradient_kernel<<<cuda_detail::blocks_for(logits.size()), cuda_detail::block_threads, 0, current_stream()>>>(
            logits.data(), targets.data(), sums, per, n, scale, smoothing, grad->data(), accumulate);
        ISINGGAN_CUDA_CHECK_LAUNCH(dice_gradient_kernel);
    }
    return scale * total / double(n);
}

}  // namespace isinggan
