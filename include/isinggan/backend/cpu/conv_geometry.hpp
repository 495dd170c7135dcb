#pragma once
// Kernel size, stride and zero padding of a 2-d convolution, with the output
// size rules of PyTorch's Conv2d and ConvTranspose2d.
#include <string>

#include "isinggan/core/error.hpp"

namespace isinggan {

struct conv2d_geometry {
    int kernel_h = 1, kernel_w = 1;
    int stride_h = 1, stride_w = 1;
    int pad_h = 0, pad_w = 0;
    /// Extra rows/columns on the bottom/right of a transposed convolution's
    /// output (PyTorch's output_padding); must be smaller than the stride.
    int output_pad_h = 0, output_pad_w = 0;

    /// Square kernel, equal strides and paddings.
    static constexpr conv2d_geometry square(int kernel, int stride = 1, int pad = 0, int output_pad = 0) {
        return {kernel, kernel, stride, stride, pad, pad, output_pad, output_pad};
    }

    /// Throws argument_error for a kernel or stride below 1, negative padding,
    /// or output padding not smaller than the stride.
    void validate(const char* op) const {
        auto fail = [&](const std::string& why) { throw argument_error(std::string(op) + ": " + why); };
        if (kernel_h < 1 || kernel_w < 1)
            fail("kernel size must be at least 1, got " + std::to_string(kernel_h) + "x" + std::to_string(kernel_w));
        if (stride_h < 1 || stride_w < 1)
            fail("stride must be at least 1, got " + std::to_string(stride_h) + "x" + std::to_string(stride_w));
        if (pad_h < 0 || pad_w < 0)
            fail("padding must not be negative, got " + std::to_string(pad_h) + "x" + std::to_string(pad_w));
        if (output_pad_h < 0 || output_pad_w < 0 || output_pad_h >= stride_h || output_pad_w >= stride_w)
            fail("output padding must be in [0, stride), got " + std::to_string(output_pad_h) + "x" +
                 std::to_string(output_pad_w));
    }

    /// Convolution output size, floor((in + 2 pad - kernel) / stride) + 1;
    /// throws shape_error when the padded input is smaller than the kernel.
    int conv_out_h(int in) const { return conv_out(in, kernel_h, stride_h, pad_h, "height"); }
    int conv_out_w(int in) const { return conv_out(in, kernel_w, stride_w, pad_w, "width"); }

    /// Transposed convolution output size, (in - 1) stride - 2 pad + kernel + output_pad.
    int transposed_out_h(int in) const { return transposed_out(in, kernel_h, stride_h, pad_h, output_pad_h, "height"); }
    int transposed_out_w(int in) const { return transposed_out(in, kernel_w, stride_w, pad_w, output_pad_w, "width"); }

private:
    static int conv_out(int in, int k, int s, int p, const char* axis) {
        if (in < 1) throw shape_error(std::string("convolution input ") + axis + " must be at least 1");
        if (in + 2 * p < k)
            throw shape_error(std::string("convolution input ") + axis + " " + std::to_string(in) + " plus padding " +
                              std::to_string(2 * p) + " is smaller than the kernel (" + std::to_string(k) + ")");
        return (in + 2 * p - k) / s + 1;
    }
    static int transposed_out(int in, int k, int s, int p, int op, const char* axis) {
        if (in < 1) throw shape_error(std::string("transposed convolution input ") + axis + " must be at least 1");
        const int out = (in - 1) * s - 2 * p + k + op;
        if (out < 1)
            throw shape_error(std::string("transposed convolution output ") + axis + " would be " +
                              std::to_string(out) + ": padding too large for the kernel");
        return out;
    }
};

}  // namespace isinggan
