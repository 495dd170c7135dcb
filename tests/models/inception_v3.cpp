// Tests include/isinggan/models/inception_v3.hpp against pytorch-fid's
// architecture as tests/reference/make_fid_fixtures.py builds it in PyTorch
// (float64), with weights drawn from a hash of each state_dict name on both
// sides (so the 22M weights are regenerated here, not committed), on two
// hashed 40x48 images run through pytorch-fid's preprocessing.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "isinggan/data/fid_preprocess.hpp"
#include "isinggan/io/safetensors.hpp"
#include "isinggan/models/inception_v3.hpp"
#include "metrics/fid_hashed_values.hpp"
#include "support/error_message.hpp"
#include "support/fixture.hpp"
#include "support/temp_directory.hpp"

using namespace isinggan;
using isinggan::testing::hashed_image;

namespace {

std::uint64_t name_stream(const std::string& name) {
    std::uint64_t h = 0xCBF29CE484222325ULL;  // FNV-1a 64
    for (unsigned char c : name) h = (h ^ c) * 0x100000001B3ULL;
    return h;
}

/// make_fid_fixtures.py's hashed_weight.
std::vector<float> hashed_weight(const std::string& name, const std::vector<std::size_t>& shape) {
    std::size_t count = 1;
    for (auto d : shape) count *= d;
    const auto u = testing::hashed_uniforms(name_stream(name), count);
    auto ends_with = [&](const char* s) { return name.ends_with(s); };
    std::vector<float> v(count);
    for (std::size_t i = 0; i < count; ++i) {
        double x;
        if (ends_with("conv.weight"))
            x = (2.0 * u[i] - 1.0) * std::sqrt(6.0 / double(count / shape[0]));
        else if (ends_with("bn.weight") || ends_with("bn.running_var"))
            x = 0.5 + u[i];
        else if (ends_with("bn.bias"))
            x = 0.2 * (2.0 * u[i] - 1.0);
        else
            x = 0.1 * (2.0 * u[i] - 1.0);  // bn.running_mean
        v[i] = static_cast<float>(x);
    }
    return v;
}

}  // namespace

TEST_CASE("inception: 2048-d features match pytorch-fid's architecture in PyTorch to 1e-4") {
    fid_inception_v3 model;
    model.load(inception::weight_source(hashed_weight));
    tensor<cpu> x({2, 3, 299, 299});
    data::fid_input_from_image(hashed_image(21, 40, 48), x.sample(0));
    data::fid_input_from_image(hashed_image(22, 40, 48), x.sample(1));
    std::vector<float> features;
    model.features(x, features);

    testing::fixture fx("fid/inception_features.bin");
    const auto& expected = fx["features"];
    REQUIRE(features.size() == expected.size());
    REQUIRE(expected.size() == 2 * 2048);
    double scale = 0.0, worst = 0.0, worst_relative = 0.0;
    for (float v : expected) scale = std::max(scale, double(std::abs(v)));
    for (std::size_t i = 0; i < features.size(); ++i) {
        const double e = expected.data()[i], d = std::abs(double(features[i]) - e);
        worst = std::max(worst, d);
        // Relative to the value, or to a hundredth of the largest for features near 0.
        worst_relative = std::max(worst_relative, d / std::max(std::abs(e), 0.01 * scale));
    }
    CAPTURE(scale);
    CAPTURE(worst);
    CHECK(scale > 1.0);  // the network did not collapse to zeros
    CHECK(worst_relative <= 1e-4);
}

TEST_CASE("inception: missing or wrong weight files give messages that say what to do") {
    testing::temp_directory dir("isinggan-inception");
    fid_inception_v3 model;
    const std::string msg = testing::error_message<io_error>([&] { model.load(dir / "absent.safetensors"); });
    CHECK(testing::mentions(msg, "pt_inception-2015-12-05-6726825d.pth"));
    CHECK(testing::mentions(msg, "tools/convert_pytorch_fid_weights.py"));
    safetensors::writer w;
    const std::vector<float> wrong(32 * 3 * 2 * 2, 0.0f);
    w.add("Conv2d_1a_3x3.conv.weight", {32, 3, 2, 2}, std::span<const float>(wrong));
    w.save(dir / "wrong.safetensors");
    CHECK(testing::mentions(testing::error_message<io_error>([&] { model.load(dir / "wrong.safetensors"); }),
                            "Conv2d_1a_3x3.conv.weight"));
    std::vector<float> features;
    CHECK_THROWS_AS(model.features(tensor<cpu>({1, 3, 299, 299}), features), argument_error);
}
