#pragma once
// The generator of the patch recipe (docs/gan-recipe.md): the paper's
// design — z → dense → 4 × 4 maps → a shared trunk → two sibling heads, an
// RGB image (tanh) and a mask (sigmoid), batch norm everywhere but the
// outputs, and for the ResGAN a residual stack on top of each hidden
// upsampling layer of the heads — with DCGAN proportions (Radford et al.
// 2016): every transposed convolution upsamples, the channels halve at each
// stage, and the heads are one hidden stage deep with twice the paper's maps
// at a quarter width.
//
// Why: on the BBBC038 pairs every run of the paper's generators at the
// widths a CPU affords (heads of 16 and 8 maps at width 0.25, the trunk's
// first stages working at 4 × 4 below 256 px) ended with one sample for
// every z, whatever the discriminator; this one kept its samples diverse
// (the ablation table of docs/gan-recipe.md).
//
// Side S: the trunk upsamples 4 → S/4 (log2(S) − 4 stages), each head S/4 →
// S/2 → S. Widths: the dense layer's maps 8 · 2^(log2(S) − 5) · nf, halving
// to 2·nf at S/4; heads nf, then the output; nf = 128 / WidthDivisor
// (32 at width 0.25: maps 128 → 64 → 32 at S = 32).
//
//     isinggan::models::dcgan_generator<32, 4, true> g;   // residual heads
//     auto [image, mask] = g.forward(z);                  // z: [N, 100, 1, 1]
#include <type_traits>
#include <utility>

#include "isinggan/layers.hpp"
#include "isinggan/models/generator.hpp"

namespace isinggan::models {

namespace dcgan_detail {

constexpr int log2_of(int size) {
    int n = 0;
    for (int s = size; s > 1; s /= 2) ++n;
    return n;
}
/// nf: the heads' hidden maps.
constexpr int head_maps(int width_divisor) { return 128 / width_divisor; }
/// The dense layer's maps: 2·nf · 2^(trunk stages).
constexpr int top_maps(int size, int width_divisor) { return (2 * head_maps(width_divisor)) << (log2_of(size) - 4); }

template <int Top, class Stages>
struct generator_trunk_of;
template <int Top, int... I>
struct generator_trunk_of<Top, std::integer_sequence<int, I...>> {
    using type = sequential<dense<latent_size, 4 * 4 * Top>, reshape<Top, 4, 4>, batch_norm2d<Top>, relu,
                            upsample_stage<(Top >> I), (Top >> (I + 1))>...>;
};

template <int In, int Hidden, int Out, class Activation, bool Residual>
struct generator_head_of {
    using type = sequential<upsample_stage<In, Hidden>, conv_transpose2d<Hidden, Out, 4, 2, 1>, Activation>;
};
template <int In, int Hidden, int Out, class Activation>
struct generator_head_of<In, Hidden, Out, Activation, true> {
    using type = sequential<upsample_stage<In, Hidden>, residual_stack<Hidden>, conv_transpose2d<Hidden, Out, 4, 2, 1>,
                            Activation>;
};

}  // namespace dcgan_detail

template <int Size, int WidthDivisor>
using dcgan_generator_trunk =
    typename dcgan_detail::generator_trunk_of<dcgan_detail::top_maps(Size, WidthDivisor),
                                              std::make_integer_sequence<int, dcgan_detail::log2_of(Size) - 4>>::type;

template <int Size, int WidthDivisor, int OutChannels, class Activation, bool Residual>
using dcgan_generator_head =
    typename dcgan_detail::generator_head_of<2 * dcgan_detail::head_maps(WidthDivisor), dcgan_detail::head_maps(WidthDivisor),
                                             OutChannels, Activation, Residual>::type;

/// Residual = true: the ResGAN's heads (a residual stack after the hidden stage).
template <int Size = 64, int WidthDivisor = 1, bool Residual = false, class Backend = cpu>
class dcgan_generator
    : public on_backend<branch<dcgan_generator_trunk<Size, WidthDivisor>,
                               dcgan_generator_head<Size, WidthDivisor, 3, tanh, Residual>,
                               dcgan_generator_head<Size, WidthDivisor, 1, sigmoid, Residual>>,
                        Backend> {
    static_assert((generator_detail::check_parameters<Size, WidthDivisor>(), true));

public:
    static constexpr int size = Size;
    static constexpr int width_divisor = WidthDivisor;
    static constexpr const char* name = Residual ? "resgan" : "gan";
};

/// Whether a paper generator type is the ResGAN's (its patch-recipe counterpart has residual heads).
template <class G>
inline constexpr bool has_residual_heads = false;
template <int Size, int WidthDivisor, class Backend>
inline constexpr bool has_residual_heads<residual_generator<Size, WidthDivisor, Backend>> = true;

}  // namespace isinggan::models

namespace isinggan {

template <int Size, int WidthDivisor, bool Residual, class From, class B>
struct rebind_backend<models::dcgan_generator<Size, WidthDivisor, Residual, From>, B> {
    using type = models::dcgan_generator<Size, WidthDivisor, Residual, B>;
};

}  // namespace isinggan
