#pragma once
// isinggan: convolutional networks with differentiable Markov-random-field
// smoothness penalties. This umbrella header brings in everything that needs
// no link dependency beyond the isinggan::isinggan target: the core, the CPU
// backend, layers, losses, optimizers, initialisation, checkpoints and
// metrics. PNG and dataset I/O (isinggan::io, libpng) are in
// <isinggan/io.hpp>; the CUDA backend joins when ISINGGAN_WITH_CUDA is
// defined (the isinggan::cuda target defines it).
#include "isinggan/core/backend.hpp"
#include "isinggan/core/eigen_interop.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/core/image.hpp"
#include "isinggan/core/parameter.hpp"
#include "isinggan/core/random.hpp"
#include "isinggan/core/shape.hpp"
#include "isinggan/core/tensor.hpp"
#include "isinggan/backend/cpu/ops.hpp"
#include "isinggan/init/xavier.hpp"
#include "isinggan/io/checkpoint.hpp"
#include "isinggan/io/safetensors.hpp"
#include "isinggan/layers.hpp"
#include "isinggan/losses/bce.hpp"
#include "isinggan/losses/mrf.hpp"
#include "isinggan/metrics/mask_topology.hpp"
#include "isinggan/metrics/pair_statistics.hpp"
#include "isinggan/optim/adam.hpp"
#include "isinggan/optim/sgd.hpp"

#if defined(ISINGGAN_WITH_CUDA)
#include "isinggan/backend/cuda/ops.hpp"
#endif
