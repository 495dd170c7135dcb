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
//
// Every layer declares both, even when it has nothing to visit: a layer
// without parameters derives from `no_parameters`, one without buffers from
// `no_buffers`. The `layer` concept (layers/layer.hpp) requires them, so a
// misspelt `for_each_param` is a compile error, not a layer that is silently
// never trained or saved.
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

namespace param_detail {
/// Stands for any visitor in the concepts below: callable with a name and
/// anything by reference.
struct any_visitor {
    template <class P>
    void operator()(std::string_view, P&) const {}
};
}  // namespace param_detail

/// M names its trainable parameters: `m.for_each_param(f)` calls f(name, parameter&).
template <class M>
concept visits_params = requires(M& m, param_detail::any_visitor f) { m.for_each_param(f); };

/// M names its non-trainable state: `m.for_each_buffer(f)` calls f(name, tensor&).
template <class M>
concept visits_buffers = requires(M& m, param_detail::any_visitor f) { m.for_each_buffer(f); };

/// The declaration of a layer that has no parameters and no buffers
/// (activations, pooling, reshapes): derive from it.
struct no_parameters {
    template <class F>
    void for_each_param(F&&) {}
    template <class F>
    void for_each_buffer(F&&) {}
};

/// The declaration of a layer that has parameters but no buffers (convolutions, dense).
struct no_buffers {
    template <class F>
    void for_each_buffer(F&&) {}
};

/// Calls f(name, parameter&) for every trainable parameter of `model`.
template <class Model, class F>
void visit_params(Model& model, F&& f) {
    static_assert(visits_params<Model>,
                  "isinggan: this model does not declare its parameters: it needs "
                  "`template <class F> void for_each_param(F&& f)` (derive from isinggan::no_parameters "
                  "when it has none)");
    model.for_each_param(f);
}

/// Calls f(name, tensor&) for every non-trainable state tensor of `model`;
/// a model that is not a layer (an optimizer's test model, say) may have no
/// for_each_buffer, and then has no buffers. Layers always declare it.
template <class Model, class F>
void visit_buffers(Model& model, F&& f) {
    if constexpr (visits_buffers<Model>) model.for_each_buffer(f);
}

}  // namespace isinggan
