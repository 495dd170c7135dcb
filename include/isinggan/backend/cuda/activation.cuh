#pragma once
// Elementwise activations on the GPU. The functions are the layers' own
// function objects (layers/activation.hpp: relu, leaky_relu with its slope,
// tanh, sigmoid), so a basic_activation<Fn, cuda> can call
//     ops::activation_forward(cuda{}, fn, x, y);
//     ops::activation_backward(cuda{}, fn, x, y, dy, dx);
// Their host member functions cannot run on the device, so each has a device
// twin below with the same formulas.
#include "isinggan/backend/cuda/launch.cuh"
#include "isinggan/backend/cuda/tensor.hpp"
#include "isinggan/core/activation_fn.hpp"

namespace isinggan::cuda_detail {

struct relu_device {
    __device__ float value(float x) const { return x > 0.0f ? x : 0.0f; }
    __device__ float derivative(float x, float) const { return x > 0.0f ? 1.0f : 0.0f; }
};

struct leaky_relu_device {
    float slope;
    __device__ float value(float x) const { return x > 0.0f ? x : slope * x; }
    __device__ float derivative(float x, float) const { return x > 0.0f ? 1.0f : slope; }
};

struct tanh_device {
    __device__ float value(float x) const { return tanhf(x); }
    __device__ float derivative(float, float y) const { return 1.0f - y * y; }
};

struct sigmoid_device {
    __device__ float value(float x) const {
        if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
        const float e = expf(x);
        return e / (1.0f + e);
    }
    __device__ float derivative(float, float y) const { return y * (1.0f - y); }
};

inline relu_device device_twin(activation_fn::relu) { return {}; }
inline leaky_relu_device device_twin(activation_fn::leaky_relu f) { return {f.slope}; }
inline tanh_device device_twin(activation_fn::tanh) { return {}; }
inline sigmoid_device device_twin(activation_fn::sigmoid) { return {}; }

template <class Fn>
__global__ void activation_forward_kernel(Fn fn, const float* x, float* y, std::size_t n) {
    ISINGGAN_GRID_STRIDE_LOOP(i, n)
        y[i] = fn.value(x[i]);
}

template <class Fn>
__global__ void activation_backward_kernel(Fn fn, const float* x, const float* y, const float* dy, float* dx,
                                           std::size_t n) {
    ISINGGAN_GRID_STRIDE_LOOP(i, n)
        dx[i] = dy[i] * fn.derivative(x[i], y[i]);
}

}  // namespace isinggan::cuda_detail

namespace isinggan::ops {

/// y = fn(x), elementwise; y is resized to x's shape.
template <class Fn>
void activation_forward(cuda, const Fn& fn, const tensor<cuda>& x, tensor<cuda>& y) {
    y.resize(x.shape());
    const std::size_t n = x.size();
    if (n == 0) return;
    cuda_detail::activation_forward_kernel<<<cuda_detail::blocks_for(n), cuda_detail::block_threads, 0, current_stream()>>>(
        cuda_detail::device_twin(fn), x.data(), y.data(), n);
    ISINGGAN_CUDA_CHECK_LAUNCH(activation_forward_kernel);
}

/// dx = dy * fn'(x) (written from x or from the forward output y, whichever
/// the function needs); dx is resized to dy's shape.
template <class Fn>
void activation_backward(cuda, const Fn& fn, const tensor<cuda>& x, const tensor<cuda>& y, const tensor<cuda>& dy,
                         tensor<cuda>& dx) {
    require_shape(x.shape(), dy.shape(), Fn::name);
    require_shape(y.shape(), dy.shape(), Fn::name);
    dx.resize(dy.shape());
    const std::size_t n = dy.size();
    if (n == 0) return;
    cuda_detail::activation_backward_kernel<<<cuda_detail::blocks_for(n), cuda_detail::block_threads, 0, current_stream()>>>(
        cuda_detail::device_twin(fn), x.data(), y.data(), dy.data(), dx.data(), n);
    ISINGGAN_CUDA_CHECK_LAUNCH(activation_backward_kernel);
}

}  // namespace isinggan::ops
