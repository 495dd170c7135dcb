#pragma once
// Adam's settings, and the float constants of one step computed from them.
// Here, below the optimizer (optim/adam.hpp), because both backends' kernels
// (ops::adam_step in backend/cpu/adam.hpp and backend/cuda/adam.cuh) take them.
#include <cmath>
#include <cstdint>

namespace isinggan {

struct adam_options {
    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 0.0;
};

/// The float constants of step t (1 for the first). They are computed in
/// double, as Python computes torch.optim.Adam's scalars, then rounded to
/// float, so that both backends round every element-wise operation alike.
struct adam_scalars {
    float b1, one_minus_b1, b2, one_minus_b2, eps, wd, neg_step, bc2_sqrt;
    bool decay;
};

inline adam_scalars adam_scalars_for(const adam_options& o, std::int64_t step) {
    const double t = static_cast<double>(step);
    const double step_size = o.lr / (1.0 - std::pow(o.beta1, t));
    adam_scalars s;
    s.bc2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(o.beta2, t)));
    s.b1 = static_cast<float>(o.beta1);
    s.one_minus_b1 = static_cast<float>(1.0 - o.beta1);
    s.b2 = static_cast<float>(o.beta2);
    s.one_minus_b2 = static_cast<float>(1.0 - o.beta2);
    s.eps = static_cast<float>(o.eps);
    s.wd = static_cast<float>(o.weight_decay);
    s.neg_step = static_cast<float>(-step_size);
    s.decay = o.weight_decay != 0.0;
    return s;
}

}  // namespace isinggan
