#pragma once
// The minibatch standard deviation (backend/cpu/minibatch_stddev.hpp, which
// states the maths and shares the shape checks) on the GPU. One thread per
// feature j computes its batch mean and σ_j in double, as the CPU does; the
// sums over features (s) and over the appended channel's gradient (G) are
// block sums added in block order by one thread, on the device, so neither
// pass waits for the host.
#include <cstddef>

#include "isinggan/backend/cpu/minibatch_stddev.hpp"
#include "isinggan/backend/cuda/launch.cuh"
#include "isinggan/backend/cuda/tensor.hpp"

namespace isinggan::cuda_detail {

/// σ_j for every feature j of the n samples of m features; the block sums of σ_j into partials.
ISINGGAN_KERNEL void minibatch_stddev_sigma_kernel(const float* x, std::size_t n, std::size_t m, double eps,
                                                   float* sigma, double* partials) {
    double local = 0.0;
    ISINGGAN_GRID_STRIDE_LOOP(j, m) {
        double mean = 0.0;
        for (std::size_t i = 0; i < n; ++i) mean += double(x[i * m + j]);
        mean /= double(n);
        double var = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            const double d = double(x[i * m + j]) - mean;
            var += d * d;
        }
        const double s = sqrt(var / double(n) + eps);
        sigma[j] = float(s);
        local += s;
    }
    const double sum = block_sum(local);
    if (threadIdx.x == 0) partials[blockIdx.x] = sum;
}

/// *out = scale · Σ partials[b], in block order (one thread).
ISINGGAN_KERNEL void minibatch_stddev_total_kernel(const double* partials, int blocks, double scale, double* out) {
    double total = 0.0;
    for (int b = 0; b < blocks; ++b) total += partials[b];
    *out = total * scale;
}

/// y = [x, s], samples of m + plane elements.
ISINGGAN_KERNEL void minibatch_stddev_fill_kernel(const float* x, std::size_t n, std::size_t m, std::size_t plane,
                                                  const double* s, float* y) {
    const std::size_t out_sample = m + plane;
    const float value = float(*s);
    ISINGGAN_GRID_STRIDE_LOOP(i, n * out_sample) {
        const std::size_t sample = i / out_sample, k = i % out_sample;
        y[i] = k < m ? x[sample * m + k] : value;
    }
}

/// Block sums of the appended channel's gradient dy[n, C, :, :].
ISINGGAN_KERNEL void minibatch_stddev_channel_sum_kernel(const float* dy, std::size_t n, std::size_t m,
                                                         std::size_t plane, double* partials) {
    double local = 0.0;
    ISINGGAN_GRID_STRIDE_LOOP(i, n * plane) local += double(dy[(i / plane) * (m + plane) + m + i % plane]);
    const double sum = block_sum(local);
    if (threadIdx.x == 0) partials[blockIdx.x] = sum;
}

/// dx[i, j] = dy[i, j] + k (x[i, j] − μ_j) / σ_j with k = *g_over = G / (M N); one thread per feature j.
ISINGGAN_KERNEL void minibatch_stddev_backward_kernel(const float* x, const float* sigma, const float* dy,
                                                      std::size_t n, std::size_t m, std::size_t plane,
                                                      const double* g_over, float* dx) {
    const double k = *g_over;
    ISINGGAN_GRID_STRIDE_LOOP(j, m) {
        double mean = 0.0;
        for (std::size_t i = 0; i < n; ++i) mean += double(x[i * m + j]);
        mean /= double(n);
        const double kj = k / double(sigma[j]);
        for (std::size_t i = 0; i < n; ++i)
            dx[i * m + j] = float(double(dy[i * (m + plane) + j]) + kj * (double(x[i * m + j]) - mean));
    }
}

/// One device double for the scalars above, allocated once per thread.
inline double* minibatch_stddev_scalar() {
    thread_local device_buffer<double> scalar(1);
    return scalar.data();
}

}  // namespace isinggan::cuda_detail

namespace isinggan::ops {

/// y = [x, s]; sigma receives σ_j for the backward pass (see the CPU overload).
inline void minibatch_stddev_forward(cuda, const tensor<cuda>& x, tensor<cuda>& y, tensor<cuda>& sigma,
                                     double eps = 1e-8, collective* sync = nullptr) {
    using namespace cuda_detail;
    if (sync) throw argument_error("minibatch_stddev: synchronised statistics (sync-bn) run on the cpu backend only, for now");
    minibatch_stddev_detail::size_forward(x, y, sigma, eps);
    const std::size_t n = x.n(), m = x.shape().sample_size(), plane = x.h() * x.w();
    const int blocks = blocks_for(m);
    double* partials = reduction_partials();
    double* s = minibatch_stddev_scalar();
    minibatch_stddev_sigma_kernel<<<blocks, block_threads, 0, current_stream()>>>(x.data(), n, m, eps, sigma.data(),
                                                                                   partials);
    ISINGGAN_CUDA_CHECK_LAUNCH(minibatch_stddev_sigma_kernel);
    minibatch_stddev_total_kernel<<<1, 1, 0, current_stream()>>>(partials, blocks, 1.0 / double(m), s);
    ISINGGAN_CUDA_CHECK_LAUNCH(minibatch_stddev_total_kernel);
    minibatch_stddev_fill_kernel<<<blocks_for(y.size()), block_threads, 0, current_stream()>>>(x.data(), n, m, plane,
                                                                                               s, y.data());
    ISINGGAN_CUDA_CHECK_LAUNCH(minibatch_stddev_fill_kernel);
}

/// dx from dy, the forward input x and its sigma.
inline void minibatch_stddev_backward(cuda, const tensor<cuda>& x, const tensor<cuda>& sigma, const tensor<cuda>& dy,
                                      tensor<cuda>& dx, collective* sync = nullptr) {
    using namespace cuda_detail;
    if (sync) throw argument_error("minibatch_stddev: synchronised statistics (sync-bn) run on the cpu backend only, for now");
    minibatch_stddev_detail::size_backward(x, sigma, dy, dx);
    const std::size_t n = x.n(), m = x.shape().sample_size(), plane = x.h() * x.w();
    const int blocks = blocks_for(n * plane);
    double* partials = reduction_partials();
    double* g = minibatch_stddev_scalar();
    minibatch_stddev_channel_sum_kernel<<<blocks, block_threads, 0, current_stream()>>>(dy.data(), n, m, plane,
                                                                                         partials);
    ISINGGAN_CUDA_CHECK_LAUNCH(minibatch_stddev_channel_sum_kernel);
    minibatch_stddev_total_kernel<<<1, 1, 0, current_stream()>>>(partials, blocks, 1.0 / (double(m) * double(n)), g);
    ISINGGAN_CUDA_CHECK_LAUNCH(minibatch_stddev_total_kernel);
    minibatch_stddev_backward_kernel<<<blocks_for(m), block_threads, 0, current_stream()>>>(
        x.data(), sigma.data(), dy.data(), n, m, plane, g, dx.data());
    ISINGGAN_CUDA_CHECK_LAUNCH(minibatch_stddev_backward_kernel);
}

}  // namespace isinggan::ops
