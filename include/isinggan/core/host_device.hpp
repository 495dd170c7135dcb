#pragma once
// ISINGGAN_HOST_DEVICE marks a function that both backends call: plain host
// code for the CPU kernels and, when nvcc compiles it, device code for the
// CUDA kernels as well (the pattern of Eigen's EIGEN_DEVICE_FUNC). Extension
// points that run inside kernels (pairwise energies, pair weightings) mark
// their static functions with it, so one definition serves both backends:
//
//     struct my_energy {
//         template <class T> ISINGGAN_HOST_DEVICE static T energy(T a, T b) { ... }
//         ...
//     };
//
// Inside such a function, use what both compilers provide for float and
// double: arithmetic, std::abs, std::sqrt, std::exp and the like (nvcc has
// device overloads of the <cmath> functions). A policy without the mark still
// works on the CPU; nvcc rejects it in a CUDA kernel with "calling a __host__
// function from a __global__ function is not allowed".
#if defined(__CUDACC__)
#define ISINGGAN_HOST_DEVICE __host__ __device__
#else
#define ISINGGAN_HOST_DEVICE
#endif
