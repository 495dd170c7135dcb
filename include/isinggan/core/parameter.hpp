#pragma once
// Trainable parameters and the visiting protocol that optimizers and
// checkpoints use.
//
// A layer owns `parameter<Backend>` members (value and gradient side by side)
// and exposes them by name:
//
//     template <class F> void for_each_param(F&& f) { f("weight", weight_); f("bias", bias_); }
//     template <class F> void for_each_buffer(F&& f) { f("running_mean", running_mean_); }
//
// Names follow PyTorch's state_dict ("weight", "bias", "running_mean"); a
// composite prefixes its children's names with their index or role
// ("trunk.2.weight"), so a checkpoint's keys match PyTorch's for the same model.
// Buffers are state that is saved but not trained (batch-norm running statistics).
#include <string>
#include <string_view>

#include "isinggan/core/tensor.hpp"

namespace isinggan {

template <class Backend = cpu, class T = float>
struct parameter {
    tensor<Backend, T> value;
    tensor<Backend, T> grad;  // same shape as value; layers accumulate into it
    /// Number of dimensions PyTorch gives this tensor, when it keeps unit
    /// dimensions (a convolution weight is always 4-d, even [out, in, 7, 1]);
    /// 0: trailing unit dimensions are dropped (bias [C], dense weight [out, in]).
    int torch_rank = 0;

    parameter() = default;
    explicit parameter(shape4 s) : value(s), grad(s) {}
    void zero_grad() { grad.zero(); }
};

/// `name` joined under `prefix` with a dot ("" + "weight" -> "weight", "0" + "weight" -> "0.weight").
inline std::string join_name(std::string_view prefix, std::string_view name) {
    if (prefix.empty()) return std::string(name);
    std::string out(prefix);
    out += '.';
    out += name;
    return out;
}

/// Calls f(name, parameter&) for every trainable parameter of `model`; a
/// model without parameters (an activation) may omit for_each_param.
template <class Model, class F>
void visit_params(Model& model, F&& f) {
    if constexpr (requires { model.for_each_param(f); }) model.for_each_param(f);
}

/// Calls f(name, tensor&) for every non-trainable state tensor of `model`.
template <class Model, class F>
void visit_buffers(Model& model, F&& f) {
    if constexpr (requires { model.for_each_buffer(f); }) model.for_each_buffer(f);
}

}  // namespace isinggan
