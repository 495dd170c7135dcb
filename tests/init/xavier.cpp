// Xavier initialisation: PyTorch's fans, the bounds and variances they give,
// seeding, and whole-model initialisation by name.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "isinggan/init/xavier.hpp"

using namespace isinggan;

namespace {

struct moments {
    double mean = 0, var = 0, max_abs = 0;
};
moments measure(const tensor<cpu>& t) {
    moments m;
    for (float v : t) m.mean += v;
    m.mean /= static_cast<double>(t.size());
    for (float v : t) {
        m.var += (v - m.mean) * (v - m.mean);
        m.max_abs = std::max(m.max_abs, std::abs(double(v)));
    }
    m.var /= static_cast<double>(t.size());
    return m;
}

// A dense layer, a batch norm and a conv, with PyTorch-style names.
struct toy_model {
    parameter<cpu> fc_w{shape4{16, 32, 1, 1}}, fc_b{shape4{16, 1, 1, 1}};
    parameter<cpu> bn_w{shape4{16, 1, 1, 1}}, bn_b{shape4{16, 1, 1, 1}};
    tensor<cpu> bn_mean{shape4{16, 1, 1, 1}}, bn_var{shape4{16, 1, 1, 1}};
    parameter<cpu> conv_w{shape4{8, 16, 3, 3}}, conv_b{shape4{8, 1, 1, 1}};
    toy_model() {
        bn_w.value.fill(1.0f);
        fc_b.value.fill(0.5f);
        conv_b.value.fill(0.5f);
        bn_b.value.fill(0.25f);
    }
    template <class F>
    void for_each_param(F&& f) {
        f("0.weight", fc_w);
        f("0.bias", fc_b);
        f("1.weight", bn_w);
        f("1.bias", bn_b);
        f("3.weight", conv_w);
        f("3.bias", conv_b);
    }
    template <class F>
    void for_each_buffer(F&& f) {
        f("1.running_mean", bn_mean);
        f("1.running_var", bn_var);
    }
};

}  // namespace

TEST_CASE("xavier: fans are torch.nn.init's (dims 0 and 1 times the receptive field)") {
    // Reference values printed by torch.nn.init._calculate_fan_in_and_fan_out.
    struct row {
        shape4 s;
        double in, out;
    };
    const row rows[] = {
        {{10, 20, 1, 1}, 20, 10}, {{64, 32, 4, 4}, 512, 1024},    {{512, 256, 4, 4}, 4096, 8192},
        {{3, 100, 1, 1}, 100, 3}, {{8192, 100, 1, 1}, 100, 8192}, {{1, 1024, 1, 1}, 1024, 1},
        {{32, 3, 3, 3}, 27, 288},
    };
    for (const auto& r : rows) {
        CAPTURE(r.s.str());
        CHECK(init::compute_fans(r.s).in == r.in);
        CHECK(init::compute_fans(r.s).out == r.out);
    }
    // Gains as torch.nn.init.calculate_gain.
    CHECK(init::gain_leaky_relu(0.2) == doctest::Approx(1.3867504905630728).epsilon(1e-15));
    CHECK(init::gain_relu() == doctest::Approx(1.4142135623730951).epsilon(1e-15));
    CHECK(init::gain_tanh() == doctest::Approx(1.6666666666666667).epsilon(1e-15));
    CHECK(init::xavier_std({64, 32, 4, 4}) == doctest::Approx(std::sqrt(2.0 / 1536)).epsilon(1e-15));
    CHECK_THROWS_AS(init::xavier_std({0, 0, 3, 3}), argument_error);
    tensor<cpu> empty(shape4{0, 3, 1, 1});  // as in PyTorch, a zero-element tensor is left alone
    rng gen(1);
    CHECK_NOTHROW(init::xavier_uniform(empty, gen));
}

TEST_CASE("xavier: uniform stays inside +-a and has variance a^2/3, for conv and transposed-conv weights") {
    rng gen(2024);
    for (const shape4 s : {shape4{64, 32, 4, 4}, shape4{32, 64, 4, 4}, shape4{256, 100, 1, 1}}) {
        CAPTURE(s.str());
        tensor<cpu> w(s);
        init::xavier_uniform(w, gen, init::gain_leaky_relu(0.2));
        const auto f = init::compute_fans(s);
        const double a = init::gain_leaky_relu(0.2) * std::sqrt(6.0 / (f.in + f.out));
        const auto m = measure(w);
        CHECK(m.max_abs < a);
        CHECK(m.max_abs > 0.99 * a);
        CHECK(std::abs(m.mean) < 0.02 * a);
        CHECK(m.var == doctest::Approx(a * a / 3).epsilon(0.03));
    }
}

TEST_CASE("xavier: normal has mean 0 and the Xavier standard deviation") {
    rng gen(7);
    tensor<cpu> w(shape4{128, 64, 3, 3});
    init::xavier_normal(w, gen);
    const double s = std::sqrt(2.0 / (64 * 9 + 128 * 9));
    const auto m = measure(w);
    CHECK(std::sqrt(m.var) == doctest::Approx(s).epsilon(0.02));
    CHECK(std::abs(m.mean) < 0.02 * s);
    CHECK(m.max_abs > 3 * s);  // a normal, not a uniform: tails beyond sqrt(3) sigma
}

TEST_CASE("xavier: a seed fixes the weights bit for bit") {
    toy_model a, b, c;
    rng ga(11), gb(11), gc(12);
    init::xavier_init(a, ga);
    init::xavier_init(b, gb);
    init::xavier_init(c, gc);
    CHECK(std::equal(a.conv_w.value.begin(), a.conv_w.value.end(), b.conv_w.value.begin()));
    CHECK(std::equal(a.fc_w.value.begin(), a.fc_w.value.end(), b.fc_w.value.begin()));
    CHECK_FALSE(std::equal(a.conv_w.value.begin(), a.conv_w.value.end(), c.conv_w.value.begin()));
}

TEST_CASE("xavier: whole-model init sets weights, zeroes biases, leaves batch norm alone") {
    toy_model m;
    rng gen(5);
    init::xavier_init(m, gen, init::xavier_kind::uniform);
    const double a_fc = std::sqrt(6.0 / (32 + 16)), a_conv = std::sqrt(6.0 / (16 * 9 + 8 * 9));
    CHECK(measure(m.fc_w.value).max_abs < a_fc);
    CHECK(measure(m.fc_w.value).max_abs > 0.9 * a_fc);
    CHECK(measure(m.conv_w.value).max_abs < a_conv);
    CHECK(measure(m.conv_w.value).max_abs > 0.9 * a_conv);
    for (float v : m.fc_b.value) CHECK(v == 0.0f);
    for (float v : m.conv_b.value) CHECK(v == 0.0f);
    for (float v : m.bn_w.value) CHECK(v == 1.0f);
    for (float v : m.bn_b.value) CHECK(v == 0.25f);

    toy_model n;
    rng gen2(5);
    init::xavier_init(n, gen2, init::xavier_kind::normal, 2.0);
    CHECK(std::sqrt(measure(n.conv_w.value).var) == doctest::Approx(2.0 * std::sqrt(2.0 / 216)).epsilon(0.1));
}
