#pragma once
// The mixed blocks of pytorch-fid's Inception-v3 (FID-Inception A, C, E_1,
// E_2 and torchvision's B and D), inference only. Branch outputs are
// concatenated along channels in pytorch-fid's order. The 1x1 convolutions
// that open several branches read the same input, so they run stacked as
// one convolution and their outputs are sliced apart. Each block runs on
// either backend: its tensors and units are those of `Backend`.
#include <cstddef>
#include <string>
#include <vector>

#include "isinggan/models/inception/conv_unit.hpp"
#include "isinggan/models/inception/pooling.hpp"

namespace isinggan::inception {

/// Scratch tensors a block reuses between calls.
template <class Backend = cpu>
struct block_scratch {
    tensor<Backend> heads, a, b, c, pooled;
    typename workspace_for<Backend>::type ws;
};

/// Runs `units` one after another on x, the result in `out` (a and b are scratch).
template <class Backend>
void run_chain(const std::vector<const conv_unit<Backend>*>& units, const tensor<Backend>& x, tensor<Backend>& out,
               tensor<Backend>& a, tensor<Backend>& b, typename workspace_for<Backend>::type& ws) {
    const tensor<Backend>* in = &x;
    for (std::size_t i = 0; i < units.size(); ++i) {
        tensor<Backend>& dst = i + 1 == units.size() ? out : (in == &a ? b : a);
        units[i]->forward(*in, dst, ws);
        in = &dst;
    }
}

/// Mixed_5b–5d: 1x1 | 1x1→5x5 | 1x1→3x3→3x3 | avg pool (padding excluded)→1x1.
template <class Backend = cpu>
class block_a {
public:
    block_a(const std::string& name, std::size_t in, std::size_t pool_features)
        : b1x1_(name + ".branch1x1", in, 64, 1), b5x5_1_(name + ".branch5x5_1", in, 48, 1),
          b5x5_2_(name + ".branch5x5_2", 48, 64, 5, 1, 2), dbl_1_(name + ".branch3x3dbl_1", in, 64, 1),
          dbl_2_(name + ".branch3x3dbl_2", 64, 96, 3, 1, 1), dbl_3_(name + ".branch3x3dbl_3", 96, 96, 3, 1, 1),
          pool_(name + ".branch_pool", in, pool_features, 1) {}

    std::size_t out_channels() const noexcept { return 64 + 64 + 96 + pool_.out_channels(); }

    void load(const weight_source& s) {
        for (auto* u : {&b1x1_, &b5x5_1_, &b5x5_2_, &dbl_1_, &dbl_2_, &dbl_3_, &pool_}) u->load(s);
        heads_ = conv_unit<Backend>::stacked({&b1x1_, &b5x5_1_, &dbl_1_});
    }

    void forward(const tensor<Backend>& x, tensor<Backend>& out, block_scratch<Backend>& t) const {
        out.resize({x.n(), out_channels(), x.h(), x.w()});
        heads_.forward(x, t.heads, t.ws);  // [64 | 48 | 64]
        copy_channels(t.heads, 0, 64, out, 0);
        slice_channels(t.heads, 64, 48, t.c);
        b5x5_2_.forward(t.c, t.a, t.ws);
        copy_channels(t.a, 0, 64, out, 64);
        slice_channels(t.heads, 112, 64, t.c);
        run_chain({&dbl_2_, &dbl_3_}, t.c, t.pooled, t.a, t.b, t.ws);
        copy_channels(t.pooled, 0, 96, out, 128);
        pool3x3(x, t.pooled, pool_kind::average_excluding_padding, 1, 1);
        pool_.forward(t.pooled, t.a, t.ws);
        copy_channels(t.a, 0, pool_.out_channels(), out, 224);
    }

private:
    conv_unit<Backend> b1x1_, b5x5_1_, b5x5_2_, dbl_1_, dbl_2_, dbl_3_, pool_, heads_;
};

/// Mixed_6a: 3x3 stride 2 | 1x1→3x3→3x3 stride 2 | max pool stride 2.
template <class Backend = cpu>
class block_b {
public:
    block_b(const std::string& name, std::size_t in)
        : in_(in), b3x3_(name + ".branch3x3", in, 384, 3, 2), dbl_1_(name + ".branch3x3dbl_1", in, 64, 1),
          dbl_2_(name + ".branch3x3dbl_2", 64, 96, 3, 1, 1), dbl_3_(name + ".branch3x3dbl_3", 96, 96, 3, 2) {}

    std::size_t out_channels() const noexcept { return 384 + 96 + in_; }

    void load(const weight_source& s) {
        for (auto* u : {&b3x3_, &dbl_1_, &dbl_2_, &dbl_3_}) u->load(s);
    }

    void forward(const tensor<Backend>& x, tensor<Backend>& out, block_scratch<Backend>& t) const {
        b3x3_.forward(x, t.c, t.ws);
        out.resize({x.n(), out_channels(), t.c.h(), t.c.w()});
        copy_channels(t.c, 0, 384, out, 0);
        run_chain({&dbl_1_, &dbl_2_, &dbl_3_}, x, t.c, t.a, t.b, t.ws);
        copy_channels(t.c, 0, 96, out, 384);
        pool3x3(x, t.pooled, pool_kind::max, 2, 0);
        copy_channels(t.pooled, 0, in_, out, 480);
    }

private:
    std::size_t in_;
    conv_unit<Backend> b3x3_, dbl_1_, dbl_2_, dbl_3_;
};

/// Mixed_6b–6e: 1x1 | 1x1→1x7→7x1 | 1x1→7x1→1x7→7x1→1x7 | avg pool (padding excluded)→1x1.
template <class Backend = cpu>
class block_c {
public:
    block_c(const std::string& name, std::size_t in, std::size_t c7)
        : c7_(c7), b1x1_(name + ".branch1x1", in, 192, 1), b7_1_(name + ".branch7x7_1", in, c7, 1),
          b7_2_(name + ".branch7x7_2", c7, c7, 1, 7, 1, 0, 3), b7_3_(name + ".branch7x7_3", c7, 192, 7, 1, 1, 3, 0),
          dbl_1_(name + ".branch7x7dbl_1", in, c7, 1), dbl_2_(name + ".branch7x7dbl_2", c7, c7, 7, 1, 1, 3, 0),
          dbl_3_(name + ".branch7x7dbl_3", c7, c7, 1, 7, 1, 0, 3), dbl_4_(name + ".branch7x7dbl_4", c7, c7, 7, 1, 1, 3, 0),
          dbl_5_(name + ".branch7x7dbl_5", c7, 192, 1, 7, 1, 0, 3), pool_(name + ".branch_pool", in, 192, 1) {}

    static constexpr std::size_t out_channels() noexcept { return 768; }

    void load(const weight_source& s) {
        for (auto* u : {&b1x1_, &b7_1_, &b7_2_, &b7_3_, &dbl_1_, &dbl_2_, &dbl_3_, &dbl_4_, &dbl_5_, &pool_}) u->load(s);
        heads_ = conv_unit<Backend>::stacked({&b1x1_, &b7_1_, &dbl_1_});
    }

    void forward(const tensor<Backend>& x, tensor<Backend>& out, block_scratch<Backend>& t) const {
        out.resize({x.n(), out_channels(), x.h(), x.w()});
        heads_.forward(x, t.heads, t.ws);  // [192 | c7 | c7]
        copy_channels(t.heads, 0, 192, out, 0);
        slice_channels(t.heads, 192, c7_, t.c);
        run_chain({&b7_2_, &b7_3_}, t.c, t.pooled, t.a, t.b, t.ws);
        copy_channels(t.pooled, 0, 192, out, 192);
        slice_channels(t.heads, 192 + c7_, c7_, t.c);
        run_chain({&dbl_2_, &dbl_3_, &dbl_4_, &dbl_5_}, t.c, t.pooled, t.a, t.b, t.ws);
        copy_channels(t.pooled, 0, 192, out, 384);
        pool3x3(x, t.pooled, pool_kind::average_excluding_padding, 1, 1);
        pool_.forward(t.pooled, t.a, t.ws);
        copy_channels(t.a, 0, 192, out, 576);
    }

private:
    std::size_t c7_;
    conv_unit<Backend> b1x1_, b7_1_, b7_2_, b7_3_, dbl_1_, dbl_2_, dbl_3_, dbl_4_, dbl_5_, pool_, heads_;
};

/// Mixed_7a: 1x1→3x3 stride 2 | 1x1→1x7→7x1→3x3 stride 2 | max pool stride 2.
template <class Backend = cpu>
class block_d {
public:
    block_d(const std::string& name, std::size_t in)
        : in_(in), b3_1_(name + ".branch3x3_1", in, 192, 1), b3_2_(name + ".branch3x3_2", 192, 320, 3, 2),
          b7_1_(name + ".branch7x7x3_1", in, 192, 1), b7_2_(name + ".branch7x7x3_2", 192, 192, 1, 7, 1, 0, 3),
          b7_3_(name + ".branch7x7x3_3", 192, 192, 7, 1, 1, 3, 0), b7_4_(name + ".branch7x7x3_4", 192, 192, 3, 2) {}

    std::size_t out_channels() const noexcept { return 320 + 192 + in_; }

    void load(const weight_source& s) {
        for (auto* u : {&b3_1_, &b3_2_, &b7_1_, &b7_2_, &b7_3_, &b7_4_}) u->load(s);
        heads_ = conv_unit<Backend>::stacked({&b3_1_, &b7_1_});
    }

    void forward(const tensor<Backend>& x, tensor<Backend>& out, block_scratch<Backend>& t) const {
        heads_.forward(x, t.heads, t.ws);  // [192 | 192]
        slice_channels(t.heads, 0, 192, t.c);
        b3_2_.forward(t.c, t.pooled, t.ws);
        out.resize({x.n(), out_channels(), t.pooled.h(), t.pooled.w()});
        copy_channels(t.pooled, 0, 320, out, 0);
        slice_channels(t.heads, 192, 192, t.c);
        run_chain({&b7_2_, &b7_3_, &b7_4_}, t.c, t.pooled, t.a, t.b, t.ws);
        copy_channels(t.pooled, 0, 192, out, 320);
        pool3x3(x, t.pooled, pool_kind::max, 2, 0);
        copy_channels(t.pooled, 0, in_, out, 512);
    }

private:
    std::size_t in_;
    conv_unit<Backend> b3_1_, b3_2_, b7_1_, b7_2_, b7_3_, b7_4_, heads_;
};

/// Mixed_7b (E_1: average pool, padding excluded) and Mixed_7c (E_2: max pool):
/// 1x1 | 1x1→[1x3, 3x1] | 1x1→3x3→[1x3, 3x1] | pool→1x1.
template <class Backend = cpu>
class block_e {
public:
    block_e(const std::string& name, std::size_t in, pool_kind pool)
        : pool_kind_(pool), b1x1_(name + ".branch1x1", in, 320, 1), b3_1_(name + ".branch3x3_1", in, 384, 1),
          b3_2a_(name + ".branch3x3_2a", 384, 384, 1, 3, 1, 0, 1), b3_2b_(name + ".branch3x3_2b", 384, 384, 3, 1, 1, 1, 0),
          dbl_1_(name + ".branch3x3dbl_1", in, 448, 1), dbl_2_(name + ".branch3x3dbl_2", 448, 384, 3, 1, 1),
          dbl_3a_(name + ".branch3x3dbl_3a", 384, 384, 1, 3, 1, 0, 1),
          dbl_3b_(name + ".branch3x3dbl_3b", 384, 384, 3, 1, 1, 1, 0), pool_(name + ".branch_pool", in, 192, 1) {}

    static constexpr std::size_t out_channels() noexcept { return 2048; }

    void load(const weight_source& s) {
        for (auto* u : {&b1x1_, &b3_1_, &b3_2a_, &b3_2b_, &dbl_1_, &dbl_2_, &dbl_3a_, &dbl_3b_, &pool_}) u->load(s);
        heads_ = conv_unit<Backend>::stacked({&b1x1_, &b3_1_, &dbl_1_});
    }

    void forward(const tensor<Backend>& x, tensor<Backend>& out, block_scratch<Backend>& t) const {
        out.resize({x.n(), out_channels(), x.h(), x.w()});
        heads_.forward(x, t.heads, t.ws);  // [320 | 384 | 448]
        copy_channels(t.heads, 0, 320, out, 0);
        slice_channels(t.heads, 320, 384, t.c);
        b3_2a_.forward(t.c, t.a, t.ws);
        copy_channels(t.a, 0, 384, out, 320);
        b3_2b_.forward(t.c, t.a, t.ws);
        copy_channels(t.a, 0, 384, out, 704);
        slice_channels(t.heads, 704, 448, t.c);
        dbl_2_.forward(t.c, t.b, t.ws);
        dbl_3a_.forward(t.b, t.a, t.ws);
        copy_channels(t.a, 0, 384, out, 1088);
        dbl_3b_.forward(t.b, t.a, t.ws);
        copy_channels(t.a, 0, 384, out, 1472);
        pool3x3(x, t.pooled, pool_kind_, 1, 1);
        pool_.forward(t.pooled, t.a, t.ws);
        copy_channels(t.a, 0, 192, out, 1856);
    }

private:
    pool_kind pool_kind_;
    conv_unit<Backend> b1x1_, b3_1_, b3_2a_, b3_2b_, dbl_1_, dbl_2_, dbl_3a_, dbl_3b_, pool_, heads_;
};

}  // namespace isinggan::inception
