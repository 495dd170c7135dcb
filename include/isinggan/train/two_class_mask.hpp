#pragma once
// two_class_mask<Loss>: a K = 2 smoothness loss (potts<2>, say) applied to a
// generator's one-channel foreground mask m, read as the two-class
// probability map [1 − m, m] (background, nucleus). The gradient is mapped
// back: ∂/∂m = ∂/∂f_nucleus − ∂/∂f_background.
//
//     gan_trainer<generator, discriminator,
//                 two_class_mask<mrf_loss<potts<2>, eight_neighborhood>>> trainer;
//
// (potts<2> on [1 − m, m] is 1 − (1−a)(1−b) − ab = a + b − 2ab: the bilinear
// Ising energy; the adapter is what lets any two-class prior see the mask.)
#include <algorithm>

#include "isinggan/core/error.hpp"
#include "isinggan/core/tensor.hpp"
#include "isinggan/losses/mrf/options.hpp"
#include "isinggan/losses/mrf/smoothness_loss.hpp"

namespace isinggan::train {

template <class Loss>
class two_class_mask {
public:
    static constexpr bool enabled = Loss::enabled;
    static constexpr bool needs_guide = Loss::needs_guide;

    two_class_mask() = default;
    explicit two_class_mask(const mrf_options& o) : loss_(o) {}

    template <class T>
        requires(!needs_guide)
    double forward_backward(const tensor<cpu, T>& m, tensor<cpu, T>& grad_m, gradient_mode mode) {
        expand(m);
        const double value = loss_.forward_backward(two_, grad_two_, gradient_mode::overwrite);
        collapse(m, grad_m, mode);
        return value;
    }

    template <class T>
        requires needs_guide
    double forward_backward(const tensor<cpu, T>& m, const tensor<cpu, T>& guide, tensor<cpu, T>& grad_m,
                            gradient_mode mode) {
        expand(m);
        const double value = loss_.forward_backward(two_, guide, grad_two_, gradient_mode::overwrite);
        collapse(m, grad_m, mode);
        return value;
    }

    Loss& loss() noexcept { return loss_; }

private:
    template <class T>
    void expand(const tensor<cpu, T>& m) {
        if (m.c() != 1) throw shape_error("two_class_mask: expects a one-channel mask, got " + m.shape().str());
        two_.resize({m.n(), 2, m.h(), m.w()});
        const std::size_t plane = m.shape().plane_size();
        for (std::size_t n = 0; n < m.n(); ++n) {
            const T* src = m.plane(n, 0);
            T* background = two_.plane(n, 0);
            T* nucleus = two_.plane(n, 1);
            for (std::size_t i = 0; i < plane; ++i) background[i] = T(1) - src[i], nucleus[i] = src[i];
        }
    }

    template <class T>
    void collapse(const tensor<cpu, T>& m, tensor<cpu, T>& grad_m, gradient_mode mode) {
        if (mode == gradient_mode::overwrite) {
            grad_m.resize(m.shape());
            grad_m.zero();
        } else {
            require_shape(grad_m.shape(), m.shape(), "two_class_mask gradient (accumulate mode)");
        }
        const std::size_t plane = m.shape().plane_size();
        for (std::size_t n = 0; n < m.n(); ++n) {
            const T* g_background = grad_two_.plane(n, 0);
            const T* g_nucleus = grad_two_.plane(n, 1);
            T* out = grad_m.plane(n, 0);
            for (std::size_t i = 0; i < plane; ++i) out[i] += g_nucleus[i] - g_background[i];
        }
    }

    Loss loss_;
    tensor<cpu> two_, grad_two_;
};

}  // namespace isinggan::train
