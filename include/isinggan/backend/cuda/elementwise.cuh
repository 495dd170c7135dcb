#pragma once
// Elementwise operations on the GPU, as backend/cpu/elementwise.hpp: add_bias,
// axpy, scale, add, and the sum and dot reductions (accumulated in double;
// the per-block partial sums are added on the host in block order).
#include <span>
#include <string>

#include "isinggan/backend/cuda/launch.cuh"
#include "isinggan/backend/cuda/tensor.hpp"

namespace isinggan::cuda_detail {

ISINGGAN_KERNEL void add_bias_kernel(float* y, const float* bias, std::size_t channels, std::size_t plane,
                                std::size_t n) {
    ISINGGAN_GRID_STRIDE_LOOP(i, n) y[i] += bias[(i / plane) % channels];
}

ISINGGAN_KERNEL void axpy_kernel(float alpha, const float* x, float* y, std::size_t n) {
    ISINGGAN_GRID_STRIDE_LOOP(i, n) y[i] += alpha * x[i];
}

ISINGGAN_KERNEL void scale_kernel(float* x, float alpha, std::size_t n) {
    ISINGGAN_GRID_STRIDE_LOOP(i, n) x[i] *= alpha;
}

ISINGGAN_KERNEL void binarize_kernel(const float* x, float threshold, float on, float* out, std::size_t n) {
    ISINGGAN_GRID_STRIDE_LOOP(i, n) out[i] = x[i] >= threshold ? on : 0.0f;
}

ISINGGAN_KERNEL void add_kernel(const float* a, const float* b, float* out, std::size_t n) {
    ISINGGAN_GRID_STRIDE_LOOP(i, n) out[i] = a[i] + b[i];
}

/// partials[block] = Σ a[i] (b == null) or Σ a[i] b[i], over this block's elements.
ISINGGAN_KERNEL void sum_product_kernel(const float* a, const float* b, std::size_t n, double* partials) {
    double s = 0.0;
    ISINGGAN_GRID_STRIDE_LOOP(i, n) s += b ? double(a[i]) * b[i] : double(a[i]);
    const double total = block_sum(s);
    if (threadIdx.x == 0) partials[blockIdx.x] = total;
}

inline double sum_product(const float* a, const float* b, std::size_t n) {
    if (n == 0) return 0.0;
    const int blocks = blocks_for(n);
    double* partials = reduction_partials();
    sum_product_kernel<<<blocks, block_threads, 0, current_stream()>>>(a, b, n, partials);
    ISINGGAN_CUDA_CHECK_LAUNCH(sum_product_kernel);
    return sum_partials(partials, blocks);
}

/// grad[i] += scale·(1 − 2m[i]); partials[block] = Σ m(1 − m) over this block's elements.
ISINGGAN_KERNEL void ambiguity_penalty_kernel(const float* m, float scale, float* grad, std::size_t n,
                                              double* partials) {
    double s = 0.0;
    ISINGGAN_GRID_STRIDE_LOOP(i, n) {
        s += double(m[i]) * (1.0 - double(m[i]));
        grad[i] += scale * (1.0f - 2.0f * m[i]);
    }
    const double total = block_sum(s);
    if (threadIdx.x == 0) partials[blockIdx.x] = total;
}

}  // namespace isinggan::cuda_detail

namespace isinggan::ops {

/// y[n][c][:] += bias[c]; bias has one value per channel, in device memory.
inline void add_bias(cuda, tensor<cuda>& y, std::span<const float> bias) {
    if (bias.size() != y.c())
        throw shape_error("add_bias: " + std::to_string(bias.size()) + " bias values for tensor " + y.shape().str());
    if (y.size() == 0) return;
    cuda_detail::add_bias_kernel<<<cuda_detail::blocks_for(y.size()), cuda_detail::block_threads, 0, current_stream()>>>(
        y.data(), bias.data(), y.c(), y.h() * y.w(), y.size());
    ISINGGAN_CUDA_CHECK_LAUNCH(add_bias_kernel);
}

/// y += alpha * x.
inline void axpy(cuda, float alpha, const tensor<cuda>& x, tensor<cuda>& y) {
    require_same_shape(x, y, "axpy");
    if (x.size() == 0) return;
    cuda_detail::axpy_kernel<<<cuda_detail::blocks_for(x.size()), cuda_detail::block_threads, 0, current_stream()>>>(alpha, x.data(),
                                                                                               y.data(), x.size());
    ISINGGAN_CUDA_CHECK_LAUNCH(axpy_kernel);
}

/// x *= alpha.
inline void scale(cuda, tensor<cuda>& x, float alpha) {
    if (x.size() == 0) return;
    cuda_detail::scale_kernel<<<cuda_detail::blocks_for(x.size()), cuda_detail::block_threads, 0, current_stream()>>>(x.data(), alpha,
                                                                                                x.size());
    ISINGGAN_CUDA_CHECK_LAUNCH(scale_kernel);
}

/// out = (x >= threshold) ? on : 0 (out may alias x), as the CPU's.
inline void binarize(cuda, const tensor<cuda>& x, float threshold, float on, tensor<cuda>& out) {
    if (&out != &x) out.resize(x.shape());
    if (x.size() == 0) return;
    cuda_detail::binarize_kernel<<<cuda_detail::blocks_for(x.size()), cuda_detail::block_threads, 0, current_stream()>>>(
        x.data(), threshold, on, out.data(), x.size());
    ISINGGAN_CUDA_CHECK_LAUNCH(binarize_kernel);
}

/// out = a + b (out may alias a or b).
inline void add(cuda, const tensor<cuda>& a, const tensor<cuda>& b, tensor<cuda>& out) {
    require_same_shape(a, b, "add");
    if (&out != &a && &out != &b) out.resize(a.shape());
    if (a.size() == 0) return;
    cuda_detail::add_kernel<<<cuda_detail::blocks_for(a.size()), cuda_detail::block_threads, 0, current_stream()>>>(a.data(), b.data(),
                                                                                              out.data(), a.size());
    ISINGGAN_CUDA_CHECK_LAUNCH(add_kernel);
}

/// Sum of all elements, accumulated in double.
inline double sum(cuda, const tensor<cuda>& x) { return cuda_detail::sum_product(x.data(), nullptr, x.size()); }

/// Dot product of two same-shaped tensors, accumulated in double.
inline double dot(cuda, const tensor<cuda>& a, const tensor<cuda>& b) {
    require_same_shape(a, b, "dot");
    return cuda_detail::sum_product(a.data(), b.data(), a.size());
}

/// scale · Σ m(1 − m), its gradient added to `grad`, as the CPU's.
inline double ambiguity_penalty(cuda, const tensor<cuda>& mask, float scale, tensor<cuda>& grad) {
    require_same_shape(mask, grad, "ambiguity_penalty: mask and gradient");
    if (mask.size() == 0) return 0.0;
    const int blocks = cuda_detail::blocks_for(mask.size());
    double* partials = cuda_detail::reduction_partials();
    cuda_detail::ambiguity_penalty_kernel<<<blocks, cuda_detail::block_threads, 0, current_stream()>>>(
        mask.data(), scale, grad.data(), mask.size(), partials);
    ISINGGAN_CUDA_CHECK_LAUNCH(ambiguity_penalty_kernel);
    return double(scale) * cuda_detail::sum_partials(partials, blocks);
}

}  // namespace isinggan::ops
