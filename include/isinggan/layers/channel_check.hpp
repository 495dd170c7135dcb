#pragma once
// Compile-time channel checks for the composites. Channel counts are template
// arguments, so a network whose layers disagree (conv2d<3, 64> followed by
// batch_norm2d<32>) is rejected by the compiler. The failing check is a class
// template whose arguments name the two layers and their channel counts, so
// the compiler's "in instantiation of" note says exactly which layers disagree.
#include <array>
#include <cstddef>
#include <tuple>

#include "isinggan/layers/layer.hpp"

namespace isinggan::channel_check {

/// One check per consumer: `Producer` is the nearest earlier layer that fixes
/// the channel count (activations in between pass it through), `Position`
/// is the consumer's index in its composite.
template <std::size_t Position, class Producer, int ProducedChannels, class Consumer, int ExpectedChannels>
struct consecutive_layers_agree {
    static_assert(ProducedChannels == ExpectedChannels,
                  "channel mismatch between consecutive layers: the layer Consumer at index Position of this "
                  "composite expects ExpectedChannels input channels, but the layer Producer before it produces "
                  "ProducedChannels channels. The compiler's 'in instantiation of consecutive_layers_agree<Position, "
                  "Producer, ProducedChannels, Consumer, ExpectedChannels>' note names both layers and both "
                  "counts; change one of the two layers so that the counts agree.");
    static constexpr bool value = true;
};

/// Index of the layer whose output fixes the channel count seen by layer `i`
/// of the list with out_channels `outs` (or -1 when nothing fixes it).
template <std::size_t N>
constexpr int producer_of(const std::array<int, N>& outs, std::size_t i) {
    for (std::size_t j = i; j-- > 0;) {
        if (outs[j] == unknown_channels) return -1;
        if (outs[j] != any_channels) return int(j);
    }
    return -1;
}

/// Checks layer I of `Layers` (a std::tuple of layer types) against its producer.
template <class Layers, std::size_t I>
constexpr bool check_one() {
    constexpr std::size_t n = std::tuple_size_v<Layers>;
    constexpr auto outs = []<std::size_t... J>(std::index_sequence<J...>) {
        return std::array<int, n>{std::tuple_element_t<J, Layers>::out_channels...};
    }(std::make_index_sequence<n>{});
    constexpr int p = producer_of(outs, I);
    using consumer = std::tuple_element_t<I, Layers>;
    if constexpr (p >= 0 && consumer::in_channels >= 0) {
        using producer = std::tuple_element_t<std::size_t(p), Layers>;
        return consecutive_layers_agree<I, producer, producer::out_channels, consumer,
                                        consumer::in_channels>::value;
    } else {
        return true;
    }
}

/// True when every layer of the list accepts what the layers before it produce;
/// otherwise compilation stops at the first disagreeing pair.
template <class... Layers>
constexpr bool chain_agrees() {
    return []<std::size_t... I>(std::index_sequence<I...>) {
        return (check_one<std::tuple<Layers...>, I>() && ...);
    }(std::index_sequence_for<Layers...>{});
}

/// in_channels of a chain: the first layer that states an input count before
/// any layer fixes the count itself; any_channels when none does.
template <class... Layers>
constexpr int chain_in_channels() {
    constexpr std::array<int, sizeof...(Layers)> ins{Layers::in_channels...};
    constexpr std::array<int, sizeof...(Layers)> outs{Layers::out_channels...};
    for (std::size_t i = 0; i < ins.size(); ++i) {
        if (ins[i] >= 0) return ins[i];
        if (outs[i] != any_channels) return any_channels;
    }
    return any_channels;
}

/// out_channels of a chain (any_channels when every layer passes the count through).
template <class... Layers>
constexpr int chain_out_channels() {
    int known = any_channels;
    ((known = channels_after(known, Layers::out_channels)), ...);
    return known;
}

/// The check between a branch's trunk and its head number HeadIndex.
template <std::size_t HeadIndex, class Trunk, int TrunkChannels, class Head, int HeadChannels>
struct head_agrees_with_trunk {
    static_assert(TrunkChannels == HeadChannels,
                  "channel mismatch in a branch: head number HeadIndex (the layer Head) expects HeadChannels input "
                  "channels, but the trunk (the layer Trunk) produces TrunkChannels channels. The compiler's 'in "
                  "instantiation of head_agrees_with_trunk<HeadIndex, Trunk, TrunkChannels, Head, HeadChannels>' "
                  "note names both; change one of them so that the counts agree.");
    static constexpr bool value = true;
};

/// True when head I of a branch accepts its trunk's output.
template <std::size_t I, class Trunk, class Head>
constexpr bool head_fits_trunk() {
    constexpr int trunk_out = chain_out_channels<Trunk>();
    if constexpr (trunk_out >= 0 && Head::in_channels >= 0)
        return head_agrees_with_trunk<I, Trunk, trunk_out, Head, Head::in_channels>::value;
    else
        return true;
}

}  // namespace isinggan::channel_check
