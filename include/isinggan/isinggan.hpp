#pragma once
// isinggan: convolutional networks with differentiable Markov-random-field
// smoothness penalties. This umbrella header brings in the core and the CPU
// backend; the CUDA backend joins when ISINGGAN_WITH_CUDA is defined (the
// CMake target defines it when the toolkit and cuDNN were found).
#include "isinggan/core/backend.hpp"
#include "isinggan/core/eigen_interop.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/core/random.hpp"
#include "isinggan/core/shape.hpp"
#include "isinggan/core/tensor.hpp"
#include "isinggan/backend/cpu/ops.hpp"

#if defined(ISINGGAN_WITH_CUDA)
#include "isinggan/backend/cuda/ops.hpp"
#endif
