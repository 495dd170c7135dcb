#pragma once
// Options shared by the MRF smoothness losses: the weight λ of eq. (4), how the
// summed energy is normalised, and whether a gradient overwrites or adds.
#include <cmath>
#include <string>

#include "isinggan/core/error.hpp"
#include "isinggan/core/shape.hpp"

namespace isinggan {

/// How the energy of eq. (2) is reduced over a batch.
enum class reduction {
    sum,   ///< Σ over the batch, every pixel and every pair: eq. (2) as written.
    mean,  ///< the sum divided by N·H·W (batch times pixels per map, channels not counted).
};

/// What forward_backward does with the tensor that receives the gradient.
enum class gradient_mode {
    overwrite,   ///< resize it to the input's shape and store λ·∂E/∂f.
    accumulate,  ///< add λ·∂E/∂f to it; it must already have the input's shape
                 ///< (the GAN trainer adds the smoothness gradient onto the
                 ///< adversarial gradient of the mask this way).
};

/// How the Laplacian penalty (losses/mrf/laplacian_l1.hpp) reads outside the map.
enum class laplacian_border { replicate, zero };

/// λ and the reduction. The returned energy and the gradient are both scaled:
/// value = λ·E / (reduction == mean ? N·H·W : 1).
///
/// The paper (eq. 4) uses λ = 1.5 / (D·N) on the summed energy, D = H·W pixels
/// per mask and N masks in the batch. The same term is written either as
///     mrf_options{.lambda = 1.5 / (D * N), .reduce = reduction::sum}
/// or, independent of the image and batch size, as
///     mrf_options{.lambda = 1.5, .reduce = reduction::mean}.
struct mrf_options {
    double lambda = 1.0;
    reduction reduce = reduction::sum;
};

namespace mrf_detail {

inline void require_valid(const mrf_options& o) {
    if (!std::isfinite(o.lambda))
        throw argument_error("MRF loss: lambda must be finite, got " + std::to_string(o.lambda));
}

/// The factor applied to the raw summed energy and to its gradient.
inline double output_scale(const mrf_options& o, const shape4& s) {
    return o.reduce == reduction::mean ? o.lambda / static_cast<double>(s.n * s.h * s.w) : o.lambda;
}

}  // namespace mrf_detail
}  // namespace isinggan
