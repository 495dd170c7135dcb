#pragma once
// The GPU kernels of Inception-v3 inference (models/inception): the bias and
// ReLU that follow each folded convolution, in one pass, and the 3x3 max and
// average pools, the average excluding padding (count_include_pad=False).
// Each output does the CPU loop's arithmetic in the CPU loop's order, so
// pooling results are the same bits on both backends.
#include <cstddef>

#include "isinggan/backend/cpu/inception.hpp"
#include "isinggan/backend/cuda/channel_concat.hpp"
#include "isinggan/backend/cuda/conv2d.hpp"
#include "isinggan/backend/cuda/launch.cuh"
#include "isinggan/backend/cuda/tensor.hpp"
#include "isinggan/backend/cuda/workspace.hpp"

namespace isinggan::cuda_detail {

/// y[i] = relu(y[i] + bias[channel of i]) over NCHW planes of `plane` elements.
ISINGGAN_KERNEL void bias_relu_kernel(float* y, const float* bias, std::size_t plane, std::size_t channels,
                                      std::size_t total) {
    ISINGGAN_GRID_STRIDE_LOOP(i, total) {
        const float v = y[i] + bias[(i / plane) % channels];
        y[i] = v > 0.0f ? v : 0.0f;  // NaN becomes 0, as on the CPU
    }
}

/// One output of a 3x3 pool per thread: the window is clipped to the input,
/// a max ignores padding, an average divides by the pixels inside the image.
ISINGGAN_KERNEL void pool3x3_kernel(const float* x, float* y, int h, int w, int ho, int wo, int stride, int pad,
                                    bool take_max, std::size_t total) {
    ISINGGAN_GRID_STRIDE_LOOP(i, total) {
        const std::size_t plane = i / std::size_t(ho * wo);
        const int o = int(i % std::size_t(ho * wo)), oy = o / wo, ox = o % wo;
        const float* in = x + plane * std::size_t(h) * std::size_t(w);
        const int y0 = max(oy * stride - pad, 0), y1 = min(oy * stride - pad + 3, h);
        const int x0 = max(ox * stride - pad, 0), x1 = min(ox * stride - pad + 3, w);
        if (take_max) {
            float m = -INFINITY;
            for (int iy = y0; iy < y1; ++iy)
                for (int ix = x0; ix < x1; ++ix) {
                    const float v = in[iy * w + ix];
                    m = m < v ? v : m;  // stdmax(m, v)
                }
            y[i] = m;
        } else {
            float s = 0.0f;
            for (int iy = y0; iy < y1; ++iy)
                for (int ix = x0; ix < x1; ++ix) s += in[iy * w + ix];
            y[i] = s / float((y1 - y0) * (x1 - x0));
        }
    }
}

/// relu(y + bias) in place on device memory: y has `channels` channels of
/// `plane` elements per sample, bias `channels` values.
inline void bias_relu(float* y, const float* bias, std::size_t plane, std::size_t channels, std::size_t total) {
    if (total == 0) return;
    bias_relu_kernel<<<blocks_for(total), block_threads, 0, current_stream()>>>(y, bias, plane, channels, total);
    ISINGGAN_CUDA_CHECK_LAUNCH(bias_relu_kernel);
}

/// 3x3 pooling of `planes` h x w planes into ho x wo planes (shapes already checked).
inline void pool3x3(const float* x, float* y, std::size_t planes, int h, int w, int ho, int wo, int stride, int pad,
                    bool take_max) {
    const std::size_t total = planes * std::size_t(ho) * std::size_t(wo);
    if (total == 0) return;
    pool3x3_kernel<<<blocks_for(total), block_threads, 0, current_stream()>>>(x, y, h, w, ho, wo, stride, pad, take_max, total);
    ISINGGAN_CUDA_CHECK_LAUNCH(pool3x3_kernel);
}

}  // namespace isinggan::cuda_detail

namespace isinggan::ops {

/// y = relu(conv2d(x, w) + bias): the convolution without bias, then the
/// bias added with the ReLU in one pass over y.
inline void conv_bias_relu_forward(cuda, const tensor<cuda>& x, const tensor<cuda>& w, const tensor<cuda>& bias,
                                   tensor<cuda>& y, const conv2d_geometry& geometry, cuda_workspace& ws) {
    conv2d_forward(cuda{}, x, w, {}, y, geometry, ws);
    if (bias.size() != y.c())
        throw shape_error("conv_bias_relu_forward: " + std::to_string(bias.size()) + " biases for " +
                          std::to_string(y.c()) + " output channels");
    cuda_detail::bias_relu(y.data(), bias.data(), y.h() * y.w(), y.c(), y.size());
}

/// 3x3 pooling with the given stride and padding; y is resized.
inline void inception_pool3x3(cuda, const tensor<cuda>& x, tensor<cuda>& y, inception_pool_kind kind, int stride,
                              int pad) {
    const auto [ho, wo] = inception_detail::size_pool3x3(x, y, stride, pad);
    cuda_detail::pool3x3(x.data(), y.data(), x.n() * x.c(), int(x.h()), int(x.w()), ho, wo, stride, pad,
                         kind == inception_pool_kind::max);
}

/// Copies channels [from, from + count) of src into the channels of dst
/// starting at `to`: one row of count planes per sample, strided by the samples' sizes.
inline void copy_channels(cuda, const tensor<cuda>& src, std::size_t from, std::size_t count, tensor<cuda>& dst,
                          std::size_t to) {
    inception_detail::check_copy_channels(src, from, count, dst, to);
    const std::size_t plane = src.h() * src.w();
    cuda_detail::copy_rows(dst.data() + to * plane, dst.c() * plane, src.data() + from * plane, src.c() * plane,
                           count * plane, src.n());
}

}  // namespace isinggan::ops
