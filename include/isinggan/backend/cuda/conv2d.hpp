#pragma once
// 2-d convolution on the GPU through cuDNN: forward, backward-data and
// backward-weights (backward-bias, a reduction, is in reduce.cuh), with the CPU backend's signatures,
// shape checks and error messages (backend/cpu/conv2d.hpp), the `cuda` tag
// and device tensors. Bias spans point to device memory. Weights are
// [C_out][C_in][kh][kw], PyTorch's layout.
#include <span>
#include <string>

#include "isinggan/backend/cuda/conv_plan.hpp"
#include "isinggan/backend/cuda/tensor.hpp"

namespace isinggan::ops {

/// y = conv2d(x, w) + bias. x: [N, C_in, H, W]; w: [C_out, C_in, kh, kw];
/// bias: C_out values (device memory) or empty. y is resized to [N, C_out, Ho, Wo].
inline void conv2d_forward(cuda, const tensor<cuda>& x, const tensor<cuda>& w, std::span<const float> bias,
                           tensor<cuda>& y, const conv2d_geometry& g, cuda_workspace& ws) {
    const auto p = cpu_detail::make_conv_problem(x.shape(), w.shape(), g, "conv2d_forward");
    cpu_detail::check_bias(bias, p.c_out, "conv2d_forward");
    y.resize({x.n(), w.n(), std::size_t(p.ho), std::size_t(p.wo)});
    cuda_detail::conv_forward(p, x.data(), w.data(), y.data(), ws);
    if (!bias.empty()) {
        const auto& plan = cuda_detail::plan_for(p);
        cuda_detail::add_channel_bias(plan.y_bias, bias.data(), plan.y, y.data());
    }
}

/// dx = dL/dx given dy = dL/dy. dx is resized to `input_shape`, the shape of
/// the forward input (needed because strided convolutions floor the size).
inline void conv2d_backward_data(cuda, const tensor<cuda>& dy, const tensor<cuda>& w, const shape4& input_shape,
                                 tensor<cuda>& dx, const conv2d_geometry& g, cuda_workspace& ws) {
    const auto p = cpu_detail::make_conv_problem(input_shape, w.shape(), g, "conv2d_backward_data");
    require_shape(dy.shape(), {input_shape.n, w.n(), std::size_t(p.ho), std::size_t(p.wo)},
                  "conv2d_backward_data: output gradient");
    dx.resize(input_shape);
    cuda_detail::conv_backward_data(p, dy.data(), w.data(), dx.data(), ws);
}

/// dw (+)= dL/dw, summed over the batch. dw must have w's shape; with
/// accumulate = false its old contents are overwritten.
inline void conv2d_backward_weights(cuda, const tensor<cuda>& x, const tensor<cuda>& dy, tensor<cuda>& dw,
                                    const conv2d_geometry& g, cuda_workspace& ws, bool accumulate = true) {
    const auto p = cpu_detail::make_conv_problem(x.shape(), dw.shape(), g, "conv2d_backward_weights");
    require_shape(dy.shape(), {x.n(), dw.n(), std::size_t(p.ho), std::size_t(p.wo)},
                  "conv2d_backward_weights: output gradient");
    cuda_detail::conv_backward_weights(p, x.data(), dy.data(), dw.data(), accumulate ? 1.0f : 0.0f, ws);
}

}  // namespace isinggan::ops
