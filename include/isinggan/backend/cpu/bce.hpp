#pragma once
// Binary cross-entropy on logits, in the numerically stable form PyTorch's
// BCEWithLogitsLoss uses:
//
//     ℓ(z, t) = max(z, 0) − z·t + log(1 + exp(−|z|)),   dℓ/dz = σ(z) − t
//
// so that neither a large positive nor a large negative logit overflows. The
// GAN losses of eq. (1) are this with t = 1 (real) or t = 0 (fake), and the
// non-saturating generator loss −log D(G(z)) is ℓ(z, 1) on the fake logits.
// The CPU implementation, with the checks the `cuda` overloads
// (backend/cuda/bce.cuh) share; losses/bce.hpp is where users find it.
#include <cmath>
#include <span>
#include <string>

#include "isinggan/core/backend.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan {

enum class bce_reduction { mean, sum };

namespace bce_detail {

inline double loss_term(double z, double t) { return std::max(z, 0.0) - z * t + std::log1p(std::exp(-std::abs(z))); }

inline double sigmoid(double z) {
    // Evaluated on the side where exp does not overflow.
    if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
    const double e = std::exp(z);
    return e / (1.0 + e);
}

/// The checks and gradient sizing both backends share; returns the
/// reduction's divisor (the element count for the mean, 1 for the sum).
template <class Tensor>
double prepare(const Tensor& logits, Tensor* grad, bce_reduction reduce, bool accumulate) {
    require_nonempty(logits.shape(), "bce_with_logits");
    if (grad) {
        if (accumulate) require_shape(grad->shape(), logits.shape(), "bce_with_logits: gradient");
        else grad->resize(logits.shape());
    }
    return reduce == bce_reduction::mean ? double(logits.size()) : 1.0;
}

inline void require_target(float target) {
    if (!(target >= 0.0f && target <= 1.0f))
        throw argument_error("bce_with_logits: target must be in [0, 1], got " + std::to_string(target));
}

template <class Target>
double run(const tensor<cpu>& logits, Target target, tensor<cpu>* grad, bce_reduction reduce, float scale,
           bool accumulate) {
    const double count = prepare(logits, grad, reduce, accumulate);
    double total = 0.0;
    const float* z = logits.data();
    for (std::size_t i = 0; i < logits.size(); ++i) {
        const double t = target(i);
        total += loss_term(z[i], t);
        if (grad) {
            const float g = float(scale * (sigmoid(z[i]) - t) / count);
            grad->data()[i] = accumulate ? grad->data()[i] + g : g;
        }
    }
    return scale * total / count;
}

}  // namespace bce_detail

/// Loss of `logits` against one target value for every element (1 = real,
/// 0 = fake), times `scale`. With `grad`, writes (or with `accumulate` adds)
/// d(loss)/d(logits) there. A target outside [0, 1] throws argument_error.
inline double bce_with_logits(const tensor<cpu>& logits, float target, tensor<cpu>* grad = nullptr,
                              bce_reduction reduce = bce_reduction::mean, float scale = 1.0f, bool accumulate = false) {
    bce_detail::require_target(target);
    return bce_detail::run(logits, [target](std::size_t) { return double(target); }, grad, reduce, scale, accumulate);
}

/// Loss of `logits` against a same-shaped tensor of targets in [0, 1] (a
/// segmentation mask, say).
inline double bce_with_logits(const tensor<cpu>& logits, const tensor<cpu>& targets, tensor<cpu>* grad = nullptr,
                              bce_reduction reduce = bce_reduction::mean, float scale = 1.0f, bool accumulate = false) {
    require_same_shape(logits, targets, "bce_with_logits: logits and targets");
    for (float t : targets)
        if (!(t >= 0.0f && t <= 1.0f))
            throw argument_error("bce_with_logits: targets must be in [0, 1], found " + std::to_string(t));
    const float* t = targets.data();
    return bce_detail::run(logits, [t](std::size_t i) { return double(t[i]); }, grad, reduce, scale, accumulate);
}

/// The tagged forms, as the trainers call them for any backend.
inline double bce_with_logits(cpu, const tensor<cpu>& logits, float target, tensor<cpu>* grad = nullptr,
                              bce_reduction reduce = bce_reduction::mean, float scale = 1.0f, bool accumulate = false) {
    return bce_with_logits(logits, target, grad, reduce, scale, accumulate);
}
inline double bce_with_logits(cpu, const tensor<cpu>& logits, const tensor<cpu>& targets, tensor<cpu>* grad = nullptr,
                              bce_reduction reduce = bce_reduction::mean, float scale = 1.0f, bool accumulate = false) {
    return bce_with_logits(logits, targets, grad, reduce, scale, accumulate);
}

}  // namespace isinggan
