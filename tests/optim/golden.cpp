// Adam and SGD against torch.optim: the fixtures (tests/reference/make_optim_fixtures.py)
// record PyTorch stepping three parameters for six steps with given gradients.
#include <doctest/doctest.h>

#include <charconv>
#include <cmath>
#include <string>

#include "isinggan/io/safetensors.hpp"
#include "isinggan/optim/adam.hpp"
#include "isinggan/optim/sgd.hpp"

using namespace isinggan;
namespace st = isinggan::safetensors;

namespace {

// Three parameters shaped as a dense weight, a conv weight and a bias.
struct toy_model {
    parameter<cpu> w{shape4{3, 4, 1, 1}}, conv{shape4{2, 3, 2, 2}}, b{shape4{3, 1, 1, 1}};
    template <class F>
    void for_each_param(F&& f) {
        f("w", w);
        f("conv", conv);
        f("b", b);
    }
};

st::file fixture(const char* name) {
    return st::file::open(std::string(ISINGGAN_TEST_FIXTURES) + "/optim/" + name);
}

double setting(const st::file& f, const char* key) {
    const std::string* s = f.find_metadata(key);
    REQUIRE(s != nullptr);
    return std::stod(*s);
}

void load(const st::file& f, const std::string& name, tensor<cpu>& t) {
    f.read(f.at(name), t.values());
}

// Largest |a - b| over the elements of a tensor and a fixture tensor.
double max_diff(const st::file& f, const std::string& name, const tensor<cpu>& t) {
    const auto ref = f.read<float>(name);
    REQUIRE(ref.size() == t.size());
    double worst = 0;
    for (std::size_t i = 0; i < ref.size(); ++i)
        worst = std::max(worst, std::abs(double(ref[i]) - double(t.data()[i])));
    return worst;
}

// Replays the fixture's gradients through `opt` and checks every step and the final state.
template <class Optimizer>
void replay(const st::file& f, Optimizer& opt, double tolerance) {
    toy_model m;
    load(f, "init.w", m.w.value);
    load(f, "init.conv", m.conv.value);
    load(f, "init.b", m.b.value);
    const int steps = static_cast<int>(setting(f, "steps"));
    REQUIRE(steps >= 5);
    for (int k = 1; k <= steps; ++k) {
        const std::string step = std::to_string(k);
        m.w.grad.fill(99.0f);  // overwritten: the fixture gives the whole gradient
        load(f, "grad." + step + ".w", m.w.grad);
        load(f, "grad." + step + ".conv", m.conv.grad);
        load(f, "grad." + step + ".b", m.b.grad);
        opt.step(m);
        CAPTURE(k);
        CHECK(max_diff(f, "after." + step + ".w", m.w.value) <= tolerance);
        CHECK(max_diff(f, "after." + step + ".conv", m.conv.value) <= tolerance);
        CHECK(max_diff(f, "after." + step + ".b", m.b.value) <= tolerance);
    }
    CHECK(opt.steps() == steps);
    int compared = 0;
    opt.for_each_state([&](std::string_view state, std::string_view param, tensor<cpu>& t, bool in_use) {
        const std::string key = "state." + std::string(state) + "." + std::string(param);
        CHECK(in_use == (f.find(key) != nullptr));
        if (f.find(key)) {
            CHECK(max_diff(f, key, t) <= tolerance);
            ++compared;
        }
    });
    int expected = 0;
    for (const auto& e : f.tensors()) expected += e.name.rfind("state.", 0) == 0;
    CHECK(compared == expected);
}

// The parameters move by about lr per step, so an error of a few float ulps of
// the values (~1e-7) is what agreement with PyTorch means here.
constexpr double tolerance = 5e-7;

}  // namespace

TEST_CASE("adam golden: matches torch.optim.Adam with the paper's settings (lr 2e-4, betas 0.9/0.999)") {
    const auto f = fixture("adam_paper.safetensors");
    optim::adam opt({.lr = setting(f, "lr"),
                     .beta1 = setting(f, "beta1"),
                     .beta2 = setting(f, "beta2"),
                     .eps = setting(f, "eps"),
                     .weight_decay = setting(f, "weight_decay")});
    CHECK(opt.options().lr == 2e-4);
    replay(f, opt, tolerance);
}

TEST_CASE("adam golden: matches torch.optim.Adam with weight decay, betas 0.5/0.99, eps 1e-6, lr 0.05") {
    const auto f = fixture("adam_decay.safetensors");
    optim::adam opt({.lr = setting(f, "lr"),
                     .beta1 = setting(f, "beta1"),
                     .beta2 = setting(f, "beta2"),
                     .eps = setting(f, "eps"),
                     .weight_decay = setting(f, "weight_decay")});
    CHECK(opt.options().weight_decay == 0.01);
    replay(f, opt, tolerance);
}

TEST_CASE("sgd golden: matches torch.optim.SGD without momentum, with momentum and dampening, with Nesterov") {
    for (const char* name : {"sgd_plain.safetensors", "sgd_momentum.safetensors", "sgd_nesterov.safetensors"}) {
        INFO(name);
        const auto f = fixture(name);
        optim::sgd opt({.lr = setting(f, "lr"),
                        .momentum = setting(f, "momentum"),
                        .dampening = setting(f, "dampening"),
                        .weight_decay = setting(f, "weight_decay"),
                        .nesterov = setting(f, "nesterov") != 0.0});
        replay(f, opt, tolerance);
    }
}
