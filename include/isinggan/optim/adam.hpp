#pragma once
// Adam (Kingma & Ba), exactly as torch.optim.Adam defines it (amsgrad off);
// the update of one parameter is ops::adam_step (backend/cpu/adam.hpp has
// the formulas). The element-wise work is done in float in PyTorch's order
// of operations, and the scalars in double as Python computes them, so a
// step matches torch.optim to a few ulps
// (tests/optim/adam.cpp, fixtures from tests/reference/make_optim_fixtures.py).
// The paper trains with lr 2e-4, beta1 0.9 (DCGAN practice would be 0.5), beta2 0.999.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "isinggan/backend/compiled.hpp"
#include "isinggan/backend/cpu/adam.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/backend/transfer.hpp"
#include "isinggan/optim/adam_options.hpp"
#include "isinggan/optim/param_slots.hpp"

namespace isinggan::optim {

template <class Backend = cpu>
class basic_adam {
public:
    static constexpr std::string_view kind = "adam";

    explicit basic_adam(adam_options o = {}) : opt_(o) { validate(opt_); }

    /// One update of every parameter of `model` from its accumulated gradient.
    template <class Model>
    void step(Model& model) {
        require_backend<Backend>();
        ++steps_;
        for_each_slot(slots_, model, "adam", [&](slot& s, parameter<Backend>& p) {
            size_state(s);
            ops::adam_step(Backend{}, opt_, steps_, p.value, p.grad, s.state[0], s.state[1]);
            s.initialized = true;
        });
    }

    template <class Model>
    void zero_grad(Model& model) {
        optim::zero_grad(model);
    }

    /// Steps taken (PyTorch's `step` state; it sets the bias correction).
    std::int64_t steps() const noexcept { return steps_; }
    const adam_options& options() const noexcept { return opt_; }
    /// Changes the settings (a learning-rate schedule, say); the state is kept.
    void set_options(const adam_options& o) {
        validate(o);
        opt_ = o;
    }

    // --- checkpoint support (see io/checkpoint.hpp) ---------------------------
    /// f(name, double&) for every setting, so a checkpoint can store and restore them.
    template <class F>
    void for_each_setting(F&& f) {
        f("lr", opt_.lr);
        f("beta1", opt_.beta1);
        f("beta2", opt_.beta2);
        f("eps", opt_.eps);
        f("weight_decay", opt_.weight_decay);
    }
    void validate_settings() const { validate(opt_); }
    void set_steps(std::int64_t t) {
        if (t < 0) throw argument_error("adam: negative step count " + std::to_string(t));
        steps_ = t;
    }
    /// Sizes the state to `model`'s parameters (zeroed), ready to be filled by a
    /// checkpoint; the state counts as in use once a step has been taken.
    template <class Model>
    void prepare(Model& model) {
        slots_.clear();
        for_each_slot(slots_, model, "adam", [&](slot& s, parameter<Backend>&) {
            size_state(s);
            s.initialized = steps_ > 0;
        });
    }
    /// f(state name, parameter name, tensor&, in use) for every state tensor;
    /// names as PyTorch's: exp_avg, exp_avg_sq.
    /// This optimizer, settings, step count and state, with the state on
    /// backend To: a GPU trainer's checkpoints go through a host copy and back.
    template <class To>
    basic_adam<To> copy_on() const {
        basic_adam<To> out(opt_);
        out.steps_ = steps_;
        out.slots_.resize(slots_.size());
        for (std::size_t i = 0; i < slots_.size(); ++i) {
            auto& dst = out.slots_[i];
            dst.name = slots_[i].name;
            dst.shape = slots_[i].shape;
            dst.initialized = slots_[i].initialized;
            for (std::size_t k = 0; k < slots_[i].state.size(); ++k) copy_tensor(slots_[i].state[k], dst.state[k]);
        }
        return out;
    }

    template <class F>
    void for_each_state(F&& f) {
        for (auto& s : slots_) {
            f(std::string_view("exp_avg"), std::string_view(s.name), s.state[0], s.initialized);
            f(std::string_view("exp_avg_sq"), std::string_view(s.name), s.state[1], s.initialized);
        }
    }

private:
    template <class>
    friend class basic_adam;
    using slot = param_slot<2, Backend>;

    static void validate(const adam_options& o) {
        if (!(o.lr >= 0.0)) throw argument_error("adam: learning rate " + std::to_string(o.lr) + " is not >= 0");
        if (!(o.beta1 >= 0.0 && o.beta1 < 1.0) || !(o.beta2 >= 0.0 && o.beta2 < 1.0))
            throw argument_error("adam: betas (" + std::to_string(o.beta1) + ", " + std::to_string(o.beta2) +
                                 ") must lie in [0, 1)");
        if (!(o.eps >= 0.0)) throw argument_error("adam: eps " + std::to_string(o.eps) + " is not >= 0");
        if (!(o.weight_decay >= 0.0))
            throw argument_error("adam: weight decay " + std::to_string(o.weight_decay) + " is not >= 0");
    }

    adam_options opt_;
    std::int64_t steps_ = 0;
    std::vector<slot> slots_;
};

/// Adam on host parameters; basic_adam<cuda> updates device parameters in place.
using adam = basic_adam<cpu>;

}  // namespace isinggan::optim
