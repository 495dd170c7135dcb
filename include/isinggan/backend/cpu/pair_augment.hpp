#pragma once
// Differentiable augmentation of stacked (image, mask) pairs on the CPU
// (DiffAugment; the parameters are drawn by data/pair_augment.hpp). A pair is
// [4, S, S]: channels 0..2 the image, 3 the mask. Per sample, in order:
//   brightness  x + b                      (image channels)
//   saturation  (x_c − x̄) · s + x̄,  x̄ the mean of the 3 channels per pixel
//   contrast    (x − x̿) · k + x̿,  x̿ the mean of the sample's image
//   translation by (ty, tx), zeros shifted in (all 4 channels alike)
//   cutout      a square set to zero        (all 4 channels alike)
// Every transform is linear in x but brightness, which is affine, so the
// backward pass applies the adjoints in reverse order (brightness passes the
// gradient unchanged). The CUDA overloads are in backend/cuda/pair_augment.cuh.
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "isinggan/backend/cpu/threading.hpp"
#include "isinggan/core/backend.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/core/pair_augment_params.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan {

namespace pair_augment_detail {

template <class Tensor>
inline void check(const Tensor& x, const std::vector<pair_augment_params>& p, const char* op) {
    if (x.c() != 4 || x.h() != x.w() || x.n() == 0)
        throw shape_error(std::string(op) + ": expected [N, 4, S, S] (image, mask) pairs, got " + x.shape().str());
    if (p.size() != x.n())
        throw argument_error(std::string(op) + ": " + std::to_string(p.size()) + " parameter sets for " +
                             std::to_string(x.n()) + " samples");
    const int side = int(x.h());
    for (std::size_t b = 0; b < p.size(); ++b) {
        const auto& q = p[b];
        const bool cut_inside = q.cut_side == 0 || (q.cut_side > 0 && q.cut_y >= 0 && q.cut_x >= 0 &&
                                                    q.cut_y + q.cut_side <= side && q.cut_x + q.cut_side <= side);
        if (q.shift_y <= -side || q.shift_y >= side || q.shift_x <= -side || q.shift_x >= side || !cut_inside)
            throw argument_error(std::string(op) + ": sample " + std::to_string(b) + ": shift (" +
                                 std::to_string(q.shift_y) + ", " + std::to_string(q.shift_x) + ") or cutout (" +
                                 std::to_string(q.cut_y) + ", " + std::to_string(q.cut_x) + ", side " +
                                 std::to_string(q.cut_side) + ") outside a " + std::to_string(side) + " px pair");
    }
}

/// dst[c][y][x] = src[c][y − ty][x − tx] (forward: adjoint = false) or its
/// adjoint dst[c][y][x] = src[c][y + ty][x + tx]; zero where out of range.
inline void shift_planes(const float* src, float* dst, std::size_t channels, int side, int ty, int tx, bool adjoint) {
    if (adjoint) ty = -ty, tx = -tx;
    for (std::size_t c = 0; c < channels; ++c)
        for (int y = 0; y < side; ++y) {
            float* out = dst + (c * side + y) * side;
            const int sy = y - ty;
            if (sy < 0 || sy >= side) {
                std::fill_n(out, side, 0.0f);
                continue;
            }
            const float* in = src + (c * side + sy) * side;
            for (int x = 0; x < side; ++x) {
                const int sx = x - tx;
                out[x] = sx >= 0 && sx < side ? in[sx] : 0.0f;
            }
        }
}

/// One sample's scratch, kept per thread so that a training step allocates nothing once warm.
/// Each sample is one parallel task; dx or y may be the input itself.
inline std::vector<float>& sample_scratch(std::size_t n) {
    thread_local std::vector<float> tmp;
    tmp.resize(n);
    return tmp;
}

inline void cut(float* x, std::size_t channels, int side, const pair_augment_params& q) {
    if (q.cut_side == 0) return;
    for (std::size_t c = 0; c < channels; ++c)
        for (int y = q.cut_y; y < q.cut_y + q.cut_side; ++y)
            std::fill_n(x + (c * side + y) * side + q.cut_x, q.cut_side, 0.0f);
}

/// The colour transforms on the 3 image planes of one sample, in place. Each
/// is self-adjoint up to its mean term: y = k·x + (1 − k)·mean(x), whose
/// adjoint is dx = k·dy + (1 − k)·mean(dy) broadcast (the same form), so one
/// routine serves both directions, run in reverse order for the backward pass.
inline void saturation(float* x, std::size_t plane, float s) {
    for (std::size_t i = 0; i < plane; ++i) {
        const float m = (x[i] + x[plane + i] + x[2 * plane + i]) / 3.0f;
        for (int c = 0; c < 3; ++c) x[c * plane + i] = (x[c * plane + i] - m) * s + m;
    }
}
inline void contrast(float* x, std::size_t plane, float k) {
    double sum = 0;
    for (std::size_t i = 0; i < 3 * plane; ++i) sum += x[i];
    const float m = float(sum / double(3 * plane));
    for (std::size_t i = 0; i < 3 * plane; ++i) x[i] = (x[i] - m) * k + m;
}

}  // namespace pair_augment_detail

}  // namespace isinggan

namespace isinggan::ops {

/// y = augment(x) for stacked pairs x [N, 4, S, S] with one parameter set per sample (y resized).
inline void pair_augment_forward(cpu, const tensor<cpu>& x, const std::vector<pair_augment_params>& p, tensor<cpu>& y) {
    pair_augment_detail::check(x, p, "pair_augment_forward");
    const int side = int(x.h());
    const std::size_t plane = x.h() * x.w();
    y.resize(x.shape());
    cpu_detail::parallel_for(long(x.n()), 12 * plane, [&](long b) {
        std::vector<float>& tmp = pair_augment_detail::sample_scratch(4 * plane);
        const auto& q = p[std::size_t(b)];
        std::copy_n(x.sample(std::size_t(b)), 4 * plane, tmp.data());
        if (q.brightness != 0)
            for (std::size_t i = 0; i < 3 * plane; ++i) tmp[i] += q.brightness;
        if (q.saturation != 1) pair_augment_detail::saturation(tmp.data(), plane, q.saturation);
        if (q.contrast != 1) pair_augment_detail::contrast(tmp.data(), plane, q.contrast);
        pair_augment_detail::shift_planes(tmp.data(), y.sample(std::size_t(b)), 4, side, q.shift_y, q.shift_x, false);
        pair_augment_detail::cut(y.sample(std::size_t(b)), 4, side, q);
    });
}

/// dx = the gradient with respect to x, given dy, for the same parameters (dx resized).
inline void pair_augment_backward(cpu, const tensor<cpu>& dy, const std::vector<pair_augment_params>& p, tensor<cpu>& dx) {
    pair_augment_detail::check(dy, p, "pair_augment_backward");
    const int side = int(dy.h());
    const std::size_t plane = dy.h() * dy.w();
    dx.resize(dy.shape());
    cpu_detail::parallel_for(long(dy.n()), 12 * plane, [&](long b) {
        std::vector<float>& tmp = pair_augment_detail::sample_scratch(4 * plane);
        const auto& q = p[std::size_t(b)];
        std::copy_n(dy.sample(std::size_t(b)), 4 * plane, tmp.data());
        pair_augment_detail::cut(tmp.data(), 4, side, q);
        pair_augment_detail::shift_planes(tmp.data(), dx.sample(std::size_t(b)), 4, side, q.shift_y, q.shift_x, true);
        // The colour adjoints in reverse order; brightness passes dy unchanged.
        if (q.contrast != 1) pair_augment_detail::contrast(dx.sample(std::size_t(b)), plane, q.contrast);
        if (q.saturation != 1) pair_augment_detail::saturation(dx.sample(std::size_t(b)), plane, q.saturation);
    });
}

}  // namespace isinggan::ops
