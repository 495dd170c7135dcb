#pragma once
// The generators of the paper (sec. 2): z ∈ [−1, 1]^100 → an RGB image in
// [−1, 1] (tanh) and a foreground mask in [0, 1] (sigmoid), side `Size`.
//
//   "the first part of the network consists of a fully connected layer
//    comprising 4 × 4 × 512 neurons, reshaped as a stack of 4 × 4 feature
//    maps. These are followed by a series of 3 transpose convolutional
//    layers, which gradually upsample (double each axis) the feature map
//    until size 32 × 32. This map is fed into two sibling branches [...]
//    of 3 transpose convolutional layers [each]. Each upsampling
//    convolutional layer has stride 2 and a 4 × 4 kernel size. Batch
//    normalization is applied to all layers except for the output."
//
// paper_generator<256> is that network. Smaller sides keep every layer and
// every width and drop upsampling instead: the trunk's first stages become
// stride-1 transposed convs (kernel 3, padding 1) working at 4 × 4 (one at
// 128, two at 64, all three at 32), so both heads keep the paper's three
// stages — and, in the ResGAN, their residual stacks, where image and mask
// take shape — and the generator keeps the paper's capacity at every side.
// (The discriminator does the same: it drops stride-2 stages, never layers.)
// Sides 32, 64, 128 and 256 exist.
//
// Channel widths (paper's, the trunk's after its 4 × 4 × 512 stack are not
// given; we halve them per stage, DCGAN style): trunk 512 → 256 → 128 → 64,
// heads 64 → 64 → 32 → 3 (image) or 1 (mask). `WidthDivisor` divides every
// hidden width (1 = the paper; 4 or 8 make CPU runs practical).
//
// Parameter names follow PyTorch's state_dict: "trunk.0.weight" is the dense
// layer, "heads.0.*" the image head, "heads.1.*" the mask head.
//
//     isinggan::models::paper_generator<64, 4> g;
//     auto [image, mask] = g.forward(z);        // z: [N, 100, 1, 1]
//     g.backward(d_image, d_mask);
#include <type_traits>
#include <utility>

#include "isinggan/layers.hpp"

namespace isinggan::models {

/// Length of the latent vector z (paper: z ∈ R^100, uniform in [−1, 1]).
inline constexpr int latent_size = 100;

/// Sides the generators and discriminator are defined for.
constexpr bool supported_size(int size) { return size == 32 || size == 64 || size == 128 || size == 256; }

/// log2(size / 32): the trunk stages that upsample at this side (3 at the paper's 256).
constexpr int trunk_stages(int size) { return size == 256 ? 3 : size == 128 ? 2 : size == 64 ? 1 : 0; }

/// One upsampling stage: transposed conv k4 s2 p1 (doubles each axis), batch norm, ReLU.
template <int In, int Out>
using upsample_stage = sequential<conv_transpose2d<In, Out, 4, 2, 1>, batch_norm2d<Out>, relu>;

/// A trunk stage that keeps the size (sides below 256): transposed conv k3 s1 p1, batch norm, ReLU.
template <int In, int Out>
using same_size_stage = sequential<conv_transpose2d<In, Out, 3, 1, 1>, batch_norm2d<Out>, relu>;

/// A stack of 2 stride-1 convs with an identity shortcut around it, then ReLU
/// (the ResGAN's addition). 3 × 3 kernels: the paper does not give them.
template <int C>
using residual_stack =
    sequential<residual<sequential<conv2d<C, C, 3, 1, 1>, batch_norm2d<C>, relu, conv2d<C, C, 3, 1, 1>, batch_norm2d<C>>>,
               relu>;

namespace generator_detail {

/// The trunk: dense to 4 × 4 × Top, batch norm, ReLU, then three stages
/// halving the channels; stage I upsamples unless the side is too small for it.
template <int Top, int Upsampling, class Stages>
struct trunk_of;
template <int Top, int Upsampling, int... I>
struct trunk_of<Top, Upsampling, std::integer_sequence<int, I...>> {
    template <int Stage, int In, int Out>
    using stage = std::conditional_t<(Stage >= 3 - Upsampling), upsample_stage<In, Out>, same_size_stage<In, Out>>;
    using type = sequential<dense<latent_size, 4 * 4 * Top>, reshape<Top, 4, 4>, batch_norm2d<Top>, relu,
                            stage<I, (Top >> I), (Top >> (I + 1))>...>;
};

template <int Size, int WidthDivisor>
constexpr void check_parameters() {
    static_assert(supported_size(Size), "paper GAN models: Size must be 32, 64, 128 or 256");
    static_assert(WidthDivisor == 1 || WidthDivisor == 2 || WidthDivisor == 4 || WidthDivisor == 8,
                  "paper GAN models: WidthDivisor must be 1, 2, 4 or 8 (every width must stay a whole number)");
}

}  // namespace generator_detail

/// The paper's widths, divided: the trunk's last maps, and the heads' hidden maps.
template <int WidthDivisor>
struct generator_widths {
    static constexpr int trunk_top = 512 / WidthDivisor;  // the dense layer's 4 × 4 × 512
    static constexpr int trunk_out = 64 / WidthDivisor;   // 64 maps at 32 × 32, fed to both heads
    static constexpr int head_1 = 64 / WidthDivisor;
    static constexpr int head_2 = 32 / WidthDivisor;
};

/// The shared trunk: z → trunk_out maps at 32 × 32.
template <int Size, int WidthDivisor>
using generator_trunk = typename generator_detail::trunk_of<generator_widths<WidthDivisor>::trunk_top, trunk_stages(Size),
                                                            std::make_integer_sequence<int, 3>>::type;

/// A plain head: 2 upsampling stages, then the output transposed conv (no
/// batch norm) and its activation — tanh for the image, sigmoid for the mask.
template <int WidthDivisor, int OutChannels, class Activation>
using plain_head = sequential<upsample_stage<generator_widths<WidthDivisor>::trunk_out, generator_widths<WidthDivisor>::head_1>,
                              upsample_stage<generator_widths<WidthDivisor>::head_1, generator_widths<WidthDivisor>::head_2>,
                              conv_transpose2d<generator_widths<WidthDivisor>::head_2, OutChannels, 4, 2, 1>, Activation>;

/// A ResGAN head: each hidden upsampling stage topped by a residual stack.
/// The output layer has none: it has no batch norm (paper), and a shortcut
/// around 3 (or 1) output channels would add next to nothing.
template <int WidthDivisor, int OutChannels, class Activation>
using residual_head =
    sequential<upsample_stage<generator_widths<WidthDivisor>::trunk_out, generator_widths<WidthDivisor>::head_1>,
               residual_stack<generator_widths<WidthDivisor>::head_1>,
               upsample_stage<generator_widths<WidthDivisor>::head_1, generator_widths<WidthDivisor>::head_2>,
               residual_stack<generator_widths<WidthDivisor>::head_2>,
               conv_transpose2d<generator_widths<WidthDivisor>::head_2, OutChannels, 4, 2, 1>, Activation>;

/// The GAN generator of the paper: trunk, then image and mask heads as siblings.
template <int Size = 256, int WidthDivisor = 1, class Backend = cpu>
class paper_generator
    : public on_backend<branch<generator_trunk<Size, WidthDivisor>, plain_head<WidthDivisor, 3, tanh>,
                               plain_head<WidthDivisor, 1, sigmoid>>,
                        Backend> {
    static_assert((generator_detail::check_parameters<Size, WidthDivisor>(), true));

public:
    static constexpr int size = Size;
    static constexpr int width_divisor = WidthDivisor;
    static constexpr const char* name = "gan";
};

/// The ResGAN generator: the same trunk, residual heads.
template <int Size = 256, int WidthDivisor = 1, class Backend = cpu>
class residual_generator
    : public on_backend<branch<generator_trunk<Size, WidthDivisor>, residual_head<WidthDivisor, 3, tanh>,
                               residual_head<WidthDivisor, 1, sigmoid>>,
                        Backend> {
    static_assert((generator_detail::check_parameters<Size, WidthDivisor>(), true));

public:
    static constexpr int size = Size;
    static constexpr int width_divisor = WidthDivisor;
    static constexpr const char* name = "resgan";
};

}  // namespace isinggan::models

namespace isinggan {

template <int Size, int WidthDivisor, class From, class B>
struct rebind_backend<models::paper_generator<Size, WidthDivisor, From>, B> {
    using type = models::paper_generator<Size, WidthDivisor, B>;
};
template <int Size, int WidthDivisor, class From, class B>
struct rebind_backend<models::residual_generator<Size, WidthDivisor, From>, B> {
    using type = models::residual_generator<Size, WidthDivisor, B>;
};

}  // namespace isinggan
