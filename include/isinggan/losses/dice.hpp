#pragma once
// Soft Dice loss on logits, for segmentation: soft_dice_with_logits(logits,
// targets, grad, ...). It is an op of both backends, so it lives in
// backend/cpu/dice.hpp (backend/cuda/dice.cuh on the GPU).
#include "isinggan/backend/cpu/dice.hpp"
