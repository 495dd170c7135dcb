#pragma once
// The CUDA backend: device tensors, cuBLAS GEMM, cuDNN convolutions and their
// workspace. Host-side code only, so any C++ compiler can build it against
// the toolkit's headers; kernels live in .cuh files (kernels.cuh).
#include "isinggan/backend/cuda/channel_concat.hpp"
#include "isinggan/backend/cuda/check.hpp"
#include "isinggan/backend/cuda/conv2d.hpp"
#include "isinggan/backend/cuda/conv_transpose2d.hpp"
#include "isinggan/backend/cuda/cudnn.hpp"
#include "isinggan/backend/cuda/device_buffer.hpp"
#include "isinggan/backend/cuda/gemm.hpp"
#include "isinggan/backend/cuda/settings.hpp"
#include "isinggan/backend/cuda/stream.hpp"
#include "isinggan/backend/cuda/tensor.hpp"
#include "isinggan/backend/cuda/workspace.hpp"
