#pragma once
// Differentiable augmentation of stacked (image, mask) pairs on the GPU: the
// maths of backend/cpu/pair_augment.hpp, which also checks the shapes and the
// parameters. One block per sample. The colour transforms fold into one map
// per pixel, because saturation keeps each pixel's channel mean, so the
// contrast's mean is mean(x) + b, known from one block sum over the input:
//   forward   y_c = ((v_c − v̄) s + v̄ − M) k + M,  v = x + b at the source pixel,
//             v̄ its channel mean, M = mean(x) + b
// and likewise one block sum over the gathered gradient t for the backward:
//   backward  w_c = k t_c + (1 − k) T,  dx_c = s w_c + (1 − s) w̄,  T = mean(t),
//             w̄ the channel mean of w
// The mask channel is only translated and cut.
#include <cstddef>
#include <vector>

#include "isinggan/backend/cpu/pair_augment.hpp"
#include "isinggan/backend/cuda/device_buffer.hpp"
#include "isinggan/backend/cuda/launch.cuh"
#include "isinggan/backend/cuda/tensor.hpp"

namespace isinggan::cuda_detail {

/// Whether output pixel (y, x) lies in the sample's cutout square.
__device__ inline bool in_cutout(const pair_augment_params& q, int y, int x) {
    return q.cut_side > 0 && y >= q.cut_y && y < q.cut_y + q.cut_side && x >= q.cut_x && x < q.cut_x + q.cut_side;
}

ISINGGAN_KERNEL void pair_augment_forward_kernel(const float* x, const pair_augment_params* params, int side,
                                                 float* y) {
    const pair_augment_params q = params[blockIdx.x];
    const std::size_t plane = std::size_t(side) * side;
    const float* in = x + blockIdx.x * 4 * plane;
    float* out = y + blockIdx.x * 4 * plane;
    double local = 0.0;
    for (std::size_t i = threadIdx.x; i < 3 * plane; i += blockDim.x) local += double(in[i]);
    const float mean = float(block_sum(local) / double(3 * plane)) + q.brightness;
    for (std::size_t i = threadIdx.x; i < plane; i += blockDim.x) {
        const int oy = int(i / side), ox = int(i % side), sy = oy - q.shift_y, sx = ox - q.shift_x;
        if (in_cutout(q, oy, ox) || sy < 0 || sy >= side || sx < 0 || sx >= side) {
            for (int c = 0; c < 4; ++c) out[c * plane + i] = 0.0f;
            continue;
        }
        const std::size_t src = std::size_t(sy) * side + sx;
        const float v0 = in[src] + q.brightness, v1 = in[plane + src] + q.brightness,
                    v2 = in[2 * plane + src] + q.brightness;
        const float vbar = (v0 + v1 + v2) / 3.0f;
        const float v[3] = {v0, v1, v2};
        for (int c = 0; c < 3; ++c) out[c * plane + i] = (((v[c] - vbar) * q.saturation + vbar) - mean) * q.contrast + mean;
        out[3 * plane + i] = in[3 * plane + src];
    }
}

ISINGGAN_KERNEL void pair_augment_backward_kernel(const float* dy, const pair_augment_params* params, int side,
                                                  float* dx) {
    const pair_augment_params q = params[blockIdx.x];
    const std::size_t plane = std::size_t(side) * side;
    const float* in = dy + blockIdx.x * 4 * plane;
    float* out = dx + blockIdx.x * 4 * plane;
    // t at input pixel (y, x) is dy at output pixel (y + ty, x + tx), zero where that is cut or outside.
    const auto source = [&](std::size_t i, long& at) {
        const int oy = int(i / side) + q.shift_y, ox = int(i % side) + q.shift_x;
        const bool inside = oy >= 0 && oy < side && ox >= 0 && ox < side && !in_cutout(q, oy, ox);
        at = inside ? long(oy) * side + ox : -1;
    };
    double local = 0.0;
    for (std::size_t i = threadIdx.x; i < plane; i += blockDim.x) {
        long at;
        source(i, at);
        if (at >= 0) local += double(in[at]) + double(in[plane + at]) + double(in[2 * plane + at]);
    }
    const float mean_t = float(block_sum(local) / double(3 * plane));
    for (std::size_t i = threadIdx.x; i < plane; i += blockDim.x) {
        long at;
        source(i, at);
        float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        if (at >= 0)
            for (int c = 0; c < 4; ++c) t[c] = in[c * plane + at];
        float w[3];
        for (int c = 0; c < 3; ++c) w[c] = q.contrast * t[c] + (1.0f - q.contrast) * mean_t;
        const float wbar = (w[0] + w[1] + w[2]) / 3.0f;
        for (int c = 0; c < 3; ++c) out[c * plane + i] = q.saturation * w[c] + (1.0f - q.saturation) * wbar;
        out[3 * plane + i] = t[3];
    }
}

/// The parameters on the device, one buffer per thread (the copy waits for
/// the stream, so the host vector may change as soon as it returns).
inline const pair_augment_params* upload_pair_augment(const std::vector<pair_augment_params>& p) {
    thread_local device_buffer<pair_augment_params> buffer;
    buffer.copy_from_host(p.data(), p.size());
    return buffer.data();
}

}  // namespace isinggan::cuda_detail

namespace isinggan::ops {

/// y = augment(x) for stacked pairs x [N, 4, S, S] (see the CPU overload).
inline void pair_augment_forward(cuda, const tensor<cuda>& x, const std::vector<pair_augment_params>& p,
                                 tensor<cuda>& y) {
    using namespace cuda_detail;
    pair_augment_detail::check(x, p, "pair_augment_forward");
    if (&x == &y) throw argument_error("pair_augment_forward: on the GPU y must not be x");
    y.resize(x.shape());
    const pair_augment_params* params = upload_pair_augment(p);
    pair_augment_forward_kernel<<<unsigned(x.n()), block_threads, 0, current_stream()>>>(x.data(), params,
                                                                                         int(x.h()), y.data());
    ISINGGAN_CUDA_CHECK_LAUNCH(pair_augment_forward_kernel);
}

/// dx for dy and the same parameters (see the CPU overload).
inline void pair_augment_backward(cuda, const tensor<cuda>& dy, const std::vector<pair_augment_params>& p,
                                  tensor<cuda>& dx) {
    using namespace cuda_detail;
    pair_augment_detail::check(dy, p, "pair_augment_backward");
    if (&dy == &dx) throw argument_error("pair_augment_backward: on the GPU dx must not be dy");
    dx.resize(dy.shape());
    const pair_augment_params* params = upload_pair_augment(p);
    pair_augment_backward_kernel<<<unsigned(dy.n()), block_threads, 0, current_stream()>>>(dy.data(), params,
                                                                                           int(dy.h()), dx.data());
    ISINGGAN_CUDA_CHECK_LAUNCH(pair_augment_backward_kernel);
}

}  // namespace isinggan::ops
