#pragma once
// Whole-network checks shared by the model tests: the names a network visits,
// and a finite-difference check of a gradient along a random direction.
#include <algorithm>
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

/// |numeric − analytic| <= abs · (1e-4 / h) + rel · |analytic| at step h: `abs` is
/// the allowance for the float rounding of loss() at h = 1e-4, and that
/// rounding, divided by the step, grows as the step shrinks.
struct direction_tolerance {
    double abs = 1e-3, rel = 0.15;
};

/// Directional finite differences, one tensor at a time: for a random
/// direction v over `values`, the central difference of loss() along v must
/// match ⟨analytic, v⟩. Per-element probes of whole networks cross the kinks
/// of (leaky) ReLUs too often to be reliable in float; every layer type has
/// per-element checks of its own (tests/layers).
///
/// The central difference errs two ways: a step h that moves some ReLU input
/// across 0 measures the slope of another linear piece (an error that grows
/// with h), and the float rounding of loss() contributes δL / h (one that
/// shrinks with h). So it is taken with h = 1e-2, 1e-3 and 1e-4, and the
/// check passes when one of them agrees with the analytic slope; a wrong
/// gradient (a missing term, a sign) disagrees at every step.
///
/// Returns whether the check could tell this gradient from a wrong one: a
/// zero gradient and the gradient's negative would both have failed it. A
/// check whose tolerance admits 0 passes a missing gradient, so the callers
/// count these (the negative control of the check).
template <class Loss>
bool check_direction(tensor<cpu>& values, const tensor<cpu>& analytic, Loss&& loss, const std::string& what, rng& gen,
                     direction_tolerance tol = {}) {
    REQUIRE(values.shape() == analytic.shape());
    const tensor<cpu> v = random_tensor(values.shape(), gen);
    double expected = 0;
    for (std::size_t i = 0; i < v.size(); ++i) expected += double(analytic.data()[i]) * v.data()[i];
    std::vector<double> numeric;
    const double steps[] = {1e-2, 1e-3, 1e-4};
    for (const double h : steps) numeric.push_back(directional_difference(values, v, h, loss));
    const auto passes = [&](double claimed) {
        for (std::size_t k = 0; k < numeric.size(); ++k)
            if (std::abs(numeric[k] - claimed) <= tol.abs * 1e-4 / steps[k] + tol.rel * std::abs(claimed)) return true;
        return false;
    };
    INFO(what << ": along a random direction, analytic " << expected << ", numeric with steps 1e-2, 1e-3, 1e-4: "
              << numeric[0] << ", " << numeric[1] << ", " << numeric[2]);
    CHECK(passes(expected));
    const bool discriminating = !passes(0.0) && !passes(-expected);
    if (!discriminating)
        MESSAGE(what << ": a zero or negated gradient would pass too: analytic " << expected << ", numeric "
                     << numeric[0] << ", " << numeric[1] << ", " << numeric[2] << "; tolerance "
                     << tol.abs << " (at 1e-4) + " << tol.rel << " of the slope");
    return discriminating;
}

/// How many parameters check_every_parameter checked, and how many of those
/// checks would have failed a zero or a negated gradient (check_direction).
/// The model tests require it of at least two checks in three: in float, a
/// parameter whose slope along the direction is below the loss's rounding
/// over the step, at every step that crosses no ReLU kink, cannot be told
/// from 0 by differences (measured: the paper generator's loss of ~10^3
/// rounds to ~0.1 over h = 1e-4); each layer type has per-element checks of
/// its own in tests/layers, and these checks keep the wiring honest.
/// A parameter whose gradient is 0 but for rounding (a bias in front of a
/// batch norm in training mode, which the normalisation cancels) cannot be
/// told from a zero gradient, and is counted apart.
struct parameter_checks {
    std::size_t checked = 0, discriminating = 0, zero_gradient = 0;
    std::vector<std::string> blind;  ///< the other parameters whose check could not tell
};

/// check_direction for every parameter of `model`, whose gradients one backward
/// of loss() has just computed (named by the model's own parameter names).
template <class Model, class Loss>
parameter_checks check_every_parameter(Model& model, Loss&& loss, rng& gen, direction_tolerance tol = {}) {
    parameter_checks counts;
    double largest = 0;  // the largest gradient element of the model: the scale of "0 but for rounding"
    visit_params(model, [&](std::string_view, auto& p) {
        for (const float g : p.grad) largest = std::max(largest, double(std::abs(g)));
    });
    visit_params(model, [&](std::string_view name, auto& p) {
        const tensor<cpu> grad = p.grad;  // a copy: what loss() does to the model cannot change it
        double own = 0;
        for (const float g : grad) own = std::max(own, double(std::abs(g)));
        if (check_direction(p.value, grad, loss, std::string(name), gen, tol)) ++counts.discriminating;
        else if (own <= 1e-5 * largest) ++counts.zero_gradient;  // float rounding of sums of ~10^3 terms
        else counts.blind.emplace_back(name);
        ++counts.checked;
    });
    if (!counts.blind.empty()) {
        std::string names;
        for (const auto& n : counts.blind) names += " " + n;
        MESSAGE(counts.discriminating << " of " << counts.checked << " checks would fail a zero or negated gradient, "
                << counts.zero_gradient << " gradients are 0 but for rounding; the others:" << names);
    }
    return counts;
}

}  // namespace isinggan::testing
