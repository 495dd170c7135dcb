#pragma once
// The window arithmetic shared by max_pool2d and avg_pool2d: PyTorch's output
// size floor((H + 2 pad - kernel) / stride) + 1 (ceil_mode = False).
#include <string>

#include "isinggan/layers/layer.hpp"

namespace isinggan::layer_detail {

template <int Kernel, int Stride, int Padding>
struct pool_geometry {
    static_assert(Kernel > 0 && Stride > 0, "pooling: kernel and stride must be positive");
    static_assert(Padding >= 0 && 2 * Padding <= Kernel,
                  "pooling: padding must be at most half the kernel (as PyTorch requires)");

    /// Output shape for input x; throws shape_error when x is smaller than a window.
    static shape4 output_shape(const shape4& x, const char* name) {
        require_nonempty(x, name);
        if (x.h + 2 * Padding < std::size_t(Kernel) || x.w + 2 * Padding < std::size_t(Kernel))
            throw shape_error(std::string(name) + ": input " + x.str() + " plus padding is smaller than the " +
                              std::to_string(Kernel) + "x" + std::to_string(Kernel) + " window");
        return {x.n, x.c, (x.h + 2 * Padding - Kernel) / Stride + 1, (x.w + 2 * Padding - Kernel) / Stride + 1};
    }
};

}  // namespace isinggan::layer_detail
