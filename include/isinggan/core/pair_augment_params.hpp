#pragma once
// The random parameters of one sample's differentiable augmentation (DiffAugment,
// Zhao et al., NeurIPS 2020): what data/pair_augment.hpp draws and the
// ops::pair_augment_forward / _backward kernels of both backends apply
// (backend/cpu/pair_augment.hpp states the maths).
namespace isinggan {

struct pair_augment_params {
    float brightness = 0, saturation = 1, contrast = 1;
    int shift_y = 0, shift_x = 0;
    int cut_y = 0, cut_x = 0, cut_side = 0;  // cut_side 0: no cutout
};

}  // namespace isinggan
