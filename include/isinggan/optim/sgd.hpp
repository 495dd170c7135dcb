#pragma once
// Stochastic gradient descent with momentum, as torch.optim.SGD defines it:
//
//   d = grad + weight_decay * param
//   buf = d                                   at the first step
//   buf = momentum * buf + (1 - dampening) * d  afterwards
//   d = nesterov ? d + momentum * buf : buf   (when momentum != 0)
//   param -= lr * d
//
// The element-wise work is done in float in PyTorch's order of operations.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/optim/param_slots.hpp"

namespace isinggan::optim {

struct sgd_options {
    double lr = 0.01;
    double momentum = 0.0;
    double dampening = 0.0;
    double weight_decay = 0.0;
    bool nesterov = false;
};

class sgd {
public:
    static constexpr std::string_view kind = "sgd";

    explicit sgd(sgd_options o = {}) : opt_(o) { validate(opt_); }

    template <class Model>
    void step(Model& model) {
        ++steps_;
        const auto wd = static_cast<float>(opt_.weight_decay), mom = static_cast<float>(opt_.momentum);
        const auto keep = static_cast<float>(1.0 - opt_.dampening), neg_lr = static_cast<float>(-opt_.lr);
        const bool decay = opt_.weight_decay != 0.0, use_momentum = opt_.momentum != 0.0, nesterov = opt_.nesterov;
        for_each_slot(slots_, model, "sgd", [&](slot& s, parameter<cpu>& p) {
            if (use_momentum) size_state(s);
            float* __restrict w = p.value.data();
            const float* __restrict g = p.grad.data();
            float* __restrict buf = s.state[0].data();
            const bool first = !s.initialized;
            const std::size_t n = p.value.size();
            for (std::size_t i = 0; i < n; ++i) {
                float d = decay ? g[i] + wd * w[i] : g[i];
                if (use_momentum) {
                    buf[i] = first ? d : buf[i] * mom + keep * d;
                    d = nesterov ? d + mom * buf[i] : buf[i];
                }
                w[i] = w[i] + neg_lr * d;
            }
            s.initialized = use_momentum;
        });
    }

    template <class Model>
    void zero_grad(Model& model) {
        optim::zero_grad(model);
    }

    std::int64_t steps() const noexcept { return steps_; }
    const sgd_options& options() const noexcept { return opt_; }
    void set_options(const sgd_options& o) {
        validate(o);
        opt_ = o;
    }

    // --- checkpoint support (see io/checkpoint.hpp) ---------------------------
    template <class F>
    void for_each_setting(F&& f) {
        f("lr", opt_.lr);
        f("momentum", opt_.momentum);
        f("dampening", opt_.dampening);
        f("weight_decay", opt_.weight_decay);
        double nesterov = opt_.nesterov ? 1.0 : 0.0;
        f("nesterov", nesterov);
        opt_.nesterov = nesterov != 0.0;
    }
    void validate_settings() const { validate(opt_); }
    void set_steps(std::int64_t t) {
        if (t < 0) throw argument_error("sgd: negative step count " + std::to_string(t));
        steps_ = t;
    }
    /// Sizes the state to `model`'s parameters; the momentum buffers are in use
    /// once a step with momentum has been taken.
    template <class Model>
    void prepare(Model& model) {
        slots_.clear();
        for_each_slot(slots_, model, "sgd",
                      [&](slot& s, parameter<cpu>&) {
                          s.initialized = steps_ > 0 && opt_.momentum != 0.0;
                          if (s.initialized) size_state(s);
                      });
    }
    /// f(state name, parameter name, tensor&, in use); PyTorch's name: momentum_buffer.
    template <class F>
    void for_each_state(F&& f) {
        for (auto& s : slots_)
            f(std::string_view("momentum_buffer"), std::string_view(s.name), s.state[0], s.initialized);
    }

private:
    using slot = param_slot<1>;

    static void validate(const sgd_options& o) {
        if (!(o.lr >= 0.0)) throw argument_error("sgd: learning rate " + std::to_string(o.lr) + " is not >= 0");
        if (!(o.momentum >= 0.0)) throw argument_error("sgd: momentum " + std::to_string(o.momentum) + " is not >= 0");
        if (!(o.weight_decay >= 0.0))
            throw argument_error("sgd: weight decay " + std::to_string(o.weight_decay) + " is not >= 0");
        if (o.nesterov && (o.momentum <= 0.0 || o.dampening != 0.0))
            throw argument_error("sgd: Nesterov momentum needs a momentum > 0 and zero dampening");
    }

    sgd_options opt_;
    std::int64_t steps_ = 0;
    std::vector<slot> slots_;
};

}  // namespace isinggan::optim
