#pragma once
// The discriminator of the patch recipe (docs/gan-recipe.md): the DCGAN
// discriminator (Radford et al. 2016) without batch norm. log2(Size) − 2
// convolutions 4 × 4, stride 2, padding 1 halve the side down to 4 × 4,
// with 128, 256, 512, 1024 maps (capped there) divided by `WidthDivisor`,
// each followed by leaky ReLU 0.2; a last 4 × 4 convolution without padding
// gives the logit.
//
// Why not the paper's (models/discriminator.hpp): on the BBBC038 pairs every
// run with the paper's seven 5 × 5 layers and batch norm ended with D winning
// and the generator drawing one sample for every z; batch statistics of the
// all-real and all-generated batches are a shortcut D uses. This shallower
// network without normalisation stayed in balance (the ablation table of
// docs/gan-recipe.md). Same input (4 channels: image, mask) and output
// ([N, 1, 1, 1] logits) as the paper's, so the trainer takes either.
//
// With MinibatchStddev, a minibatch_stddev layer (layers/minibatch_stddev.hpp)
// before the last convolution appends the batch's feature spread at 4 × 4:
// the discriminator can tell a batch of one mode from a varied real batch.
#include <type_traits>
#include <utility>

#include "isinggan/layers.hpp"
#include "isinggan/models/generator.hpp"

namespace isinggan::models {

namespace dcgan_detail {

constexpr int downsamplings(int size) {
    int n = 0;
    for (int s = size; s > 4; s /= 2) ++n;
    return n;
}
/// Maps out of convolution `layer`: 128 · 2^layer, at most 1024, over the divisor.
constexpr int maps(int layer, int width_divisor) {
    const int m = 128 << layer;
    return (m > 1024 ? 1024 : m) / width_divisor;
}

template <int Size, int WidthDivisor, bool MinibatchStddev, class Layers>
struct body_of;
template <int Size, int WidthDivisor, bool MinibatchStddev, int... L>
struct body_of<Size, WidthDivisor, MinibatchStddev, std::integer_sequence<int, L...>> {
    template <int Layer>
    using down = sequential<conv2d<(Layer == 0 ? 4 : maps(Layer - 1, WidthDivisor)), maps(Layer, WidthDivisor), 4, 2, 1>,
                            leaky_relu>;
    static constexpr int last = maps(int(sizeof...(L)) - 1, WidthDivisor);
    using type = std::conditional_t<MinibatchStddev,
                                    sequential<down<L>..., minibatch_stddev<last>, conv2d<last + 1, 1, 4, 1, 0>>,
                                    sequential<down<L>..., conv2d<last, 1, 4, 1, 0>>>;
};

}  // namespace dcgan_detail

template <int Size = 64, int WidthDivisor = 1, class Backend = cpu, bool MinibatchStddev = false>
class dcgan_discriminator
    : public on_backend<typename dcgan_detail::body_of<Size, WidthDivisor, MinibatchStddev,
                                                       std::make_integer_sequence<int, dcgan_detail::downsamplings(Size)>>::type,
                        Backend> {
    static_assert((generator_detail::check_parameters<Size, WidthDivisor>(), true));

public:
    static constexpr int size = Size;
    static constexpr int width_divisor = WidthDivisor;
    /// Input channels: RGB image and mask.
    static constexpr int input_channels = 4;
    static constexpr bool minibatch_stddev = MinibatchStddev;
};

}  // namespace isinggan::models

namespace isinggan {

template <int Size, int WidthDivisor, class From, bool MinibatchStddev, class B>
struct rebind_backend<models::dcgan_discriminator<Size, WidthDivisor, From, MinibatchStddev>, B> {
    using type = models::dcgan_discriminator<Size, WidthDivisor, B, MinibatchStddev>;
};

}  // namespace isinggan
