#pragma once
// Per-parameter optimizer state, matched to a model's parameters.
//
// An optimizer serves one model. Its state is a list of slots, one per
// parameter in the order the model visits them; each slot remembers the
// parameter's name and shape, so handing the optimizer a different model (or
// a model whose parameters changed) is an error rather than a silent mix-up.
// Slots are created at the first step; later steps allocate nothing.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/core/parameter.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan::optim {

/// One parameter's state: `N` tensors shaped like the parameter once used (size_state).
template <std::size_t N, class Backend = cpu>
struct param_slot {
    std::string name;
    shape4 shape{};
    std::array<tensor<Backend>, N> state;
    bool initialized = false;  // whether `state` holds values (SGD's momentum starts uninitialized)
};

/// Gives the slot's state tensors the parameter's shape (zero-filled) the first
/// time it is called; state an optimizer never uses (SGD without momentum)
/// costs no memory.
template <std::size_t N, class Backend>
void size_state(param_slot<N, Backend>& s) {
    for (auto& t : s.state)
        if (t.shape() != s.shape) t = tensor<Backend>(s.shape);
}

/// Calls f(slot, parameter) for every parameter of `model`, creating empty
/// slots for a model seen for the first time. Throws argument_error when the
/// model's parameters do not match the slots (name, shape or count).
template <std::size_t N, class Backend, class Model, class F>
void for_each_slot(std::vector<param_slot<N, Backend>>& slots, Model& model, const char* optimizer, F&& f) {
    const bool fresh = slots.empty();
    std::size_t i = 0;
    visit_params(model, [&](std::string_view name, parameter<Backend>& p) {
        if (fresh) {
            auto& s = slots.emplace_back();
            s.name = std::string(name);
            s.shape = p.value.shape();
        } else if (i >= slots.size() || slots[i].name != name || slots[i].shape != p.value.shape()) {
            throw argument_error(
                std::string(optimizer) + ": parameter #" + std::to_string(i) + " \"" + std::string(name) + "\" " +
                p.value.shape().str() + " does not match the optimizer's state" +
                (i < slots.size() ? " for \"" + slots[i].name + "\" " + slots[i].shape.str() : std::string()) +
                "; an optimizer serves one model");
        }
        if (p.grad.shape() != p.value.shape())
            throw shape_error(std::string(optimizer) + ": gradient of \"" + std::string(name) + "\" has shape " +
                              p.grad.shape().str() + ", its value " + p.value.shape().str());
        f(slots[i], p);
        ++i;
    });
    if (i != slots.size())
        throw argument_error(std::string(optimizer) + ": the model has " + std::to_string(i) +
                             " parameters, the optimizer's state " + std::to_string(slots.size()));
}

/// Zeroes every parameter gradient of `model`.
template <class Model>
void zero_grad(Model& model) {
    visit_params(model, [](std::string_view, auto& p) { p.zero_grad(); });
}

}  // namespace isinggan::optim
