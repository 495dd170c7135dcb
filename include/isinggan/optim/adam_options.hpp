#pragma once
// Adam's settings (optim/adam.hpp), apart from the optimizer so that the GPU
// kernel (backend/cuda/adam.cuh) can take them without the optimizer.

namespace isinggan::optim {

struct adam_options {
    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 0.0;
};

}  // namespace isinggan::optim
