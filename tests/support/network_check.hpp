#pragma once
// Whole-network checks shared by the model tests: the names a network visits,
// and a finite-difference check of a gradient along a random direction.
#include <cmath>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "isinggan/core/tensor.hpp"
#include "support/finite_difference.hpp"
#include "support/random_tensor.hpp"

namespace isinggan::testing {

/// The names of a model's parameters, in the order the model visits them.
template <class Model>
std::vector<std::string> param_order(Model& m) {
    std::vector<std::string> names;
    visit_params(m, [&](std::string_view n, auto&) { names.emplace_back(n); });
    return names;
}

/// The names of a model's buffers (batch-norm running statistics), in visiting order.
template <class Model>
std::vector<std::string> buffer_order(Model& m) {
    std::vector<std::string> names;
    visit_buffers(m, [&](std::string_view n, auto&) { names.emplace_back(n); });
    return names;
}

/// The names of a model's parameters, as a set.
template <class Model>
std::set<std::string> param_names(Model& m) {
    const auto names = param_order(m);
    return {names.begin(), names.end()};
}

/// The names of a model's buffers, as a set.
template <class Model>
std::set<std::string> buffer_names(Model& m) {
    const auto names = buffer_order(m);
    return {names.begin(), names.end()};
}

struct direction_tolerance {
    double abs = 3e-3, rel = 3e-2;
};

/// Directional finite differences, one tensor at a time: for a random
/// direction v over `values`, the central difference of loss() along v must
/// match ⟨analytic, v⟩. Per-element probes of whole networks cross the kinks
/// of (leaky) ReLUs too often to be reliable in float; every layer type has
/// per-element checks of its own (tests/layers).
template <class Loss>
void check_direction(tensor<cpu>& values, const tensor<cpu>& analytic, Loss&& loss, const std::string& what, rng& gen,
                     direction_tolerance tol = {}) {
    REQUIRE(values.shape() == analytic.shape());
    const tensor<cpu> v = random_tensor(values.shape(), gen);
    double expected = 0;
    for (std::size_t i = 0; i < v.size(); ++i) expected += double(analytic.data()[i]) * v.data()[i];
    // A small step, so that few (leaky) ReLU kinks are crossed.
    const double numeric = directional_difference(values, v, 1e-4, loss);
    INFO(what << ": along a random direction, analytic " << expected << ", numeric " << numeric);
    CHECK(std::abs(numeric - expected) <= tol.abs + tol.rel * std::abs(expected));
}

/// check_direction for every parameter of `model`, whose gradients one backward
/// of loss() has just computed (named by the model's own parameter names).
/// Returns how many were checked.
template <class Model, class Loss>
std::size_t check_every_parameter(Model& model, Loss&& loss, rng& gen, direction_tolerance tol = {}) {
    std::size_t checked = 0;
    visit_params(model, [&](std::string_view name, auto& p) {
        const tensor<cpu> grad = p.grad;  // a copy: what loss() does to the model cannot change it
        check_direction(p.value, grad, loss, std::string(name), gen, tol);
        ++checked;
    });
    return checked;
}

}  // namespace isinggan::testing
