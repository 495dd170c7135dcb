#pragma once
// The GPU kernels of Inception-v3 inference (models/inception): the bias and
// ReLU that follow each folded convolution, in one pass, and the 3x3 max and
// average pools, the average excluding padding (count_include_pad=False).
// Each output does the CPU loop's arithmetic in the CPU loop's order, so
// pooling results are the same bits on both backends.
#include <cstddef>

#include "isinggan/backend/cuda/launch.cuh"

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
