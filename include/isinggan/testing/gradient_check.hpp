#pragma once
// Checks for a layer of your own, before you train with it: its backward
// against finite differences, and the accumulation rule of the layer
// contract (layers/layer.hpp).
//
//     isinggan::rng gen(1);
//     my_layer<> l;
//     isinggan::tensor<isinggan::cpu> x({2, 3, 8, 8});
//     isinggan::fill_uniform(x, -1, 1, gen);
//     const auto report = isinggan::testing::gradient_check(l, x, gen);
//     if (!report.ok()) std::cerr << report.str();
//
// The loss is sum(r · forward(x)) for a random r of the output's shape, so
// its gradient with respect to the output is r. gradient_check compares
//   - backward(r) with the central difference of the loss for the input, and
//     for up to `max_points` elements of every parameter (spread evenly);
//   - the parameter gradients of a second forward/backward, without zero_grad
//     in between, with twice the first: backward must *add* into
//     parameter::grad, since a GAN step sums the gradients of several passes.
// The check runs on the CPU instance of a layer (on_backend moves a model
// to the GPU once it passes). Layers with a random forward (dropout in
// training) need their randomness fixed between calls.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "isinggan/core/parameter.hpp"
#include "isinggan/core/random.hpp"
#include "isinggan/core/tensor.hpp"
#include "isinggan/layers/layer.hpp"

namespace isinggan::testing {

/// (f() at value + step − f() at value − step) / 2·step; `value` is restored.
/// The step is added in the value's own type (float or double), as a user's
/// perturbation would be.
template <class T, class F>
double central_difference(T& value, double step, F&& f) {
    const T saved = value;
    value = saved + static_cast<T>(step);
    const double up = f();
    value = saved - static_cast<T>(step);
    const double down = f();
    value = saved;
    return (up - down) / (2.0 * step);
}

struct gradient_check_options {
    double eps = 1e-2;            ///< central-difference step (float layers need a coarse one)
    double abs_tol = 2e-3;        ///< an element passes when |numeric − analytic| <= abs_tol + rel_tol·|analytic|
    double rel_tol = 2e-2;
    std::size_t max_points = 48;  ///< elements probed per tensor
    double accumulate_tol = 1e-5; ///< relative tolerance of the second-backward rule
};

/// One element whose analytic gradient disagrees with the numeric one.
struct gradient_mismatch {
    std::string tensor;  ///< "input" or the parameter's name ("weight", "0.bias", ...)
    std::size_t index = 0;
    double analytic = 0.0;
    double numeric = 0.0;
};

struct gradient_check_report {
    std::vector<gradient_mismatch> mismatches;
    std::size_t points_checked = 0;
    /// Names of the parameters whose gradient a second backward replaced
    /// instead of adding to.
    std::vector<std::string> not_accumulated;

    bool ok() const { return mismatches.empty() && not_accumulated.empty() && points_checked > 0; }

    /// One line per failure (empty when ok()).
    std::string str() const {
        std::ostringstream out;
        if (points_checked == 0) out << "no element was checked (an empty input?)\n";
        for (const auto& m : mismatches)
            out << m.tensor << " element " << m.index << ": backward gives " << m.analytic
                << ", finite differences " << m.numeric << '\n';
        for (const auto& name : not_accumulated)
            out << name << ": a second backward without zero_grad did not add to the gradient\n";
        return out.str();
    }
};

/// Probes up to opts.max_points elements of `values` (spread evenly):
/// `analytic` must match the central difference of loss(); disagreements go
/// into `report` under the name `what`. gradient_check uses it for a layer;
/// call it directly for a network with several outputs (a branch), with a
/// loss that sums them.
template <class Loss>
void probe_gradient(tensor<cpu>& values, const tensor<cpu>& analytic, Loss&& loss, std::string_view what,
           const gradient_check_options& opts, gradient_check_report& report) {
    if (values.shape() != analytic.shape()) {
        report.mismatches.push_back({std::string(what) + " (gradient of shape " + analytic.shape().str() +
                                         ", values of shape " + values.shape().str() + ")",
                                     0, 0.0, 0.0});
        return;
    }
    const std::size_t n = values.size();
    const std::size_t step = std::max<std::size_t>(1, n / std::max<std::size_t>(1, opts.max_points));
    for (std::size_t i = 0; i < n; i += step) {
        const double numeric = central_difference(values.data()[i], opts.eps, loss);
        const double a = analytic.data()[i];
        if (!(std::abs(numeric - a) <= opts.abs_tol + opts.rel_tol * std::abs(a)))
            report.mismatches.push_back({std::string(what), i, a, numeric});
        ++report.points_checked;
    }
}

/// Checks layer.backward against finite differences and the accumulation
/// rule (see the top of this file). `gen` draws the output weights r.
template <class Layer>
gradient_check_report gradient_check(Layer& layer, tensor<cpu> x, rng& gen, gradient_check_options opts = {}) {
    static_assert(layer_detail::check_layer<Layer>());
    static_assert(std::same_as<typename Layer::backend_type, cpu>,
                  "isinggan::testing::gradient_check runs on the cpu instance of a layer");
    gradient_check_report report;
    const tensor<cpu> y = layer.forward(x);
    tensor<cpu> r(y.shape());
    fill_uniform(r, -1.0, 1.0, gen);
    zero_grad(layer);
    const tensor<cpu> dx = layer.backward(r);
    std::vector<tensor<cpu>> grads;
    visit_params(layer, [&](std::string_view, parameter<cpu>& p) { grads.push_back(p.grad); });

    // A second pass on the same input, without zero_grad: gradients add up.
    layer.forward(x);
    layer.backward(r);
    std::size_t k = 0;
    visit_params(layer, [&](std::string_view name, parameter<cpu>& p) {
        const tensor<cpu>& once = grads[k++];
        double worst = 0.0;
        for (std::size_t i = 0; i < once.size(); ++i) {
            const double twice = 2.0 * double(once.data()[i]);
            const double err = std::abs(double(p.grad.data()[i]) - twice) / std::max(1.0, std::abs(twice));
            if (!(err <= worst)) worst = err;
        }
        if (!(worst <= opts.accumulate_tol)) report.not_accumulated.emplace_back(name);
    });

    auto loss = [&] { return ops::dot(cpu{}, layer.forward(x), r); };
    probe_gradient(x, dx, loss, "input", opts, report);
    k = 0;
    visit_params(layer, [&](std::string_view name, parameter<cpu>& p) {
        probe_gradient(p.value, grads[k++], loss, name, opts, report);
    });
    return report;
}

}  // namespace isinggan::testing
