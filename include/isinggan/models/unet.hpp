#pragma once
// U-Net (Ronneberger, Fischer & Brox 2015), the segmentation network the
// paper trains on real plus generated pairs to score a GAN (Table 1).
//
//   3 → 64 → 128 → 256 → 512 → 1024 (bottleneck) → 512 → 256 → 128 → 64 → 1 logit
//
// Each level: two 3×3 convolutions (same padding, no bias: batch norm follows)
// with batch norm and ReLU; 2×2 max pooling down; up by a 2×2 stride-2
// transposed convolution (or, with unet_upsampling::bilinear, bilinear
// upsampling then a 1×1 convolution) halving the channels; the encoder's
// features are concatenated in front of the upsampled ones, then two more 3×3
// convolutions. A final 1×1 convolution gives one logit per pixel; the output
// has the input's height and width, which must be multiples of 2^Depth (16).
//
// Channel counts are template arguments, so the width is too: WidthDivisor d
// gives 64/d … 1024/d channels (d = 1: the paper's network; d = 4: width 0.25).
//
// Built from the library's composites: a level is
//   sequential<double_conv<In, C>, skip_concat<sequential<max_pool, inner level, up<2C, C>>>, double_conv<2C, C>>
// so parameter names follow that nesting ("0.0.0.weight" is the first 3×3
// convolution; tests/reference/make_unet_fixtures.py builds the same
// modules in PyTorch).
//
// The last template argument is the backend: unet<4, Up, 4, relu, cuda> (or
// on_backend<unet<4>, cuda>) is the same network on the GPU. The body is
// written with the cpu layers (Activation too) and moved with on_backend.
#include <cstddef>
#include <string>

#include "isinggan/layers.hpp"

namespace isinggan::models {

enum class unet_upsampling { transposed_conv, bilinear };

namespace unet_detail {

/// (3×3 conv → batch norm → activation) twice.
template <int In, int Out, class Act>
using double_conv = sequential<conv2d<In, Out, 3, 1, 1, false>, batch_norm2d<Out>, Act,
                               conv2d<Out, Out, 3, 1, 1, false>, batch_norm2d<Out>, Act>;

template <int In, int Out, unet_upsampling Up>
struct up_step {
    using type = conv_transpose2d<In, Out, 2, 2>;
};
template <int In, int Out>
struct up_step<In, Out, unet_upsampling::bilinear> {
    using type = sequential<upsample<2, upsample_mode::bilinear>, conv2d<In, Out, 1>>;
};

/// A level taking In channels and giving C at the same resolution, with
/// Depth more levels below it (Depth 0: the bottleneck's double convolution).
template <int In, int C, int Depth, unet_upsampling Up, class Act>
struct level {
    using inner = typename level<C, 2 * C, Depth - 1, Up, Act>::type;
    using type = sequential<double_conv<In, C, Act>,
                            skip_concat<sequential<max_pool2d<2>, inner, typename up_step<2 * C, C, Up>::type>>,
                            double_conv<2 * C, C, Act>>;
};
template <int In, int C, unet_upsampling Up, class Act>
struct level<In, C, 0, Up, Act> {
    using type = double_conv<In, C, Act>;
};

}  // namespace unet_detail

/// A U-Net on RGB images ([N,3,H,W]) giving one logit plane ([N,1,H,W]).
/// Depth is the number of poolings (4 in the paper). Activation is ReLU; the
/// gradient-check tests swap in tanh, which has no kinks for a finite
/// difference to step across.
template <int WidthDivisor = 1, unet_upsampling Up = unet_upsampling::transposed_conv, int Depth = 4,
          class Activation = relu, class Backend = cpu>
class unet {
    static_assert(WidthDivisor >= 1 && 64 % WidthDivisor == 0,
                  "unet<WidthDivisor>: the divisor must divide 64 (1, 2, 4, 8, 16, 32, 64)");
    static_assert(Depth >= 1 && Depth <= 6, "unet: Depth (pooling steps) must be 1..6");

public:
    static constexpr int base_channels = 64 / WidthDivisor;
    static constexpr int depth = Depth;
    static constexpr double width = 1.0 / WidthDivisor;
    /// Height and width must be multiples of this.
    static constexpr std::size_t side_multiple = std::size_t(1) << Depth;

    using body_type =
        on_backend<sequential<typename unet_detail::level<3, base_channels, Depth, Up, Activation>::type,
                              conv2d<base_channels, 1, 1>>,
                   Backend>;
    using backend_type = Backend;
    using tensor_type = tensor<Backend>;
    static constexpr int in_channels = 3;
    static constexpr int out_channels = 1;

    const tensor_type& forward(tensor_type&&) = delete;
    /// Logits [N,1,H,W] of images [N,3,H,W]; throws shape_error for other channel
    /// counts or a side that is not a multiple of side_multiple.
    const tensor_type& forward(const tensor_type& x) {
        require_nonempty(x.shape(), "unet");
        if (x.c() != 3) throw shape_error("unet: expects RGB images [N, 3, H, W], got " + x.shape().str());
        if (x.h() % side_multiple != 0 || x.w() % side_multiple != 0)
            throw shape_error("unet: height and width must be multiples of " + std::to_string(side_multiple) +
                              " (one halving per level), got " + x.shape().str());
        return body_.forward(x);
    }
    const tensor_type& backward(const tensor_type& dy) { return body_.backward(dy); }
    void set_training(bool on) { body_.set_training(on); }

    template <class F>
    void for_each_param(F&& f) {
        visit_params(body_, f);
    }
    template <class F>
    void for_each_buffer(F&& f) {
        visit_buffers(body_, f);
    }
    void reset_parameters(rng& gen) { isinggan::reset_parameters(body_, gen); }

    body_type& body() { return body_; }

private:
    body_type body_;
};

}  // namespace isinggan::models

namespace isinggan {

template <int WidthDivisor, models::unet_upsampling Up, int Depth, class Activation, class From, class B>
struct rebind_backend<models::unet<WidthDivisor, Up, Depth, Activation, From>, B> {
    using type = models::unet<WidthDivisor, Up, Depth, Activation, B>;
};

}  // namespace isinggan
