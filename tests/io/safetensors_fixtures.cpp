// Reading real files written by the official safetensors library (the shared
// fixtures, see their README for provenance and expected values), and
// rewriting them byte for byte.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>
#include <string>
#include <vector>

#include "isinggan/io/safetensors.hpp"
#include "support/skip.hpp"

using namespace isinggan;
namespace st = isinggan::safetensors;

namespace {

std::filesystem::path shared_fixture(const char* name) {
    const std::filesystem::path p = std::filesystem::path(ISINGGAN_SHARED_DIR) / "fixtures" / "safetensors" / name;
    return p;
}

std::vector<std::byte> file_bytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::vector<char> c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(c.size());
    std::memcpy(out.data(), c.data(), c.size());
    return out;
}

double sum(const std::vector<double>& v) {
    return std::accumulate(v.begin(), v.end(), 0.0);
}

// Writes every tensor of `f` again (same dtype, shape, bytes, metadata).
std::vector<std::byte> rewrite(const st::file& f) {
    st::writer w;
    for (const auto& e : f.tensors()) w.add(e.name, e.type, e.shape, f.bytes(e));
    for (const auto& [k, v] : f.metadata()) w.set_metadata(k, v);
    return w.serialize();
}

}  // namespace

TEST_CASE("safetensors fixtures: hf_samples_overall (old writer, unaligned data, every integer width)" *
          isinggan::testing::needs(isinggan::testing::safetensors_fixtures_present())) {
    const auto f = st::file::open(shared_fixture("hf_samples_overall.safetensors"));
    CHECK(f.tensors().size() == 9);
    REQUIRE(f.metadata().size() == 1);
    CHECK(f.metadata()[0].first == "test");
    CHECK(*f.find_metadata("test") == "a");
    const std::vector<double> signed_values{-3, -2, -1, 0, 1, 2};
    for (const char* name : {"b", "d", "e", "f", "h", "i"}) {
        INFO(name);
        CHECK(f.read<double>(name) == signed_values);
    }
    CHECK(f.at("B").type == st::dtype::U8);
    CHECK(f.read<double>("B") == std::vector<double>{253, 254, 255, 0, 1, 2});
    CHECK(f.read<double>("H") == std::vector<double>{65533, 65534, 65535, 0, 1, 2});
    CHECK(f.read<double>("I") == std::vector<double>{4294967293.0, 4294967294.0, 4294967295.0, 0, 1, 2});
    CHECK(f.at("d").type == st::dtype::F64);
    CHECK(f.at("e").type == st::dtype::F16);
    CHECK(f.read<float>("f") == std::vector<float>{-3, -2, -1, 0, 1, 2});
}

TEST_CASE("safetensors fixtures: fluxml_all_dtypes_metadata (12 dtypes, metadata)" *
          isinggan::testing::needs(isinggan::testing::safetensors_fixtures_present())) {
    const auto f = st::file::open(shared_fixture("fluxml_all_dtypes_metadata.safetensors"));
    CHECK(f.tensors().size() == 36);
    REQUIRE(f.find_metadata("test"));
    CHECK(*f.find_metadata("test") == "metadata");
    CHECK(*f.find_metadata("version") == "2.2");
    // Data order: descending dtype, then name.
    std::vector<std::string> dtypes;
    for (const auto& e : f.tensors()) {
        const std::string n(st::dtype_name(e.type));
        if (dtypes.empty() || dtypes.back() != n) dtypes.push_back(n);
    }
    CHECK(dtypes == std::vector<std::string>{"I64", "F64", "F32", "I32", "BF16", "F16", "I16", "F8_E4M3", "F8_E5M2",
                                             "I8", "U8", "BOOL"});
    CHECK(f.at("float32_357").shape == std::vector<std::uint64_t>{3, 5, 7});

    const auto f3 = f.read<float>("float32_3");
    CHECK(f3 == std::vector<float>{0.013303725f, 0.58198667f, 0.47475633f});
    CHECK(sum(f.read<double>("float32_3")) == doctest::Approx(1.0700467210263014).epsilon(1e-6));
    const auto f35 = f.read<float>("float32_35");
    CHECK(std::vector<float>(f35.begin(), f35.begin() + 3) ==
          std::vector<float>{-0.66061646f, 0.3016593f, -0.12974304f});
    CHECK(sum(f.read<double>("float32_35")) == doctest::Approx(-1.7741760285571218).epsilon(1e-6));
    const auto f357 = f.read<float>("float32_357");
    CHECK(std::vector<float>(f357.begin(), f357.begin() + 3) ==
          std::vector<float>{1.163435f, -0.66250926f, 0.42375126f});
    CHECK(sum(f.read<double>("float32_357")) == doctest::Approx(-11.746390495449305).epsilon(1e-6));

    CHECK(f.read<float>("bfloat16_3") == std::vector<float>{-0.82421875f, -0.37304688f, 0.84375f});
    CHECK(sum(f.read<double>("bfloat16_3")) == -0.353515625);
    CHECK(sum(f.read<double>("float16_3")) == 2.22216796875);
    CHECK(sum(f.read<double>("float64_3")) == doctest::Approx(-0.7749703313535053).epsilon(1e-12));
    const auto i64 = f.read<double>("int64_357");
    CHECK(sum(i64) == 5630);
    CHECK(std::vector<double>(i64.begin(), i64.begin() + 3) == std::vector<double>{97, 25, 9});
    CHECK(sum(f.read<double>("bool_357")) == 0);
    // float8: 174 = 1.0101.110 is -(1 + 6/8) * 2^(5-7); 186 = 1.01110.10 is -(1 + 2/4) * 2^(14-15).
    CHECK(std::to_integer<int>(f.bytes(f.at("float8_e4m3fn_3"))[0]) == 174);
    CHECK(f.read<float>("float8_e4m3fn_3")[0] == -0.4375f);
    CHECK(std::to_integer<int>(f.bytes(f.at("float8_e5m2_3"))[0]) == 186);
    CHECK(f.read<float>("float8_e5m2_3")[0] == -0.75f);
    for (const auto& e : f.tensors()) {
        INFO(e.name);
        for (double v : f.read<double>(e.name)) CHECK(std::isfinite(v));
    }
}

TEST_CASE("safetensors fixtures: burn_multi_layer (a PyTorch state_dict with a 0-dim I64)" *
          isinggan::testing::needs(isinggan::testing::safetensors_fixtures_present())) {
    const auto f = st::file::open(shared_fixture("burn_multi_layer.safetensors"));
    CHECK(f.tensors().size() == 9);
    CHECK(f.metadata().empty());
    const auto& nbt = f.at("norm1.num_batches_tracked");
    CHECK(nbt.type == st::dtype::I64);
    CHECK(nbt.shape.empty());
    CHECK(f.read<double>("norm1.num_batches_tracked") == std::vector<double>{1});
    CHECK(f.tensors().front().name == "norm1.num_batches_tracked");
    struct expect {
        const char* name;
        std::vector<std::uint64_t> shape;
        double sum;
        std::vector<float> first3;
    };
    const expect expected[] = {
        {"conv1.bias", {4}, 0.3774467371404171, {0.13191646f, 0.039881703f, 0.061896324f}},
        {"conv1.weight", {4, 3, 3, 3}, 0.452049087791238, {0.09916245f, -0.08494328f, -0.03730866f}},
        {"fc1.bias", {16}, -0.11218494921922684, {-0.01693286f, -0.013160057f, 0.02092605f}},
        {"fc1.weight", {16, 256}, -3.8182605504989624, {0.059263416f, -0.041473813f, 0.0078143105f}},
        {"norm1.bias", {4}, 0.0, {0.0f, 0.0f, 0.0f}},
        {"norm1.running_mean", {4}, 0.0753373148618266, {0.016877089f, 0.004398252f, 0.05240956f}},
        {"norm1.running_var", {4}, 3.6108431220054626, {0.90088123f, 0.90333146f, 0.9034477f}},
        {"norm1.weight", {4}, 4.0, {1.0f, 1.0f, 1.0f}},
    };
    for (const auto& x : expected) {
        INFO(x.name);
        CHECK(f.at(x.name).shape == x.shape);
        CHECK(f.at(x.name).type == st::dtype::F32);
        const auto v = f.read<float>(x.name);
        CHECK(std::vector<float>(v.begin(), v.begin() + 3) == x.first3);
        CHECK(sum(f.read<double>(x.name)) == doctest::Approx(x.sum).epsilon(1e-6));
    }
}

TEST_CASE("safetensors fixtures: mlkl files (F32, F16, BF16 of exactly representable values)" *
          isinggan::testing::needs(isinggan::testing::safetensors_fixtures_present())) {
    const auto conv = st::file::open(shared_fixture("mlkl_conversion.safetensors"));
    const std::vector<float> exact{0, 1, -1, 0.5f, -0.5f, 2, -2, 0.25f, 0.125f, 4, 8, 16, 0.0625f, 100, 1000, 2048};
    for (const char* name : {"exact_f32", "exact_f16", "exact_bf16"}) {
        INFO(name);
        CHECK(conv.read<float>(name) == exact);
    }
    const auto basic = st::file::open(shared_fixture("mlkl_basic_types.safetensors"));
    CHECK(basic.tensors().size() == 7);
    CHECK(basic.read<float>("f32_scalar") == std::vector<float>{42});
    for (const char* name : {"f32_1d", "bf16_1d", "f16_1d"}) {
        const auto v = basic.read<double>(name);
        CHECK(v.size() == 16);
        CHECK(sum(v) == 120.0);
        for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == static_cast<double>(i));
    }
    for (const char* name : {"f32_2d", "bf16_2d", "f16_2d"}) {
        CHECK(basic.at(name).shape == std::vector<std::uint64_t>{4, 6});
        CHECK(sum(basic.read<double>(name)) == 276.0);
    }
}

TEST_CASE("safetensors fixtures: files of the current official writer are rewritten byte for byte" *
          isinggan::testing::needs(isinggan::testing::safetensors_fixtures_present())) {
    for (const char* name : {"burn_multi_layer.safetensors", "mlkl_conversion.safetensors",
                             "mlkl_basic_types.safetensors", "fluxml_all_dtypes_metadata.safetensors"}) {
        INFO(name);
        const auto path = shared_fixture(name);
        CHECK(rewrite(st::file::open(path)) == file_bytes(path));
    }
    // The 2022 writer ordered by name only and did not pad: same content, new layout.
    const auto path = shared_fixture("hf_samples_overall.safetensors");
    const auto old = st::file::open(path);
    const auto again = st::file::parse(rewrite(old), "rewritten");
    CHECK(again.tensors().size() == old.tensors().size());
    for (const auto& e : old.tensors()) {
        CHECK(again.at(e.name).shape == e.shape);
        const auto a = again.bytes(again.at(e.name));
        const auto b = old.bytes(e);
        CHECK(std::equal(a.begin(), a.end(), b.begin(), b.end()));
    }
}
