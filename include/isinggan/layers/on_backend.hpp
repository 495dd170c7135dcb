#pragma once
// on_backend<Model, B>: the same model type with every layer on backend B.
//
// Models are written once, in the cpu instances of the layers (`relu`,
// `conv2d<3, 64, 3>`, ...), and moved as a whole:
//
//     using generator = models::paper_generator<256>;          // host
//     using generator_gpu = on_backend<generator, cuda>;       // same layers on the GPU
//
// Composites rebind their children; a named model (a class deriving from a
// composite) provides its own specialisation of rebind_backend.
#include "isinggan/layers/activation.hpp"
#include "isinggan/layers/avg_pool2d.hpp"
#include "isinggan/layers/batch_norm.hpp"
#include "isinggan/layers/branch.hpp"
#include "isinggan/layers/conv2d.hpp"
#include "isinggan/layers/conv_transpose2d.hpp"
#include "isinggan/layers/dense.hpp"
#include "isinggan/layers/dropout.hpp"
#include "isinggan/layers/max_pool2d.hpp"
#include "isinggan/layers/minibatch_stddev.hpp"
#include "isinggan/layers/reshape.hpp"
#include "isinggan/layers/residual.hpp"
#include "isinggan/layers/sequential.hpp"
#include "isinggan/layers/skip_concat.hpp"
#include "isinggan/layers/upsample.hpp"

namespace isinggan {

/// rebind_backend<L, B>::type is L with its backend (and its children's) replaced by B.
template <class L, class B>
struct rebind_backend {
    static_assert(sizeof(L) == 0, "on_backend: this type is not a layer that on_backend knows how to move; give it a "
                                  "rebind_backend specialisation");
};

template <class L, class B>
using on_backend = typename rebind_backend<L, B>::type;

// Leaf layers: the backend is their last template argument.
template <int I, int O, int K, int S, int P, bool Bias, class From, class B>
struct rebind_backend<conv2d<I, O, K, S, P, Bias, From>, B> {
    using type = conv2d<I, O, K, S, P, Bias, B>;
};
template <int I, int O, int K, int S, int P, int OP, bool Bias, class From, class B>
struct rebind_backend<conv_transpose2d<I, O, K, S, P, OP, Bias, From>, B> {
    using type = conv_transpose2d<I, O, K, S, P, OP, Bias, B>;
};
template <int I, int O, class From, class B>
struct rebind_backend<dense<I, O, From>, B> {
    using type = dense<I, O, B>;
};
template <int C, int Rank, class From, class B>
struct rebind_backend<basic_batch_norm<C, Rank, From>, B> {
    using type = basic_batch_norm<C, Rank, B>;
};
template <int C, class From, class B>
struct rebind_backend<minibatch_stddev<C, From>, B> {
    using type = minibatch_stddev<C, B>;
};
template <class Fn, class From, class B>
struct rebind_backend<basic_activation<Fn, From>, B> {
    using type = basic_activation<Fn, B>;
};
template <class From, class B>
struct rebind_backend<basic_leaky_relu<From>, B> {
    using type = basic_leaky_relu<B>;
};
template <int C, int H, int W, class From, class B>
struct rebind_backend<reshape<C, H, W, From>, B> {
    using type = reshape<C, H, W, B>;
};
template <class From, class B>
struct rebind_backend<basic_flatten<From>, B> {
    using type = basic_flatten<B>;
};
template <class From, class B>
struct rebind_backend<basic_global_avg_pool<From>, B> {
    using type = basic_global_avg_pool<B>;
};
template <int K, int S, int P, class From, class B>
struct rebind_backend<avg_pool2d<K, S, P, From>, B> {
    using type = avg_pool2d<K, S, P, B>;
};
template <int K, int S, int P, class From, class B>
struct rebind_backend<max_pool2d<K, S, P, From>, B> {
    using type = max_pool2d<K, S, P, B>;
};
template <int Scale, upsample_mode Mode, class From, class B>
struct rebind_backend<upsample<Scale, Mode, From>, B> {
    using type = upsample<Scale, Mode, B>;
};
template <class From, class B>
struct rebind_backend<basic_dropout<From>, B> {
    using type = basic_dropout<B>;
};

// Composites: their children move.
template <class... Layers, class B>
struct rebind_backend<sequential<Layers...>, B> {
    using type = sequential<on_backend<Layers, B>...>;
};
template <class Block, class B>
struct rebind_backend<residual<Block>, B> {
    using type = residual<on_backend<Block, B>>;
};
template <class Block, class B>
struct rebind_backend<skip_concat<Block>, B> {
    using type = skip_concat<on_backend<Block, B>>;
};
template <class Trunk, class... Heads, class B>
struct rebind_backend<branch<Trunk, Heads...>, B> {
    using type = branch<on_backend<Trunk, B>, on_backend<Heads, B>...>;
};

}  // namespace isinggan
