#pragma once
// Transposed 2-d convolution on the CPU, as the adjoint of conv2d: its
// forward is conv2d's backward-data, its backward-data is conv2d's forward,
// and its weight gradient is conv2d's with the roles of input and output
// swapped. One GEMM kernel pair serves both layers.
//
// x: [N, C_in, H, W]; w: [C_in, C_out, kh, kw] (PyTorch's ConvTranspose2d
// layout); y: [N, C_out, Ho, Wo] with Ho = (H - 1) stride - 2 pad + kh + output_pad.
#include <span>
#include <string>

#include "isinggan/backend/cpu/conv2d.hpp"

namespace isinggan {
namespace cpu_detail {

/// The convolution whose backward-data is this transposed convolution: it maps
/// y-shaped tensors ([N, C_out, Ho, Wo]) to x-shaped ones ([N, C_in, H, W]).
inline conv_problem make_transposed_problem(const shape4& x, const shape4& w, const conv2d_geometry& g,
                                            const char* op) {
    g.validate(op);
    require_nonempty(x, op);
    require_nonempty(w, op);
    if (w.n != x.c)
        throw shape_error(conv_what(op, x, w) + ": the weight expects " + std::to_string(w.n) +
                          " input channels but the input has " + std::to_string(x.c));
    if (int(w.h) != g.kernel_h || int(w.w) != g.kernel_w)
        throw shape_error(conv_what(op, x, w) + ": the weight's kernel is " + std::to_string(w.h) + "x" +
                          std::to_string(w.w) + " but the geometry says " + std::to_string(g.kernel_h) + "x" +
                          std::to_string(g.kernel_w));
    const int h = to_int(x.h, op), wd = to_int(x.w, op);
    conv_problem p{to_int(x.n, op), to_int(w.c, op), g.transposed_out_h(h), g.transposed_out_w(wd), to_int(x.c, op),
                   h, wd, g};
    return p;
}

}  // namespace cpu_detail

/// Output shape of a transposed convolution of x with weight w.
inline shape4 conv_transpose2d_output_shape(const shape4& x, const shape4& w, const conv2d_geometry& g) {
    const auto p = cpu_detail::make_transposed_problem(x, w, g, "conv_transpose2d");
    return {x.n, w.c, std::size_t(p.h), std::size_t(p.w)};
}

namespace ops {

/// y = conv_transpose2d(x, w) + bias; y is resized to [N, C_out, Ho, Wo].
inline void conv_transpose2d_forward(cpu, const tensor<cpu>& x, const tensor<cpu>& w, std::span<const float> bias,
                                     tensor<cpu>& y, const conv2d_geometry& g, cpu_workspace& ws) {
    const auto p = cpu_detail::make_transposed_problem(x.shape(), w.shape(), g, "conv_transpose2d_forward");
    cpu_detail::check_bias(bias, p.c_in, "conv_transpose2d_forward");
    y.resize({x.n(), w.c(), std::size_t(p.h), std::size_t(p.w)});
    cpu_detail::conv_backward_data(p, x.data(), w.data(), y.data(), ws);
    if (!bias.empty()) cpu_detail::add_channel_bias(y.data(), p.n, p.c_in, p.in_plane(), bias.data());
}

/// dx = dL/dx given dy = dL/dy; dx is resized to `input_shape`.
inline void conv_transpose2d_backward_data(cpu, const tensor<cpu>& dy, const tensor<cpu>& w,
                                           const shape4& input_shape, tensor<cpu>& dx, const conv2d_geometry& g,
                                           cpu_workspace& ws) {
    const auto p = cpu_detail::make_transposed_problem(input_shape, w.shape(), g, "conv_transpose2d_backward_data");
    require_shape(dy.shape(), {input_shape.n, w.c(), std::size_t(p.h), std::size_t(p.w)},
                  "conv_transpose2d_backward_data: output gradient");
    dx.resize(input_shape);
    cpu_detail::conv_forward(p, dy.data(), w.data(), dx.data(), ws);
}

/// dw (+)= dL/dw, summed over the batch; dw must have w's shape.
inline void conv_transpose2d_backward_weights(cpu, const tensor<cpu>& x, const tensor<cpu>& dy, tensor<cpu>& dw,
                                              const conv2d_geometry& g, cpu_workspace& ws, bool accumulate = true) {
    const auto p = cpu_detail::make_transposed_problem(x.shape(), dw.shape(), g, "conv_transpose2d_backward_weights");
    require_shape(dy.shape(), {x.n(), dw.c(), std::size_t(p.h), std::size_t(p.w)},
                  "conv_transpose2d_backward_weights: output gradient");
    // The adjoint convolution reads dy as its input and x as its output gradient.
    cpu_detail::conv_backward_weights(p, dy.data(), x.data(), dw.data(), accumulate ? 1.0f : 0.0f, ws);
}

/// db (+)= dL/dbias (the same per-channel sum as conv2d's).
inline void conv_transpose2d_backward_bias(cpu, const tensor<cpu>& dy, std::span<float> db, bool accumulate = true) {
    conv2d_backward_bias(cpu{}, dy, db, accumulate);
}

}  // namespace ops
}  // namespace isinggan
