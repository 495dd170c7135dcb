#pragma once
// Elementwise helpers the layers build on. Loops are plain so the compiler
// vectorises them; large ones are split across cores.
#include <span>
#include <string>

#include "isinggan/backend/cpu/conv2d.hpp"
#include "isinggan/backend/cpu/threading.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan::ops {

namespace detail_elementwise {
constexpr std::size_t block = 1 << 14;

/// Calls body(begin, end) over [0, n) in blocks, in parallel when large.
template <class Body>
void blocked(std::size_t n, Body&& body) {
    const long blocks = static_cast<long>((n + block - 1) / block);
    cpu_detail::parallel_for(blocks, block, [&](long b) {
        const std::size_t lo = std::size_t(b) * block, hi = std::min(n, lo + block);
        body(lo, hi);
    });
}
}  // namespace detail_elementwise

/// y[n][c][:] += bias[c]; bias has one value per channel.
inline void add_bias(cpu, tensor<cpu>& y, std::span<const float> bias) {
    if (bias.size() != y.c())
        throw shape_error("add_bias: " + std::to_string(bias.size()) + " bias values for tensor " + y.shape().str());
    cpu_detail::add_channel_bias(y.data(), int(y.n()), int(y.c()), long(y.h() * y.w()), bias.data());
}

/// y += alpha * x.
inline void axpy(cpu, float alpha, const tensor<cpu>& x, tensor<cpu>& y) {
    require_same_shape(x, y, "axpy");
    const float* xp = x.data();
    float* yp = y.data();
    detail_elementwise::blocked(x.size(), [&](std::size_t lo, std::size_t hi) {
        for (std::size_t i = lo; i < hi; ++i) yp[i] += alpha * xp[i];
    });
}

/// x *= alpha.
inline void scale(cpu, tensor<cpu>& x, float alpha) {
    float* p = x.data();
    detail_elementwise::blocked(x.size(), [&](std::size_t lo, std::size_t hi) {
        for (std::size_t i = lo; i < hi; ++i) p[i] *= alpha;
    });
}

/// out = (x >= threshold) ? on : 0 (out may alias x): a soft mask made binary,
/// as a straight-through estimator shows it (its gradient passes unchanged).
inline void binarize(cpu, const tensor<cpu>& x, float threshold, float on, tensor<cpu>& out) {
    if (&out != &x) out.resize(x.shape());
    const float* xp = x.data();
    float* op = out.data();
    detail_elementwise::blocked(x.size(), [&](std::size_t lo, std::size_t hi) {
        for (std::size_t i = lo; i < hi; ++i) op[i] = xp[i] >= threshold ? on : 0.0f;
    });
}

/// out = a + b (out may alias a or b).
inline void add(cpu, const tensor<cpu>& a, const tensor<cpu>& b, tensor<cpu>& out) {
    require_same_shape(a, b, "add");
    if (&out != &a && &out != &b) out.resize(a.shape());
    const float *ap = a.data(), *bp = b.data();
    float* op = out.data();
    detail_elementwise::blocked(a.size(), [&](std::size_t lo, std::size_t hi) {
        for (std::size_t i = lo; i < hi; ++i) op[i] = ap[i] + bp[i];
    });
}

/// Sum of all elements, accumulated in double.
inline double sum(cpu, const tensor<cpu>& x) {
    double s = 0.0;
    for (float v : x) s += v;
    return s;
}

/// Dot product of two same-shaped tensors, accumulated in double.
inline double dot(cpu, const tensor<cpu>& a, const tensor<cpu>& b) {
    require_same_shape(a, b, "dot");
    double s = 0.0;
    const float *ap = a.data(), *bp = b.data();
    for (std::size_t i = 0; i < a.size(); ++i) s += double(ap[i]) * bp[i];
    return s;
}

/// The ambiguity penalty of a soft mask m in [0, 1]: returns scale · Σ m(1 − m)
/// and adds its gradient scale · (1 − 2m) to `grad` (same shape as m). It is
/// zero on a binary mask and largest at m = 0.5, so it pushes every pixel to
/// the nearer of 0 and 1 (train::gan_options::mask_ambiguity).
inline double ambiguity_penalty(cpu, const tensor<cpu>& mask, float scale, tensor<cpu>& grad) {
    require_same_shape(mask, grad, "ambiguity_penalty: mask and gradient");
    const float* mp = mask.data();
    float* gp = grad.data();
    double s = 0.0;
    for (std::size_t i = 0; i < mask.size(); ++i) {
        s += double(mp[i]) * (1.0 - double(mp[i]));
        gp[i] += scale * (1.0f - 2.0f * mp[i]);
    }
    return double(scale) * s;
}

}  // namespace isinggan::ops
