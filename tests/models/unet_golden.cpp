// The depth-4 U-Net against PyTorch (tests/reference/make_unet_fixtures.py):
// forward output, input gradient and every parameter's gradient, in training
// mode, for both up paths.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "isinggan/models/unet.hpp"
#include "support/fixture.hpp"
#include "support/random_tensor.hpp"

using namespace isinggan;

namespace {

// Mirrors name_code / value_of of the fixture script.
int name_code(std::string_view name) {
    long s = 0;
    for (std::size_t j = 0; j < name.size(); ++j) s += long(j + 1) * (unsigned char)name[j];
    return int(s % 1009);
}

void fill_formula(tensor<cpu>& t, int code, double scale, double offset = 0.0) {
    for (std::size_t i = 0; i < t.size(); ++i)
        t.data()[i] = float(offset + scale * std::sin(0.731 * double(i) + 0.917 * code + 0.1));
}

template <class Net>
void check_against_torch(const std::string& file) {
    INFO("fixture " << file);
    const testing::fixture f("unet/" + file);
    Net net;
    visit_params(net, [&](std::string_view name, auto& p) {
        const shape4 s = p.value.shape();
        const bool vector = s.c == 1 && s.h == 1 && s.w == 1;  // a bias or a batch-norm scale
        const bool bn_scale = vector && name.ends_with(".weight");
        fill_formula(p.value, name_code(name), vector ? 0.2 : 0.5, bn_scale ? 1.0 : 0.0);
    });
    tensor<cpu> x({2, 3, 32, 32});
    fill_formula(x, 1, 1.0);
    const tensor<cpu>& y = net.forward(x);
    REQUIRE(y.shape() == shape4{2, 1, 32, 32});
    CHECK(testing::max_relative_error(y.values(), f["y"].values()) < 1e-4);

    tensor<cpu> dy(y.shape());
    fill_formula(dy, 2, 1.0);
    zero_grad(net);
    const tensor<cpu>& dx = net.backward(dy);
    CHECK(testing::max_relative_error(dx.values(), f["dx"].values()) < 1e-3);

    std::size_t checked = 0;
    visit_params(net, [&](std::string_view name, auto& p) {
        const tensor<cpu>& expected = f[std::string(name) + ".grad_stats"];
        double sum = 0, squares = 0, projection = 0;
        for (std::size_t i = 0; i < p.grad.size(); ++i) {
            const double g = p.grad.data()[i];
            sum += g;
            squares += g * g;
            projection += g * std::sin(0.37 * double(i));
        }
        // Scale-aware: sums of many terms cancel, so compare against the gradient's size.
        const double size = std::sqrt(double(expected.data()[1])) * std::sqrt(double(p.grad.size())) + 1e-6;
        INFO(name << ": sum " << sum << " vs " << expected.data()[0] << ", squares " << squares << " vs "
                  << expected.data()[1] << ", projection " << projection << " vs " << expected.data()[2]);
        CHECK(std::abs(sum - expected.data()[0]) <= 1e-3 * size);
        CHECK(squares == doctest::Approx(expected.data()[1]).epsilon(2e-3).scale(1e-8));
        CHECK(std::abs(projection - expected.data()[2]) <= 1e-3 * size);
        ++checked;
    });
    CHECK(checked == 66 - 2);  // every parameter of the file (the file also holds y and dx)
}

}  // namespace

TEST_CASE("unet: matches PyTorch at width 1/32, depth 4 (transposed-conv up path)") {
    check_against_torch<models::unet<32>>("unet_w32_transposed.igfx");
}

TEST_CASE("unet: matches PyTorch at width 1/32, depth 4 (bilinear up path)") {
    check_against_torch<models::unet<32, models::unet_upsampling::bilinear>>("unet_w32_bilinear.igfx");
}
