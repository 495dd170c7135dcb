#pragma once
// Xavier (Glorot) initialisation, as torch.nn.init computes it.
//
// The fans come from the first two dimensions of the weight tensor and the
// product of the rest (the receptive field):
//   fan_in = dim1 * receptive field,  fan_out = dim0 * receptive field.
// For a dense weight [out, in] and a convolution weight [out, in, kh, kw] that
// is the usual definition. A transposed convolution stores its weight as
// [in, out, kh, kw], so PyTorch's fan_in is there out*kh*kw; this follows
// PyTorch rather than correcting it, so a network initialised here is
// distributed as the same network initialised by PyTorch.
//
//   xavier_uniform: U(-a, a),   a = gain * sqrt(6 / (fan_in + fan_out))
//   xavier_normal:  N(0, s^2),  s = gain * sqrt(2 / (fan_in + fan_out))
//
// Draws come from isinggan::rng, so a seed fixes the weights bit for bit.
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/core/parameter.hpp"
#include "isinggan/core/random.hpp"
#include "isinggan/core/tensor.hpp"
#include "isinggan/backend/transfer.hpp"

namespace isinggan::init {

struct fans {
    double in = 0, out = 0;
};

/// PyTorch's fans of a weight tensor: dims 0 and 1 times the receptive field (dims 2 and 3).
inline fans compute_fans(const shape4& s) {
    const double field = static_cast<double>(s.h) * static_cast<double>(s.w);
    return {static_cast<double>(s.c) * field, static_cast<double>(s.n) * field};
}

/// The standard deviation Xavier gives a weight of this shape.
inline double xavier_std(const shape4& s, double gain = 1.0) {
    const fans f = compute_fans(s);
    if (f.in + f.out <= 0) throw argument_error("xavier: the weight shape " + s.str() + " has zero fan-in and fan-out");
    return gain * std::sqrt(2.0 / (f.in + f.out));
}

/// Gains as torch.nn.init.calculate_gain gives them.
inline double gain_relu() {
    return std::sqrt(2.0);
}
inline double gain_leaky_relu(double slope) {
    return std::sqrt(2.0 / (1.0 + slope * slope));
}
inline double gain_tanh() {
    return 5.0 / 3.0;
}

inline void xavier_uniform(tensor<cpu>& w, rng& gen, double gain = 1.0) {
    const double a = std::sqrt(3.0) * xavier_std(w.shape(), gain);
    fill_uniform(w, -a, a, gen);
}

inline void xavier_normal(tensor<cpu>& w, rng& gen, double gain = 1.0) {
    fill_normal(w, 0.0, xavier_std(w.shape(), gain), gen);
}

enum class xavier_kind { uniform, normal };

/// Initialises a whole model: every parameter named "weight" (the last part
/// of its name) gets Xavier, every "bias" zero, in visiting order from `gen`.
/// Batch-norm scale and shift are also named weight and bias but are not
/// weight matrices; they are recognised by the running_mean buffer beside
/// them and left as they are (PyTorch: 1 and 0).
template <class Model>
void xavier_init(Model& model, rng& gen, xavier_kind kind = xavier_kind::uniform, double gain = 1.0) {
    std::vector<std::string> norm_prefixes;  // "trunk.2." for trunk.2.running_mean
    visit_buffers(model, [&](std::string_view name, auto&) {
        constexpr std::string_view rm = "running_mean";
        if (name.ends_with(rm) && (name.size() == rm.size() || name[name.size() - rm.size() - 1] == '.'))
            norm_prefixes.emplace_back(name.substr(0, name.size() - rm.size()));
    });
    visit_params(model, [&](std::string_view name, auto& p) {
        const auto dot = name.rfind('.');
        const std::string_view prefix = dot == std::string_view::npos ? std::string_view() : name.substr(0, dot + 1);
        const std::string_view leaf = dot == std::string_view::npos ? name : name.substr(dot + 1);
        for (const auto& n : norm_prefixes)
            if (n == prefix) return;
        if (leaf == "weight") {
            // Drawn on the host, so a model on any backend gets the same values.
            tensor<cpu> w(p.value.shape());
            if (kind == xavier_kind::uniform)
                xavier_uniform(w, gen, gain);
            else
                xavier_normal(w, gen, gain);
            copy_tensor(w, p.value);
        } else if (leaf == "bias") {
            p.value.zero();
        }
    });
}

}  // namespace isinggan::init
