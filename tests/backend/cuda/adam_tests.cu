// The Adam kernel against optim::adam over several steps.
#include <doctest/doctest.h>

#include <string_view>

#include "isinggan/backend/cuda/kernels.cuh"
#include "isinggan/optim/adam.hpp"
#include "backend/cuda/parity.hpp"

using namespace isinggan;

// A named namespace: nvcc warns (#177) about a member template of an
// internal-linkage class that only a concept check instantiates.
namespace adam_test_models {

/// A model with one parameter, enough for optim::adam to step.
struct one_parameter {
    parameter<cpu> p{shape4{3, 4, 5, 6}};
    template <class F>
    void for_each_param(F&& f) {
        f("weight", p);
    }
};

}  // namespace adam_test_models
using adam_test_models::one_parameter;

TEST_CASE("cuda adam_step: matches optim::adam step by step") {
    for (double weight_decay : {0.0, 0.01}) {
        CAPTURE(weight_decay);
        rng gen(61);
        const optim::adam_options options{.lr = 2e-4, .beta1 = 0.5, .beta2 = 0.999, .eps = 1e-8,
                                          .weight_decay = weight_decay};
        optim::adam cpu_adam(options);
        one_parameter model;
        fill_uniform(model.p.value, -1.0, 1.0, gen);
        const tensor<cpu> initial = model.p.value;
        auto param = to_device(model.p.value);
        tensor<cuda> exp_avg(param.shape()), exp_avg_sq(param.shape());
        for (std::int64_t step = 1; step <= 4; ++step) {
            fill_uniform(model.p.grad, -1.0, 1.0, gen);
            const auto grad = to_device(model.p.grad);
            cpu_adam.step(model);
            ops::adam_step(cuda{}, options, step, param, grad, exp_avg, exp_avg_sq);
        }
        // Compare the updates, which are far smaller than the parameters.
        tensor<cpu> cpu_update = model.p.value, gpu_update = to_host(param);
        for (std::size_t i = 0; i < initial.size(); ++i) {
            cpu_update.data()[i] -= initial.data()[i];
            gpu_update.data()[i] -= initial.data()[i];
        }
        CHECK(test::relative_error(gpu_update.values(), cpu_update.values()) <= test::parity_tolerance);
        CHECK_PARITY(param, model.p.value);
        int states = 0;
        cpu_adam.for_each_state([&](std::string_view state, std::string_view, tensor<cpu>& t, bool) {
            ++states;
            CHECK_PARITY(state == "exp_avg" ? exp_avg : exp_avg_sq, t);
        });
        CHECK(states == 2);
    }
    tensor<cuda> a({1, 1, 2, 2}), b({1, 1, 2, 3});
    CHECK_THROWS_AS(ops::adam_step(cuda{}, {}, 1, a, b, a, a), shape_error);
    CHECK_THROWS_AS(ops::adam_step(cuda{}, {}, 0, a, a, a, a), argument_error);
}
