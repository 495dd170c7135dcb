#pragma once
// The elementwise functions behind the activation layers, each a small
// function object giving the value and the derivative (from the input x or
// the output y, whichever is cheaper). Kept apart from the layers so that the
// GPU kernels (backend/cuda/activation.cuh) can use them too.
#include <cmath>

namespace isinggan {

namespace activation_fn {

struct relu {
    static constexpr const char* name = "relu";
    float value(float x) const { return x > 0.0f ? x : 0.0f; }
    float derivative(float x, float) const { return x > 0.0f ? 1.0f : 0.0f; }
};

/// max(x, 0) + slope min(x, 0). The paper's discriminator uses slope 0.2,
/// which is the default here (PyTorch's default is 0.01).
struct leaky_relu {
    static constexpr const char* name = "leaky_relu";
    float slope = 0.2f;
    float value(float x) const { return x > 0.0f ? x : slope * x; }
    float derivative(float x, float) const { return x > 0.0f ? 1.0f : slope; }
};

struct tanh {
    static constexpr const char* name = "tanh";
    float value(float x) const { return std::tanh(x); }
    float derivative(float, float y) const { return 1.0f - y * y; }
};

/// 1 / (1 + e^-x), written so neither branch overflows.
struct sigmoid {
    static constexpr const char* name = "sigmoid";
    float value(float x) const {
        if (x >= 0.0f) return 1.0f / (1.0f + std::exp(-x));
        const float e = std::exp(x);
        return e / (1.0f + e);
    }
    float derivative(float, float y) const { return y * (1.0f - y); }
};

}  // namespace activation_fn

}  // namespace isinggan
