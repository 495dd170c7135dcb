#pragma once
// max_pool2d<Kernel, Stride = Kernel, Padding = 0>: the largest value of each
// window (padding never wins), PyTorch's MaxPool2d. Backward routes each
// output gradient to the input element that won its window (the first one
// on ties, as PyTorch does). The arithmetic is ops::max_pool2d_forward /
// max_pool2d_backward (backend/cpu/pooling.hpp).
#include "isinggan/backend/cpu/pooling.hpp"
#include "isinggan/layers/layer.hpp"

namespace isinggan {

template <int Kernel, int Stride = Kernel, int Padding = 0, class Backend = cpu>
class max_pool2d : public no_parameters {
    static_assert(Kernel > 0 && Stride > 0, "max_pool2d: kernel and stride must be positive");
    static_assert(Padding >= 0 && 2 * Padding <= Kernel,
                  "max_pool2d: padding must be at most half the kernel (as PyTorch requires)");

public:
    using backend_type = Backend;
    static constexpr int in_channels = any_channels;
    static constexpr int out_channels = any_channels;

    /// backward reads the forward input again, so a temporary input (gone by then) is refused.
    const tensor<Backend>& forward(tensor<Backend>&&) = delete;
    const tensor<Backend>& forward(const tensor<Backend>& x) {
        layer_detail::require_backend<Backend>();
        input_shape_ = x.shape();
        ops::max_pool2d_forward<Kernel, Stride, Padding>(Backend{}, x, y_, argmax_);
        return y_;
    }

    const tensor<Backend>& backward(const tensor<Backend>& dy) {
        layer_detail::require_forward_done(y_.empty() ? nullptr : this, "max_pool2d");
        layer_detail::require_grad_shape(dy.shape(), y_.shape(), "max_pool2d");
        ops::max_pool2d_backward<Kernel, Stride, Padding>(Backend{}, dy, argmax_, input_shape_, dx_);
        return dx_;
    }

    void set_training(bool) {}

private:
    shape4 input_shape_{};
    tensor<Backend> y_, dx_;
    typename index_buffer_for<Backend>::type argmax_;  // winner of each window, as an offset in its plane
};

}  // namespace isinggan
