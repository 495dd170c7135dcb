#pragma once
// What every layer is: the `layer` concept, the compile-time channel
// bookkeeping the composites check, and the few things all layers share
// (the scratch workspace, the default parameter initialisation).
//
// A layer L
//   - names its backend: `using backend_type = cpu;`
//   - has `static constexpr int in_channels, out_channels` (any_channels when
//     the layer works on any number of channels, as activations do);
//   - `forward(const tensor<B>& x) -> const tensor<B>&`: the output lives in a
//     buffer the layer owns and reuses, valid until the next forward;
//   - `backward(const tensor<B>& dy) -> const tensor<B>&`: the gradient with
//     respect to the input of the most recent forward. Parameter gradients
//     are *added* to `parameter::grad` (call zero_grad between steps). The
//     layer reads that forward's input again, so the input tensor must stay
//     alive and unchanged until backward returns (forward refuses a
//     temporary at compile time);
//   - `set_training(bool)`: batch norm and dropout behave differently in
//     evaluation; a layer starts in training mode, as in PyTorch;
//   - `for_each_param(f)` and `for_each_buffer(f)` (core/parameter.hpp), empty
//     ones inherited from `no_parameters` / `no_buffers` when it has none: the
//     concept requires them, so a misspelt one does not compile;
//   - optionally `reset_parameters(rng&)`.
//
// Every layer is a class template whose last argument is the backend
// (default cpu; `relu`, `tanh`, `flatten`, ... are the cpu instances;
// `on_backend<Model, cuda>` (layers/on_backend.hpp) moves a whole model).
// Layers on `cuda` keep their parameters, activations and gradients in GPU
// memory and run the ops of backend/cuda; their kernels are CUDA C++, so code
// that instantiates them must be compiled by nvcc (a .cu file of a target that
// links isinggan::cuda). Anywhere else the attempt stops compilation with a
// message saying so.
//
// Composites (sequential, residual, branch, skip_concat) are layers too,
// except branch, which has one output per head. They name their children's
// parameters as a PyTorch module of the same shape would (state_dict keys):
//   sequential  "0.weight", "3.running_mean"  (every child takes an index)
//   residual    "block.*"        skip_concat  "block.*"
//   branch      "trunk.*", "heads.0.*", "heads.1.*", ...
//
// Chaining networks (a GAN): backward returns the gradient with respect to
// the input, so `g.backward(d.backward(dy))` carries the discriminator's
// gradient into the generator. Because backward uses the activations of the
// most recent forward, run each forward's backward before the next forward
// of the same network (D on the real batch, backward; D on the fake batch,
// backward). Parameter gradients accumulate: zero_grad(model) before a step.
//
// Parameter initialisation: a layer with parameters starts with PyTorch's
// default initialisation (weights and biases uniform in +-1/sqrt(fan_in),
// batch norm scale 1 and shift 0), drawn from `default_init_generator()`, a
// per-thread generator with a fixed seed, so a program builds the same
// network every run; `seed_default_init(s)` plays the role of torch.manual_seed.
// `reset_parameters(model, gen)` redraws every parameter of a model from `gen`,
// children in order; the functions of isinggan/init visit the parameters
// by name and overwrite the values instead.
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>

#include "isinggan/backend/cpu/ops.hpp"
#include "isinggan/backend/compiled.hpp"
#include "isinggan/backend/transfer.hpp"
#include "isinggan/core/backend.hpp"
#include "isinggan/core/parameter.hpp"
#include "isinggan/core/random.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan {

/// in_channels of a layer that accepts any number of channels; as
/// out_channels: the layer keeps the channel count of its input (activations).
inline constexpr int any_channels = -1;
/// out_channels of a layer whose output channel count depends on the run-time
/// input size (flatten): later layers cannot be checked against it.
inline constexpr int unknown_channels = -2;

/// A differentiable single-input, single-output layer on backend B, which
/// declares what it trains and what it saves.
template <class L, class B>
concept layer_on = visits_params<L> && visits_buffers<L> && requires(L& l, const tensor<B>& t, bool training) {
    { L::in_channels } -> std::convertible_to<int>;
    { L::out_channels } -> std::convertible_to<int>;
    { l.forward(t) } -> std::same_as<const tensor<B>&>;
    { l.backward(t) } -> std::same_as<const tensor<B>&>;
    l.set_training(training);
};

/// A layer on the backend it names.
template <class L>
concept layer = requires { typename L::backend_type; } && layer_on<L, typename L::backend_type>;

namespace layer_detail {
/// True for a layer; otherwise stops compilation, with a message that names
/// the part of the contract L misses first. The composites check their
/// children with it.
template <class L>
consteval bool check_layer() {
    static_assert(requires { typename L::backend_type; },
                  "isinggan: not a layer: it does not name its backend (`using backend_type = cpu;`)");
    static_assert(visits_params<L>,
                  "isinggan: not a layer: it does not declare its parameters, `template <class F> void "
                  "for_each_param(F&& f)` (derive from isinggan::no_parameters when it has none; a misspelt "
                  "name would leave it untrained and unsaved)");
    static_assert(visits_buffers<L>,
                  "isinggan: not a layer: it does not declare its buffers, `template <class F> void "
                  "for_each_buffer(F&& f)` (derive from isinggan::no_buffers when it has none)");
    static_assert(layer<L>,
                  "isinggan: not a layer: it needs static in_channels and out_channels, forward(x) and "
                  "backward(dy) returning const tensor<backend_type>&, and set_training(bool)");
    return true;
}
}  // namespace layer_detail

/// True when a layer producing `out` channels may feed one expecting `in`
/// (negative counts, any or unknown, are not checked).
constexpr bool channels_compatible(int out, int in) { return out < 0 || in < 0 || out == in; }

/// The channel count after a layer whose out_channels is `out`, given that
/// `known` channels went in (any_channels passes the count through).
constexpr int channels_after(int known, int out) { return out == any_channels ? known : out; }

// --- shared state ------------------------------------------------------------

/// The CPU scratch memory (im2col columns) all layers of a thread share. A
/// layer needs it only during one forward or backward call, so one workspace
/// that grows to the largest request serves a whole network.
inline cpu_workspace& layer_workspace() { return thread_workspace(cpu{}); }

/// The same for any backend: layer_workspace() on the CPU, the thread's
/// cuDNN workspace on the GPU.
template <class B>
typename workspace_for<B>::type& layer_workspace_on() {
    return thread_workspace(B{});
}

/// The generator layers draw their default initial parameters from.
inline rng& default_init_generator() {
    thread_local rng gen(0x1519a6a7ULL);
    return gen;
}

/// Reseeds default_init_generator(), so the layers constructed next get
/// initial parameters fixed by `seed`.
inline void seed_default_init(std::uint64_t seed) { default_init_generator().seed(seed); }

namespace layer_detail {

template <class B>
constexpr void require_backend() {
    isinggan::require_backend<B>();
}

/// For the layers that have no GPU implementation yet.
template <class B>
constexpr void require_cpu() {
    static_assert(std::same_as<B, cpu>, "isinggan: this layer runs on the cpu backend only so far");
}

using isinggan::assign_from_host;

/// PyTorch's default for Linear/Conv: uniform in +-1/sqrt(fan_in), drawn
/// on the host, so a device tensor gets the same draws as a host one.
template <class B>
void fill_fan_in_uniform(tensor<B>& t, std::size_t fan_in, rng& gen) {
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(double(fan_in)) : 0.0;
    tensor<cpu> host(t.shape());
    fill_uniform(host, -bound, bound, gen);
    assign_from_host(t, host);
}

/// y = a copy of x under shape s (same number of elements), on either backend.
template <class B>
void copy_as(const tensor<B>& x, tensor<B>& y, shape4 s) {
    copy_reshaped(x, y, s);
}

/// Throws shape_error unless x has `channels` channels (skipped for any_channels).
inline void require_channels(const shape4& x, int channels, const char* layer_name) {
    if (channels != any_channels && x.c != std::size_t(channels))
        throw shape_error(std::string(layer_name) + ": expects " + std::to_string(channels) +
                          " input channels, got input of shape " + x.str());
}

/// Throws shape_error when backward's dy does not have the forward output's shape.
inline void require_grad_shape(const shape4& dy, const shape4& y, const char* layer_name) {
    if (dy != y)
        throw shape_error(std::string(layer_name) + ": output gradient of shape " + dy.str() +
                          " does not match the forward output's shape " + y.str());
}

/// Throws argument_error when backward runs without a forward before it.
inline void require_forward_done(const void* input, const char* layer_name) {
    if (input == nullptr) throw argument_error(std::string(layer_name) + ": backward called before forward");
}

}  // namespace layer_detail

// --- whole-model functions ---------------------------------------------------

/// Sets every parameter gradient of `model` to zero.
template <class Model>
void zero_grad(Model& model) {
    visit_params(model, [](std::string_view, auto& p) { p.zero_grad(); });
}

/// Redraws the parameters of `model` (and of its children, in order) with
/// PyTorch's default initialisation from `gen`.
template <class Model>
void reset_parameters(Model& model, rng& gen) {
    if constexpr (requires { model.reset_parameters(gen); }) model.reset_parameters(gen);
}

/// The parameter gradients of layer.backward(dy) without the input
/// gradient: what a network's first layers need when nothing upstream
/// trains (the discriminator's step on real and detached fake images).
/// Layers that can skip the work provide backward_params; others run backward.
template <class Layer, class Tensor>
void backward_params(Layer& layer, const Tensor& dy) {
    if constexpr (requires { layer.backward_params(dy); })
        layer.backward_params(dy);
    else
        layer.backward(dy);
}

/// The input gradient of layer.backward(dy), skipping the parameter
/// gradients where the layers can: what a network needs when only its input
/// trains (the discriminator in the generator's step, whose own gradients
/// would be cleared before they are used). Layers that cannot skip run
/// backward, so some parameter gradients may still be added to.
template <class Layer, class Tensor>
decltype(auto) backward_input(Layer& layer, const Tensor& dy) {
    if constexpr (requires { layer.backward_input(dy); })
        return layer.backward_input(dy);
    else
        return layer.backward(dy);
}

/// Number of trainable scalars in `model`.
template <class Model>
std::size_t parameter_count(Model& model) {
    std::size_t n = 0;
    visit_params(model, [&](std::string_view, auto& p) { n += p.value.size(); });
    return n;
}

}  // namespace isinggan
