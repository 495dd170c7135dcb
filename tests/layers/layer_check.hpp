#pragma once
// Test support for the layers: a reader for the golden files written by
// tests/reference/make_layer_fixtures.py, a comparison against them, and the
// library's finite-difference gradient check as a test assertion.
#include <cmath>
#include <deque>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "isinggan/layers.hpp"
#include "isinggan/testing/gradient_check.hpp"
#include "support/random_tensor.hpp"

namespace isinggan::testing {

using tensor_map = std::map<std::string, tensor<cpu>>;

/// A zero tensor of shape s that lives until the test program ends: layers
/// refuse temporary inputs, since backward reads the forward input again.
inline const tensor<cpu>& kept(shape4 s) {
    thread_local std::deque<tensor<cpu>> keep;
    return keep.emplace_back(s);
}

/// max_relative_error over two tensors' values (shapes must agree).
inline double max_relative_error(const tensor<cpu>& a, const tensor<cpu>& b) {
    REQUIRE(a.shape() == b.shape());
    return max_relative_error(a.values(), b.values());
}

/// Reads tests/fixtures/layers/<name>.txt.
inline tensor_map load_layer_fixture(const std::string& name) {
    const std::string path = std::string(ISINGGAN_TEST_FIXTURES) + "/layers/" + name + ".txt";
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "cannot open fixture " << path);
    tensor_map out;
    std::string word, key;
    shape4 s;
    while (in >> word) {
        REQUIRE_MESSAGE(word == "tensor", "malformed fixture " << path);
        in >> key >> s.n >> s.c >> s.h >> s.w;
        std::vector<float> v(s.size());
        for (float& f : v) in >> f;
        REQUIRE_MESSAGE(!in.fail(), "truncated fixture " << path << " at " << key);
        out.emplace(key, tensor<cpu>(s, std::span<const float>(v)));
    }
    REQUIRE_MESSAGE(!out.empty(), "empty fixture " << path);
    return out;
}

inline const tensor<cpu>& fixture_tensor(const tensor_map& m, const std::string& key) {
    auto it = m.find(key);
    REQUIRE_MESSAGE(it != m.end(), "fixture has no tensor " << key);
    return it->second;
}

inline void require_close(const tensor<cpu>& actual, const tensor<cpu>& expected, const std::string& what,
                          double tol = 1e-4) {
    INFO(what);
    REQUIRE(actual.shape() == expected.shape());
    CHECK(max_relative_error(actual, expected) <= tol);
}

/// Loads the fixture's parameters (and ".before" buffers) into `layer`, runs
/// forward on x and backward on dy, and compares y, dx, every parameter
/// gradient and every ".after" buffer with PyTorch's values.
template <class Layer>
void check_against_fixture(Layer& layer, const std::string& name, double tol = 1e-4) {
    INFO("fixture " << name);
    const tensor_map f = load_layer_fixture(name);
    std::size_t params = 0, buffers = 0;
    visit_params(layer, [&](std::string_view key, auto& p) {
        p.value = fixture_tensor(f, std::string(key));
        p.zero_grad();
        ++params;
    });
    visit_buffers(layer, [&](std::string_view key, auto& b) {
        b = fixture_tensor(f, std::string(key) + ".before");
        ++buffers;
    });
    // Every parameter in the file must be one the layer has.
    std::size_t file_params = 0;
    for (const auto& [key, t] : f)
        if (key.ends_with(".grad")) ++file_params;
    CHECK(params == file_params);

    const tensor<cpu> x = fixture_tensor(f, "x");
    require_close(layer.forward(x), fixture_tensor(f, "y"), "forward output y", tol);
    require_close(layer.backward(fixture_tensor(f, "dy")), fixture_tensor(f, "dx"), "input gradient dx", tol);
    visit_params(layer, [&](std::string_view key, auto& p) {
        require_close(p.grad, fixture_tensor(f, std::string(key) + ".grad"), std::string(key) + ".grad", tol);
    });
    visit_buffers(layer, [&](std::string_view key, auto& b) {
        require_close(b, fixture_tensor(f, std::string(key) + ".after"), std::string(key) + " after the step", tol);
    });
    (void)buffers;
}

/// sum(r * y), accumulated in double.
inline double weighted_sum(const tensor<cpu>& y, const tensor<cpu>& r) { return ops::dot(cpu{}, y, r); }

/// The library's gradient_check (isinggan/testing/gradient_check.hpp), its
/// failures reported as test failures.
template <class Layer>
void require_gradients(Layer& layer, tensor<cpu> x, rng& gen, gradient_check_options opts = {}) {
    const gradient_check_report report = gradient_check(layer, std::move(x), gen, opts);
    INFO(report.str());
    CHECK(report.ok());
}

}  // namespace isinggan::testing
