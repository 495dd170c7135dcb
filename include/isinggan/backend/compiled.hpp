#pragma once
// Which backends this translation unit can run. The GPU ops are CUDA C++, so
// they are declared only where nvcc compiles with the CUDA backend
// (ISINGGAN_WITH_CUDA, set by isinggan::cuda); there ISINGGAN_CUDA_OPS is
// defined and code templated on the backend (layers, optimizers, trainers)
// may be instantiated on `cuda`. Included before those templates are defined,
// so that their calls on a `cuda` backend find the GPU overloads.
#include <concepts>

#include "isinggan/core/backend.hpp"

#if defined(ISINGGAN_WITH_CUDA) && defined(__CUDACC__)
#include "isinggan/backend/cuda/kernels.cuh"
#include "isinggan/backend/cuda/ops.hpp"
#define ISINGGAN_CUDA_OPS 1
#endif

namespace isinggan {

/// Whether this translation unit can instantiate code on backend B.
template <class B>
inline constexpr bool backend_compiled = std::same_as<B, cpu>
#ifdef ISINGGAN_CUDA_OPS
                                         || std::same_as<B, cuda>
#endif
    ;

/// Stops compilation, with a message saying why, where backend B cannot run.
template <class B>
constexpr void require_backend() {
    static_assert(backend_compiled<B>,
                  "isinggan: the cuda backend runs CUDA kernels, so code that instantiates layers, optimizers or "
                  "trainers on it must be compiled by nvcc: put it in a .cu file of a target that links "
                  "isinggan::cuda");
}

}  // namespace isinggan
