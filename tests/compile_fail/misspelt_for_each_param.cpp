// expect: not a layer: it does not declare its parameters
// A layer whose parameter visitor is misspelt would never be trained or saved;
// the layer concept refuses it where it is used.
#include "isinggan/layers.hpp"

struct scale {
    using backend_type = isinggan::cpu;
    static constexpr int in_channels = isinggan::any_channels;
    static constexpr int out_channels = isinggan::any_channels;
    const isinggan::tensor<isinggan::cpu>& forward(const isinggan::tensor<isinggan::cpu>& x) { return x; }
    const isinggan::tensor<isinggan::cpu>& backward(const isinggan::tensor<isinggan::cpu>& dy) { return dy; }
    void set_training(bool) {}
    template <class F>
    void for_each_parm(F&& f) { f("weight", weight); }  // the typo
    template <class F>
    void for_each_buffer(F&&) {}
    isinggan::parameter<> weight;
};

isinggan::sequential<isinggan::conv2d<3, 8, 3>, scale> net;
