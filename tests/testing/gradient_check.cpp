#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "isinggan/layers.hpp"
#include "isinggan/testing/gradient_check.hpp"

// The library's layer checker against layers written here: one that keeps
// the contract, and three that break it in the ways it must catch.
namespace {

using namespace isinggan;

/// y = w·x + b with one scalar w and b: the smallest layer with parameters.
/// `Bug` selects what goes wrong in backward.
enum class bug { none, input_sign, overwrites_grad };

template <bug Bug>
class scale_shift : public no_buffers {
public:
    using backend_type = cpu;
    static constexpr int in_channels = any_channels;
    static constexpr int out_channels = any_channels;

    scale_shift() : w_(shape4{1, 1, 1, 1}), b_(shape4{1, 1, 1, 1}) {
        w_.value.data()[0] = 1.7f;
        b_.value.data()[0] = -0.3f;
    }

    const tensor<cpu>& forward(const tensor<cpu>& x) {
        x_ = &x;
        y_.resize(x.shape());
        for (std::size_t i = 0; i < x.size(); ++i) y_.data()[i] = w_.value.data()[0] * x.data()[i] + b_.value.data()[0];
        return y_;
    }
    const tensor<cpu>& backward(const tensor<cpu>& dy) {
        dx_.resize(dy.shape());
        double dw = 0, db = 0;
        for (std::size_t i = 0; i < dy.size(); ++i) {
            const float sign = Bug == bug::input_sign ? -1.0f : 1.0f;
            dx_.data()[i] = sign * w_.value.data()[0] * dy.data()[i];
            dw += double(dy.data()[i]) * x_->data()[i];
            db += dy.data()[i];
        }
        if constexpr (Bug == bug::overwrites_grad) {
            w_.grad.data()[0] = float(dw);
            b_.grad.data()[0] = float(db);
        } else {
            w_.grad.data()[0] += float(dw);
            b_.grad.data()[0] += float(db);
        }
        return dx_;
    }
    void set_training(bool) {}
    template <class F>
    void for_each_param(F&& f) {
        f("weight", w_);
        f("bias", b_);
    }

private:
    parameter<cpu> w_, b_;
    const tensor<cpu>* x_ = nullptr;
    tensor<cpu> y_, dx_;
};

/// A layer that would be silently untrained: its visitor is misspelt.
struct misspelt_visitor {
    using backend_type = cpu;
    static constexpr int in_channels = 1;
    static constexpr int out_channels = 1;
    const tensor<cpu>& forward(const tensor<cpu>& x) { return x; }
    const tensor<cpu>& backward(const tensor<cpu>& dy) { return dy; }
    void set_training(bool) {}
    template <class F>
    void for_each_parm(F&&) {}
    template <class F>
    void for_each_buffer(F&&) {}
};

struct identity_without_parameters : no_parameters {
    using backend_type = cpu;
    static constexpr int in_channels = 1;
    static constexpr int out_channels = 1;
    const tensor<cpu>& forward(const tensor<cpu>& x) { return x; }
    const tensor<cpu>& backward(const tensor<cpu>& dy) { return dy; }
    void set_training(bool) {}
};

static_assert(!layer<misspelt_visitor>, "a misspelt for_each_param must not satisfy the layer concept");
static_assert(layer<identity_without_parameters>, "no_parameters declares an empty parameter list");
static_assert(layer<scale_shift<bug::none>>);

tensor<cpu> input(rng& gen) {
    tensor<cpu> x(shape4{2, 3, 4, 4});
    fill_uniform(x, -1.0, 1.0, gen);
    return x;
}

}  // namespace

TEST_CASE("layers: the library's gradient check passes a correct layer and names what a wrong one gets wrong") {
    rng gen(11);
    const tensor<cpu> x = input(gen);

    scale_shift<bug::none> good;
    const auto ok = testing::gradient_check(good, x, gen);
    INFO(ok.str());
    CHECK(ok.ok());
    CHECK(ok.points_checked >= 3);  // the input's probes, the weight, the bias

    scale_shift<bug::input_sign> wrong_sign;
    const auto sign = testing::gradient_check(wrong_sign, x, gen);
    CHECK_FALSE(sign.ok());
    REQUIRE(!sign.mismatches.empty());
    CHECK(sign.mismatches.front().tensor == "input");
    CHECK(sign.not_accumulated.empty());
    CHECK(sign.str().find("input element") != std::string::npos);

    scale_shift<bug::overwrites_grad> overwrites;
    const auto acc = testing::gradient_check(overwrites, x, gen);
    CHECK_FALSE(acc.ok());
    CHECK(acc.mismatches.empty());  // its gradients are right, once
    CHECK(acc.not_accumulated == std::vector<std::string>{"weight", "bias"});
    CHECK(acc.str().find("weight: a second backward without zero_grad did not add") != std::string::npos);

    identity_without_parameters id;
    CHECK(testing::gradient_check(id, x, gen).ok());
}
