#pragma once
// Shared pieces of the CUDA kernels: launch sizes, a launch-error check and a
// block-wide sum. Kernels use grid-stride loops, so any grid size covers any
// problem; the grid is capped to keep per-block partial sums few.
#include <array>
#include <cstddef>

#include "isinggan/backend/cuda/device_buffer.hpp"

/// Declares a kernel defined in a header. Non-template kernels get internal
/// linkage, so that several .cu files of one program can include the header
/// (nvcc gives every __global__ function an externally visible host-side launcher).
#define ISINGGAN_KERNEL static __global__

/// `for (i ...)` over [0, n) in a grid-stride loop: each thread takes every
/// (grid size)-th element, so any launch size covers any n.
#define ISINGGAN_GRID_STRIDE_LOOP(i, n)                                                  \
    for (std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; i < (n);  \
         i += std::size_t(gridDim.x) * blockDim.x)

namespace isinggan::cuda_detail {

/// Threads per block for every kernel of the backend (a power of two: block_sum relies on it).
constexpr int block_threads = 256;
/// Most blocks a kernel is launched with, and so most partial sums a reduction produces.
constexpr int max_blocks = 1024;

/// Blocks for n elements, one per block_threads elements, at least 1, at most max_blocks.
inline int blocks_for(std::size_t n) {
    const std::size_t b = (n + block_threads - 1) / block_threads;
    return b == 0 ? 1 : (b > std::size_t(max_blocks) ? max_blocks : int(b));
}

/// Reports a failed kernel launch (bad configuration, no device) as device_error.
inline void check_launch(const char* kernel, const char* file, int line) {
    check(cudaGetLastError(), kernel, file, line);
}

/// Sum of `v` over the threads of the block, returned to every thread.
/// Needs blockDim.x == block_threads and every thread of the block to call it.
__device__ inline double block_sum(double v) {
    __shared__ double partial[block_threads];
    partial[threadIdx.x] = v;
    __syncthreads();
    for (int stride = block_threads / 2; stride > 0; stride /= 2) {
        if (int(threadIdx.x) < stride) partial[threadIdx.x] += partial[threadIdx.x + stride];
        __syncthreads();
    }
    const double total = partial[0];
    __syncthreads();  // the next call may overwrite `partial`
    return total;
}

/// Device memory for one double per block of a reduction: allocated once per
/// thread, at full size, so reductions never allocate afterwards.
inline double* reduction_partials() {
    thread_local device_buffer<double> partials(max_blocks);
    return partials.data();
}

/// Copies `blocks` partial sums to the host and adds them in block order, so
/// the result does not depend on scheduling.
inline double sum_partials(const double* partials, int blocks) {
    std::array<double, max_blocks> host{};
    ISINGGAN_CUDA_CHECK(cudaMemcpyAsync(host.data(), partials, sizeof(double) * std::size_t(blocks),
                                        cudaMemcpyDeviceToHost, current_stream()));
    ISINGGAN_CUDA_CHECK(cudaStreamSynchronize(current_stream()));
    double total = 0.0;
    for (int i = 0; i < blocks; ++i) total += host[std::size_t(i)];
    return total;
}

}  // namespace isinggan::cuda_detail

/// Checks the launch of the kernel just started: ISINGGAN_CUDA_CHECK_LAUNCH(relu_forward_kernel).
#define ISINGGAN_CUDA_CHECK_LAUNCH(kernel) ::isinggan::cuda_detail::check_launch(#kernel, __FILE__, __LINE__)
