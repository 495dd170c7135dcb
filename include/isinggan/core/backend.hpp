#pragma once
// Backend tags. A layer is written once and instantiated per backend; each op
// has one overload per tag (`ops::conv2d_forward(cpu{}, ...)` lives in
// backend/cpu, the `cuda` overloads in backend/cuda).
#include <concepts>

namespace isinggan {

/// Host memory, Eigen/OpenBLAS GEMM, OpenMP across cores.
struct cpu {
    static constexpr const char* name = "cpu";
};

/// NVIDIA GPU memory, cuDNN and cuBLAS. Its operations are compiled only when
/// ISINGGAN_WITH_CUDA is defined; the tag itself always exists so that
/// user code can name it.
struct cuda {
    static constexpr const char* name = "cuda";
};

template <class B>
concept backend = std::same_as<B, cpu> || std::same_as<B, cuda>;

/// The scratch-memory type of a backend's ops (cpu_workspace, cuda_workspace);
/// each backend's workspace header specialises it.
template <class B>
struct workspace_for;

/// A buffer of int32 indices in the backend's memory (max pooling's argmax);
/// each backend's buffer header specialises it.
template <class B>
struct index_buffer_for;

}  // namespace isinggan
