#pragma once
// The CUDA backend: device tensors, cuBLAS GEMM. Host-side code only, so any
// C++ compiler can build it against the toolkit's headers; kernels live in .cuh files.
#include "isinggan/backend/cuda/check.hpp"
#include "isinggan/backend/cuda/device_buffer.hpp"
#include "isinggan/backend/cuda/gemm.hpp"
#include "isinggan/backend/cuda/tensor.hpp"
