#pragma once
// The GPU half of the GAN programs (gan_commands.hpp): `train --device cuda`
// picks the network pair. Included by each program's cuda.cu, which nvcc
// compiles, with one explicit instantiation for that program's generator and
// smoothness policy; the training of each pair (gan_training_run.hpp) is a unit
// of its own. Sample grids are drawn on a host copy of the generator;
// checkpoints are the same files as CPU runs write, so a run can move between
// the two.
#include <cstdio>

#include "gan_commands.hpp"
#include "job.hpp"
#include "isinggan/backend/cuda/ops.hpp"

namespace isinggan::examples {

/// The (side, width divisor) pairs built for the GPU: the paper's full width
/// at 64 and 256, and the quarter width at 32 (the demo's) and 64.
template <class F>
int for_gpu_model(int size, int divisor, F&& f) {
    if (size == 32 && divisor == 4) return f.template operator()<32, 4>();
    if (size == 64 && divisor == 1) return f.template operator()<64, 1>();
    if (size == 64 && divisor == 4) return f.template operator()<64, 4>();
    if (size == 256 && divisor == 1) return f.template operator()<256, 1>();
    if (!models::supported_size(size))
        throw usage_error("--size " + std::to_string(size) + " is not a model side: use 32, 64, 128 or 256");
    throw usage_error("--device cuda is built for --size 64 or 256 at --width 1, and --size 32 or 64 at "
                      "--width 0.25; train this size on the CPU");
}

template <template <int, int> class Generator, class Smoothness>
int gan_program<Generator, Smoothness>::train_on_gpu(const std::string& name, const program_args& a) {
    if (cuda_detail::device_count() == 0)
        throw std::runtime_error("--device cuda: no CUDA device present (a GPU and its driver are needed)");
    // Several ranks: each takes its GPU (the communicator picks it) before any other GPU work.
    int device = 0;
    if (job* j = job::current(); j && j->parallel()) {
        j->communicator(a.collective_timeout, true);
        ISINGGAN_CUDA_CHECK(cudaGetDevice(&device));
    }
    cudaDeviceProp prop{};
    ISINGGAN_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    std::cout << "device: " << prop.name << " (CUDA, fp32)\n";
    const int divisor = width_divisor(a.width.value_or(1.0));
    return for_gpu_model(*a.patch, divisor, [&]<int S, int D>() {
        return with_networks<Generator, cuda, S, D>(
            a, [&]<class Networks>() { return train_networks<Networks, cuda, Smoothness>(name, a); });
    });
}

}  // namespace isinggan::examples
