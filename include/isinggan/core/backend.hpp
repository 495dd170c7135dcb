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

}  // namespace isinggan
