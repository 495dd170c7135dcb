#pragma once
// Upsampling by an integer scale on the GPU with the CPU layer's definition
// (layers/upsample.hpp, PyTorch's nn.Upsample): nearest copies the source
// pixel floor(dst / scale); bilinear (align_corners = False) reads the source
// at (dst + 0.5) / scale - 0.5, clamped at 0, and blends two neighbours per
// axis. Backward spreads each output gradient with the same weights, by
// atomic adds (the order of the additions, and so the last bits, may vary).
#include <string>

#include "isinggan/backend/cuda/launch.cuh"
#include "isinggan/backend/cuda/tensor.hpp"
#include "isinggan/core/upsample_mode.hpp"

namespace isinggan::cuda_detail {

struct upsample_tap {
    long i0, i1;
    float w0, w1;
};

/// The two source indices output index `dst` reads on an axis of `size`, with weights.
__device__ inline upsample_tap upsample_tap_of(long dst, long size, int scale, float inv_scale, bool bilinear) {
    if (!bilinear) {
        const long i = min(dst / scale, size - 1);
        return {i, i, 1.0f, 0.0f};
    }
    // Rounded step by step (no fused multiply-add), as the CPU computes it.
    const float src = fmaxf(0.0f, __fadd_rn(__fmul_rn(__fadd_rn(float(dst), 0.5f), inv_scale), -0.5f));
    const long i0 = min(long(src), size - 1);
    const long i1 = min(i0 + 1, size - 1);
    const float lambda = src - float(i0);
    return {i0, i1, 1.0f - lambda, lambda};
}

struct upsample_params {
    long h, w;  // input plane
    int scale;
    float inv_scale;  // 1 / scale in float, as PyTorch multiplies by it
    bool bilinear;
};

ISINGGAN_KERNEL void upsample_forward_kernel(const float* x, float* y, upsample_params u, std::size_t total) {
    const long ho = u.h * u.scale, wo = u.w * u.scale;
    ISINGGAN_GRID_STRIDE_LOOP(i, total) {
        const std::size_t plane = i / std::size_t(ho * wo);
        const long o = long(i % std::size_t(ho * wo)), oy = o / wo, ox = o % wo;
        const float* in = x + plane * std::size_t(u.h * u.w);
        const upsample_tap ty = upsample_tap_of(oy, u.h, u.scale, u.inv_scale, u.bilinear);
        const upsample_tap tx = upsample_tap_of(ox, u.w, u.scale, u.inv_scale, u.bilinear);
        y[i] = ty.w0 * (tx.w0 * in[ty.i0 * u.w + tx.i0] + tx.w1 * in[ty.i0 * u.w + tx.i1]) +
               ty.w1 * (tx.w0 * in[ty.i1 * u.w + tx.i0] + tx.w1 * in[ty.i1 * u.w + tx.i1]);
    }
}

/// dx must be zeroed first.
ISINGGAN_KERNEL void upsample_backward_kernel(const float* dy, float* dx, upsample_params u, std::size_t total) {
    const long ho = u.h * u.scale, wo = u.w * u.scale;
    ISINGGAN_GRID_STRIDE_LOOP(i, total) {
        const std::size_t plane = i / std::size_t(ho * wo);
        const long o = long(i % std::size_t(ho * wo)), oy = o / wo, ox = o % wo;
        float* d = dx + plane * std::size_t(u.h * u.w);
        const upsample_tap ty = upsample_tap_of(oy, u.h, u.scale, u.inv_scale, u.bilinear);
        const upsample_tap tx = upsample_tap_of(ox, u.w, u.scale, u.inv_scale, u.bilinear);
        const float v = dy[i];
        atomicAdd(d + ty.i0 * u.w + tx.i0, ty.w0 * tx.w0 * v);
        atomicAdd(d + ty.i0 * u.w + tx.i1, ty.w0 * tx.w1 * v);
        atomicAdd(d + ty.i1 * u.w + tx.i0, ty.w1 * tx.w0 * v);
        atomicAdd(d + ty.i1 * u.w + tx.i1, ty.w1 * tx.w1 * v);
    }
}

inline upsample_params upsample_params_of(const shape4& x, int scale, upsample_mode mode) {
    if (scale < 1) throw argument_error("upsample: the scale must be at least 1, got " + std::to_string(scale));
    return {long(x.h), long(x.w), scale, 1.0f / float(scale), mode == upsample_mode::bilinear};
}

}  // namespace isinggan::cuda_detail

namespace isinggan::ops {

/// y = upsample(x) by `scale`; y is resized to [N, C, H scale, W scale].
inline void upsample_forward(cuda, const tensor<cuda>& x, tensor<cuda>& y, int scale, upsample_mode mode) {
    require_nonempty(x.shape(), "upsample");
    const auto u = cuda_detail::upsample_params_of(x.shape(), scale, mode);
    y.resize({x.n(), x.c(), x.h() * std::size_t(scale), x.w() * std::size_t(scale)});
    cuda_detail::upsample_forward_kernel<<<cuda_detail::blocks_for(y.size()), cuda_detail::block_threads, 0, current_stream()>>>(
        x.data(), y.data(), u, y.size());
    ISINGGAN_CUDA_CHECK_LAUNCH(upsample_forward_kernel);
}

/// dx = dL/dx of upsample; dx is resized to `input_shape`.
inline void upsample_backward(cuda, const tensor<cuda>& dy, const shape4& input_shape, tensor<cuda>& dx, int scale,
                              upsample_mode mode) {
    require_nonempty(input_shape, "upsample");
    const auto u = cuda_detail::upsample_params_of(input_shape, scale, mode);
    const std::size_t s = std::size_t(scale);
    require_shape(dy.shape(), {input_shape.n, input_shape.c, input_shape.h * s, input_shape.w * s},
                  "upsample: output gradient");
    dx.resize(input_shape);
    dx.zero();
    cuda_detail::upsample_backward_kernel<<<cuda_detail::blocks_for(dy.size()), cuda_detail::block_threads, 0, current_stream()>>>(
        dy.data(), dx.data(), u, dy.size());
    ISINGGAN_CUDA_CHECK_LAUNCH(upsample_backward_kernel);
}

/// The forms the upsample layer calls on any backend (backend/cpu/upsample.hpp).
template <int Scale, upsample_mode Mode>
void upsample_forward(cuda, const tensor<cuda>& x, tensor<cuda>& y) {
    upsample_forward(cuda{}, x, y, Scale, Mode);
}
template <int Scale, upsample_mode Mode>
void upsample_backward(cuda, const tensor<cuda>& dy, const shape4& input_shape, tensor<cuda>& dx) {
    upsample_backward(cuda{}, dy, input_shape, dx, Scale, Mode);
}

}  // namespace isinggan::ops
