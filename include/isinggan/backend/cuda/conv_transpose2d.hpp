#pragma once
// Transposed 2-d convolution on the GPU, as the adjoint of conv2d exactly as
// the CPU backend builds it (backend/cpu/conv_transpose2d.hpp): its forward
// is the adjoint convolution's backward-data, its backward-data that
// convolution's forward, and its weight gradient that convolution's with
// input and output gradient swapped.
//
// x: [N, C_in, H, W]; w: [C_in, C_out, kh, kw] (PyTorch's ConvTranspose2d
// layout, which is the adjoint convolution's [out, in, kh, kw] filter);
// y: [N, C_out, Ho, Wo] with Ho = (H - 1) stride - 2 pad + kh + output_pad.
#include <span>
#include <string>

#include "isinggan/backend/cpu/conv_transpose2d.hpp"  // make_transposed_problem
#include "isinggan/backend/cuda/conv2d.hpp"

namespace isinggan::ops {

/// y = conv_transpose2d(x, w) + bias (bias: C_out values in device memory, or
/// empty); y is resized to [N, C_out, Ho, Wo].
inline void conv_transpose2d_forward(cuda, const tensor<cuda>& x, const tensor<cuda>& w, std::span<const float> bias,
                                     tensor<cuda>& y, const conv2d_geometry& g, cuda_workspace& ws) {
    const auto p = cpu_detail::make_transposed_problem(x.shape(), w.shape(), g, "conv_transpose2d_forward");
    cpu_detail::check_bias(bias, p.c_in, "conv_transpose2d_forward");
    y.resize({x.n(), w.c(), std::size_t(p.h), std::size_t(p.w)});
    cuda_detail::conv_backward_data(p, x.data(), w.data(), y.data(), ws);
    if (!bias.empty()) {
        const auto& plan = cuda_detail::plan_for(p);
        cuda_detail::add_channel_bias(plan.x_bias, bias.data(), plan.x, y.data());
    }
}

/// dx = dL/dx given dy = dL/dy; dx is resized to `input_shape`.
inline void conv_transpose2d_backward_data(cuda, const tensor<cuda>& dy, const tensor<cuda>& w,
                                           const shape4& input_shape, tensor<cuda>& dx, const conv2d_geometry& g,
                                           cuda_workspace& ws) {
    const auto p = cpu_detail::make_transposed_problem(input_shape, w.shape(), g, "conv_transpose2d_backward_data");
    require_shape(dy.shape(), {input_shape.n, w.c(), std::size_t(p.h), std::size_t(p.w)},
                  "conv_transpose2d_backward_data: output gradient");
    dx.resize(input_shape);
    cuda_detail::conv_forward(p, dy.data(), w.data(), dx.data(), ws);
}

/// dw (+)= dL/dw, summed over the batch; dw must have w's shape.
inline void conv_transpose2d_backward_weights(cuda, const tensor<cuda>& x, const tensor<cuda>& dy, tensor<cuda>& dw,
                                              const conv2d_geometry& g, cuda_workspace& ws, bool accumulate = true) {
    const auto p =
        cpu_detail::make_transposed_problem(x.shape(), dw.shape(), g, "conv_transpose2d_backward_weights");
    require_shape(dy.shape(), {x.n(), dw.c(), std::size_t(p.h), std::size_t(p.w)},
                  "conv_transpose2d_backward_weights: output gradient");
    // The adjoint convolution reads dy as its input and x as its output gradient.
    cuda_detail::conv_backward_weights(p, dy.data(), x.data(), dw.data(), accumulate ? 1.0f : 0.0f, ws);
}

}  // namespace isinggan::ops
