#pragma once
// Binary cross-entropy on logits, the loss of the GAN (eq. 1) and of the
// U-Net: bce_with_logits(logits, target[s], grad, ...). It is an op of both
// backends, so it lives in backend/cpu/bce.hpp (backend/cuda/bce.cuh on the GPU).
#include "isinggan/backend/cpu/bce.hpp"
