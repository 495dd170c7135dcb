#pragma once
// upsample<Scale, Mode>: enlarges each channel plane Scale times, PyTorch's
// nn.Upsample(scale_factor=Scale), nearest or bilinear (align_corners =
// False); the arithmetic is ops::upsample_forward / upsample_backward
// (backend/cpu/upsample.hpp).
#include "isinggan/backend/cpu/upsample.hpp"
#include "isinggan/core/upsample_mode.hpp"
#include "isinggan/layers/layer.hpp"

namespace isinggan {

template <int Scale, upsample_mode Mode = upsample_mode::nearest, class Backend = cpu>
class upsample : public no_parameters {
    static_assert(Scale >= 1, "upsample<Scale>: the scale must be at least 1");

public:
    using backend_type = Backend;
    static constexpr int in_channels = any_channels;
    static constexpr int out_channels = any_channels;

    /// backward reads the forward input again, so a temporary input (gone by then) is refused.
    const tensor<Backend>& forward(tensor<Backend>&&) = delete;
    const tensor<Backend>& forward(const tensor<Backend>& x) {
        layer_detail::require_backend<Backend>();
        require_nonempty(x.shape(), "upsample");
        input_shape_ = x.shape();
        ops::upsample_forward<Scale, Mode>(Backend{}, x, y_);
        return y_;
    }

    const tensor<Backend>& backward(const tensor<Backend>& dy) {
        layer_detail::require_forward_done(y_.empty() ? nullptr : this, "upsample");
        layer_detail::require_grad_shape(dy.shape(), y_.shape(), "upsample");
        ops::upsample_backward<Scale, Mode>(Backend{}, dy, input_shape_, dx_);
        return dx_;
    }

    void set_training(bool) {}

private:
    shape4 input_shape_{};
    tensor<Backend> y_, dx_;
};

}  // namespace isinggan
