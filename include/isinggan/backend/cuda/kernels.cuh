#pragma once
// The CUDA backend's custom kernels: activations, elementwise operations and
// reductions, batch norm, pooling, upsampling, the minibatch standard
// deviation, the differentiable pair augmentation, BCE, soft Dice, the MRF
// smoothness losses (pairwise and laplacian_l1, also as the smoothness
// policies the GAN trainer takes), Adam, and the collectives of data-parallel
// training. Include from .cu files (compiled by nvcc); ops.hpp has the
// host-only part.
#include "isinggan/backend/cuda/activation.cuh"
#include "isinggan/backend/cuda/adam.cuh"
#include "isinggan/backend/cuda/all_reduce.cuh"
#include "isinggan/backend/cuda/batch_norm.cuh"
#include "isinggan/backend/cuda/bce.cuh"
#include "isinggan/backend/cuda/dice.cuh"
#include "isinggan/backend/cuda/elementwise.cuh"
#include "isinggan/backend/cuda/inception.cuh"
#include "isinggan/backend/cuda/laplacian_l1.cuh"
#include "isinggan/backend/cuda/minibatch_stddev.cuh"
#include "isinggan/backend/cuda/mrf.cuh"
#include "isinggan/backend/cuda/pair_augment.cuh"
#include "isinggan/backend/cuda/pooling.cuh"
#include "isinggan/backend/cuda/reduce.cuh"
#include "isinggan/backend/cuda/smoothness.cuh"
#include "isinggan/backend/cuda/upsample.cuh"
