#pragma once
// Soft Dice loss on logits, for segmentation (optionally added to BCE). With
// p = sigmoid(z) and a 0/1 mask t, per image
//
//     D = (2·Σ p·t + s) / (Σ p + Σ t + s),    loss = 1 − D,
//
// averaged over the images of the batch. The smoothing s (1 by default) keeps
// an image with an empty mask and an empty prediction at loss 0 and the
// gradient finite. Gradient: dD/dp_i = (2 t_i (Σp + Σt + s) − (2Σpt + s)) / (Σp + Σt + s)²,
// and dp/dz = p (1 − p).
// The CPU implementation, with the checks the `cuda` overload
// (backend/cuda/dice.cuh) shares; losses/dice.hpp is where users find it.
#include <cmath>
#include <string>

#include "isinggan/core/backend.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan {

namespace dice_detail {

/// The checks and gradient sizing both backends share.
template <class Tensor>
void prepare(const Tensor& logits, const Tensor& targets, Tensor* grad, bool accumulate, double smoothing) {
    require_same_shape(logits, targets, "soft_dice_with_logits: logits and targets");
    require_nonempty(logits.shape(), "soft_dice_with_logits");
    if (!(smoothing > 0.0))
        throw argument_error("soft_dice_with_logits: smoothing must be positive, got " + std::to_string(smoothing));
    if (grad) {
        if (accumulate) require_shape(grad->shape(), logits.shape(), "soft_dice_with_logits: gradient");
        else grad->resize(logits.shape());
    }
}

}  // namespace dice_detail

/// Mean soft Dice loss of `logits` ([N,C,H,W]) against same-shaped 0/1
/// `targets`, one Dice per image over all its channels and pixels, times
/// `scale`. With `grad`, writes (or with `accumulate` adds) d(loss)/d(logits).
inline double soft_dice_with_logits(const tensor<cpu>& logits, const tensor<cpu>& targets, tensor<cpu>* grad = nullptr,
                                    float scale = 1.0f, bool accumulate = false, double smoothing = 1.0) {
    dice_detail::prepare(logits, targets, grad, accumulate, smoothing);
    const std::size_t n = logits.n(), per = logits.shape().sample_size();
    double total = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const float* z = logits.sample(i);
        const float* t = targets.sample(i);
        double sp = 0, st = 0, spt = 0;
        for (std::size_t k = 0; k < per; ++k) {
            if (!(t[k] >= 0.0f && t[k] <= 1.0f))
                throw argument_error("soft_dice_with_logits: targets must be in [0, 1], found " + std::to_string(t[k]));
            const double p = 1.0 / (1.0 + std::exp(-double(z[k])));
            sp += p;
            st += t[k];
            spt += p * t[k];
        }
        const double num = 2 * spt + smoothing, den = sp + st + smoothing;
        total += 1.0 - num / den;
        if (!grad) continue;
        float* g = grad->sample(i);
        const double c = scale / double(n) / (den * den);
        for (std::size_t k = 0; k < per; ++k) {
            const double p = 1.0 / (1.0 + std::exp(-double(z[k])));
            const double d = -c * (2 * t[k] * den - num) * p * (1 - p);
            g[k] = accumulate ? g[k] + float(d) : float(d);
        }
    }
    return scale * total / double(n);
}

/// The tagged form, as the trainers call it for any backend.
inline double soft_dice_with_logits(cpu, const tensor<cpu>& logits, const tensor<cpu>& targets,
                                    tensor<cpu>* grad = nullptr, float scale = 1.0f, bool accumulate = false,
                                    double smoothing = 1.0) {
    return soft_dice_with_logits(logits, targets, grad, scale, accumulate, smoothing);
}

}  // namespace isinggan
