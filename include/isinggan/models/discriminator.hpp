#pragma once
// The discriminator of the paper (sec. 2): an (image, mask) pair stacked as
// 4 channels → the logit of "this pair is real".
//
//   "The discriminator network accepts a 4-channel stack as input [...]. It
//    consists of 7 convolutional layers with a kernel size of 5 × 5, topped
//    by average pooling, and then followed by a fully connected layer with a
//    sigmoid activation. Batch normalization is applied to all layers except
//    for the input and output layers, and all layers are activated by leaky
//    ReLU units (with leak value set at 0.2) everywhere except the output."
//
// The network returns the logit; the sigmoid is folded into the numerically
// stable BCE of losses/bce.hpp (same loss, no overflow at large logits).
//
// Choices the paper leaves open, made here:
//   - Strides. The first log2(Size) − 2 convolutions have stride 2, the rest
//     stride 1, so the maps reach 4 × 4 (256: six stride-2 layers, 256 → 4;
//     64: four, 64 → 4). Downsampling early keeps the costly high-resolution
//     layers narrow; a smaller side drops stride-2 stages, never layers.
//   - Widths 64, 128, 128, 256, 256, 512, 512: doubling every other layer,
//     DCGAN style, ending at the generator's 512. `WidthDivisor` divides them.
//   - Padding 2 ("same" for a 5 × 5 kernel), so stride 2 exactly halves.
//   - Average pooling is global (4 × 4 → 1 × 1), then dense(512 → 1).
//   - No batch norm on the first convolution (the input layer) nor on the
//     dense output layer; every other convolution has one.
#include "isinggan/layers.hpp"
#include "isinggan/models/generator.hpp"

namespace isinggan::models {

/// Stride of convolution `layer` (0-based) at side `size`: 2 for the first log2(size) − 2.
constexpr int discriminator_stride(int layer, int size) {
    int downs = 0;
    for (int s = size; s > 4; s /= 2) ++downs;
    return layer < downs ? 2 : 1;
}

/// One 5 × 5 convolution (padding 2) of the discriminator, optionally with batch norm, then leaky ReLU 0.2.
template <int In, int Out, int Stride, bool Norm>
struct discriminator_layer_of {
    using type = sequential<conv2d<In, Out, 5, Stride, 2>, batch_norm2d<Out>, leaky_relu>;
};
template <int In, int Out, int Stride>
struct discriminator_layer_of<In, Out, Stride, false> {
    using type = sequential<conv2d<In, Out, 5, Stride, 2>, leaky_relu>;
};
template <int Size, int Layer, int In, int Out, bool Norm = true>
using discriminator_layer = typename discriminator_layer_of<In, Out, discriminator_stride(Layer, Size), Norm>::type;

template <int Size = 256, int WidthDivisor = 1, class Backend = cpu>
class paper_discriminator
    : public on_backend<sequential<discriminator_layer<Size, 0, 4, 64 / WidthDivisor, false>,
                        discriminator_layer<Size, 1, 64 / WidthDivisor, 128 / WidthDivisor>,
                        discriminator_layer<Size, 2, 128 / WidthDivisor, 128 / WidthDivisor>,
                        discriminator_layer<Size, 3, 128 / WidthDivisor, 256 / WidthDivisor>,
                        discriminator_layer<Size, 4, 256 / WidthDivisor, 256 / WidthDivisor>,
                        discriminator_layer<Size, 5, 256 / WidthDivisor, 512 / WidthDivisor>,
                        discriminator_layer<Size, 6, 512 / WidthDivisor, 512 / WidthDivisor>, global_avg_pool,
                        dense<512 / WidthDivisor, 1>>,
                        Backend> {
    static_assert((generator_detail::check_parameters<Size, WidthDivisor>(), true));

public:
    static constexpr int size = Size;
    static constexpr int width_divisor = WidthDivisor;
    /// Input channels: RGB image and mask.
    static constexpr int input_channels = 4;
};

}  // namespace isinggan::models

namespace isinggan {

template <int Size, int WidthDivisor, class From, class B>
struct rebind_backend<models::paper_discriminator<Size, WidthDivisor, From>, B> {
    using type = models::paper_discriminator<Size, WidthDivisor, B>;
};

}  // namespace isinggan
