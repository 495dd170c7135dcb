#pragma once
// Device twins of the pairwise energies of losses/mrf/pairwise.hpp. The
// policies' static functions are host code, so the GPU kernel reads these
// instead: device_pairwise<P> has the same energy and derivative as P, in float.
#include "isinggan/losses/mrf/pairwise.hpp"

namespace isinggan::cuda_detail {

/// No device twin: a custom policy needs a specialisation of its own.
template <class P>
struct device_pairwise;

template <>
struct device_pairwise<ising> {
    __device__ static float energy(float a, float b) { return fabsf(a - b); }
    __device__ static pair_derivative<float> derivative(float a, float b) {
        const float s = a > b ? 1.0f : (a < b ? -1.0f : 0.0f);
        return {s, -s};
    }
};

template <>
struct device_pairwise<ising_bilinear> {
    __device__ static float energy(float a, float b) { return a * (1.0f - b) + b * (1.0f - a); }
    __device__ static pair_derivative<float> derivative(float a, float b) {
        return {1.0f - 2.0f * b, 1.0f - 2.0f * a};
    }
};

template <>
struct device_pairwise<ising_squared> {
    __device__ static float energy(float a, float b) {
        const float d = a - b;
        return d * d;
    }
    __device__ static pair_derivative<float> derivative(float a, float b) {
        const float g = 2.0f * (a - b);
        return {g, -g};
    }
};

template <std::size_t K>
struct device_pairwise<potts<K>> {
    __device__ static float energy(float a, float b) { return -a * b; }
    __device__ static pair_derivative<float> derivative(float a, float b) { return {-b, -a}; }
};

template <double Delta>
struct device_pairwise<huber<Delta>> {
    __device__ static float energy(float a, float b) {
        const float d = fabsf(a - b);
        const float delta = static_cast<float>(Delta);
        return d <= delta ? d * d / (2.0f * delta) : d - delta / 2.0f;
    }
    __device__ static pair_derivative<float> derivative(float a, float b) {
        const float d = a - b;
        const float delta = static_cast<float>(Delta);
        const float g = fabsf(d) <= delta ? d / delta : (d > 0 ? 1.0f : -1.0f);
        return {g, -g};
    }
};

template <double Eps>
struct device_pairwise<charbonnier<Eps>> {
    __device__ static float energy(float a, float b) {
        const float d = a - b;
        const float eps = static_cast<float>(Eps);
        return sqrtf(d * d + eps * eps) - eps;
    }
    __device__ static pair_derivative<float> derivative(float a, float b) {
        const float d = a - b;
        const float eps = static_cast<float>(Eps);
        const float g = d / sqrtf(d * d + eps * eps);
        return {g, -g};
    }
};

}  // namespace isinggan::cuda_detail
