#pragma once
// How the GPU backend computes, for the whole process (set it before the
// first convolution; plans made earlier keep the settings they were made with).
//
//   math    fp32 (default): convolutions and matrix products in true fp32 on
//           the FMA units, so results agree with the CPU backend to fp32
//           accuracy. tf32: tensor cores with TF32 inputs (10-bit mantissa)
//           and fp32 accumulation, parameters and activations staying fp32,
//           what PyTorch does for cuDNN convolutions by default; several
//           times faster on Ampere and Hopper, about 1e-3 relative error.
//   search  benchmark (default): each convolution problem's algorithms are
//           timed once, on its first call, and the fastest that fits the
//           workspace limit is kept (PyTorch's cudnn.benchmark = True).
//           heuristic: cuDNN's ranking, no timing runs (a faster first step).
#include <cstdint>

namespace isinggan {

enum class cuda_math : std::uint8_t { fp32, tf32 };
enum class conv_algorithm_search : std::uint8_t { benchmark, heuristic };

struct cuda_settings {
    cuda_math math = cuda_math::fp32;
    conv_algorithm_search search = conv_algorithm_search::benchmark;
};

/// The process-wide settings; change them before training starts.
inline cuda_settings& cuda_config() {
    static cuda_settings settings;
    return settings;
}

}  // namespace isinggan
