// Checkpoints: bit-exact round trips of model and optimizer state, resuming,
// PyTorch-style names and shapes, and a clear error for every mismatch.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "isinggan/io/checkpoint.hpp"
#include "isinggan/optim/adam.hpp"
#include "isinggan/optim/sgd.hpp"
#include "support/error_message.hpp"
#include "support/random_tensor.hpp"
#include "support/skip.hpp"
#include "support/temp_directory.hpp"

using namespace isinggan;
namespace st = isinggan::safetensors;

namespace {

// conv -> batch norm -> dense, named as a PyTorch nn.Sequential would name them.
struct toy_model {
    parameter<cpu> conv_w{shape4{4, 3, 3, 3}}, conv_b{shape4{4, 1, 1, 1}};
    parameter<cpu> bn_w{shape4{4, 1, 1, 1}}, bn_b{shape4{4, 1, 1, 1}};
    tensor<cpu> bn_mean{shape4{4, 1, 1, 1}}, bn_var{shape4{4, 1, 1, 1}};
    parameter<cpu> fc_w{shape4{16, 256, 1, 1}}, fc_b{shape4{16, 1, 1, 1}};
    const char* conv = "conv1";
    const char* bn = "norm1";
    const char* fc = "fc1";

    explicit toy_model(std::uint64_t seed = 1) {
        rng gen(seed);
        for_each_param([&](std::string_view, parameter<cpu>& p) { fill_uniform(p.value, -1, 1, gen); });
        fill_uniform(bn_mean, -1, 1, gen);
        fill_uniform(bn_var, 0.5, 1.5, gen);
    }
    template <class F>
    void for_each_param(F&& f) {
        f(join_name(conv, "weight"), conv_w);
        f(join_name(conv, "bias"), conv_b);
        f(join_name(bn, "weight"), bn_w);
        f(join_name(bn, "bias"), bn_b);
        f(join_name(fc, "weight"), fc_w);
        f(join_name(fc, "bias"), fc_b);
    }
    template <class F>
    void for_each_buffer(F&& f) {
        f(join_name(bn, "running_mean"), bn_mean);
        f(join_name(bn, "running_var"), bn_var);
    }
    // A deterministic pseudo-gradient, so optimizer steps move every parameter.
    void fake_gradients(std::uint64_t seed) {
        rng gen(seed);
        for_each_param([&](std::string_view, parameter<cpu>& p) { fill_uniform(p.grad, -1, 1, gen); });
    }
};

bool same_bits(const tensor<cpu>& a, const tensor<cpu>& b) {
    return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}
bool same_model(toy_model& a, toy_model& b) {
    bool same = same_bits(a.bn_mean, b.bn_mean) && same_bits(a.bn_var, b.bn_var);
    std::vector<const tensor<cpu>*> pa, pb;
    a.for_each_param([&](std::string_view, parameter<cpu>& p) { pa.push_back(&p.value); });
    b.for_each_param([&](std::string_view, parameter<cpu>& p) { pb.push_back(&p.value); });
    for (std::size_t i = 0; i < pa.size(); ++i) same = same && same_bits(*pa[i], *pb[i]);
    return same;
}

// Only the convolution of toy_model.
struct conv_only {
    toy_model inner;
    template <class F>
    void for_each_param(F&& f) {
        f("conv1.weight", inner.conv_w);
        f("conv1.bias", inner.conv_b);
    }
};

// A 1x1 convolution whose weight says PyTorch gives it four dimensions.
struct ranked_parameter : parameter<cpu> {
    using parameter<cpu>::parameter;
    int torch_rank = 4;
};
struct pointwise {
    ranked_parameter weight{shape4{8, 4, 1, 1}};
    parameter<cpu> bias{shape4{8, 1, 1, 1}};
    template <class F>
    void for_each_param(F&& f) {
        f("weight", weight);
        f("bias", bias);
    }
};

std::vector<char> file_bytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

using temp_dir = testing::temp_directory;

// The io_error message of `f()`, "" when it does not throw.
template <class F>
std::string io_error_of(F&& f) {
    return testing::error_message<io_error>(std::forward<F>(f));
}

}  // namespace

TEST_CASE("checkpoint: model and Adam state round trip bit-exact and save-load-save is byte-identical") {
    temp_dir dir("isinggan_checkpoint_roundtrip");
    toy_model a(1);
    optim::adam opt({.lr = 2e-4, .beta1 = 0.5, .beta2 = 0.999});
    for (int s = 0; s < 3; ++s) {
        a.fake_gradients(100 + s);
        opt.step(a);
    }
    a.bn_var.data()[1] = std::bit_cast<float>(0x7fc0beefu);  // a NaN payload survives too
    save_checkpoint(dir / "a.safetensors", a, opt, {.step = 1234, .metadata = {{"run", "unit test"}}});

    toy_model b(2);
    optim::adam restored({.lr = 1.0, .beta1 = 0.1});
    CHECK_FALSE(same_model(a, b));
    const auto info = load_checkpoint(dir / "a.safetensors", b, restored);
    CHECK(same_model(a, b));
    CHECK(info.step == 1234);
    CHECK(info.metadata.at("run") == "unit test");
    CHECK(restored.steps() == 3);
    CHECK(restored.options().lr == 2e-4);
    CHECK(restored.options().beta1 == 0.5);
    CHECK(restored.options().beta2 == 0.999);

    save_checkpoint(dir / "b.safetensors", b, restored, info);
    CHECK(file_bytes(dir / "a.safetensors") == file_bytes(dir / "b.safetensors"));

    // Resuming continues exactly as the uninterrupted run.
    a.bn_var.data()[1] = b.bn_var.data()[1] = 1.0f;
    for (int s = 3; s < 6; ++s) {
        a.fake_gradients(100 + s);
        b.fake_gradients(100 + s);
        opt.step(a);
        restored.step(b);
    }
    CHECK(same_model(a, b));
}

TEST_CASE("checkpoint: the file is a PyTorch state_dict plus namespaced optimizer state") {
    temp_dir dir("isinggan_checkpoint_layout");
    toy_model m;
    optim::adam opt;
    m.fake_gradients(1);
    opt.step(m);
    save_checkpoint(dir / "m.safetensors", m, opt, checkpoint_info{7, {}});
    const auto f = st::file::open(dir / "m.safetensors");
    CHECK(f.at("conv1.weight").shape == std::vector<std::uint64_t>{4, 3, 3, 3});
    CHECK(f.at("conv1.bias").shape == std::vector<std::uint64_t>{4});
    CHECK(f.at("fc1.weight").shape == std::vector<std::uint64_t>{16, 256});
    CHECK(f.at("norm1.running_var").shape == std::vector<std::uint64_t>{4});
    CHECK(f.at("norm1.num_batches_tracked").type == st::dtype::I64);
    CHECK(f.at("norm1.num_batches_tracked").shape.empty());
    CHECK(f.at("optimizer.exp_avg.fc1.weight").shape == std::vector<std::uint64_t>{16, 256});
    CHECK(f.at("optimizer.exp_avg_sq.conv1.bias").shape == std::vector<std::uint64_t>{4});
    CHECK(f.tensors().size() == 8 + 1 + 12);
    CHECK(*f.find_metadata("isinggan.step") == "7");
    CHECK(*f.find_metadata("isinggan.optimizer.kind") == "adam");
    CHECK(*f.find_metadata("isinggan.optimizer.steps") == "1");
    CHECK(*f.find_metadata("isinggan.optimizer.lr") == "0.001");
    CHECK(f.read<float>("fc1.bias") == std::vector<float>(m.fc_b.value.begin(), m.fc_b.value.end()));

    // A model-only checkpoint has no optimizer entries; a 1x1-conv style shape can be asked for.
    checkpoint_options o;
    o.torch_shape = [](std::string_view name, const shape4& s) {
        return name == "fc1.weight" ? std::vector<std::uint64_t>{s.n, s.c, s.h, s.w}
                                    : checkpoint_detail::default_torch_shape(s);
    };
    save_checkpoint(dir / "model.safetensors", m, {}, o);
    const auto g = st::file::open(dir / "model.safetensors");
    CHECK(g.tensors().size() == 9);
    CHECK(g.at("fc1.weight").shape == std::vector<std::uint64_t>{16, 256, 1, 1});
    toy_model back(9);
    load_checkpoint(dir / "model.safetensors", back);
    CHECK(same_model(m, back));
    o.torch_shape = [](std::string_view, const shape4&) { return std::vector<std::uint64_t>{3}; };
    CHECK_THROWS_AS(save_checkpoint(dir / "bad.safetensors", m, {}, o), argument_error);
    CHECK_THROWS_AS(save_checkpoint(dir / "bad.safetensors", m, {.metadata = {{"isinggan.step", "1"}}}),
                    argument_error);
}

TEST_CASE("checkpoint: a parameter's torch_rank keeps PyTorch's unit dimensions (a 1x1 convolution)") {
    temp_dir dir("isinggan_checkpoint_rank");
    pointwise m;
    save_checkpoint(dir / "p.safetensors", m);
    const auto f = st::file::open(dir / "p.safetensors");
    CHECK(f.at("weight").shape == std::vector<std::uint64_t>{8, 4, 1, 1});
    CHECK(f.at("bias").shape == std::vector<std::uint64_t>{8});
    m.weight.torch_rank = 1;  // would drop the input channels: refused
    CHECK_THROWS_AS(save_checkpoint(dir / "q.safetensors", m), argument_error);
}

TEST_CASE("checkpoint: SGD state round trips and momentum buffers exist only once a step has been taken") {
    temp_dir dir("isinggan_checkpoint_sgd");
    toy_model a(3);
    optim::sgd opt({.lr = 0.1, .momentum = 0.9, .nesterov = true});
    save_checkpoint(dir / "fresh.safetensors", a, opt);
    CHECK(st::file::open(dir / "fresh.safetensors").find("optimizer.momentum_buffer.fc1.weight") == nullptr);
    a.fake_gradients(5);
    opt.step(a);
    save_checkpoint(dir / "stepped.safetensors", a, opt);
    CHECK(st::file::open(dir / "stepped.safetensors").find("optimizer.momentum_buffer.fc1.weight") != nullptr);

    toy_model b(4);
    optim::sgd restored;
    load_checkpoint(dir / "stepped.safetensors", b, restored);
    CHECK(restored.options().nesterov);
    CHECK(restored.options().momentum == 0.9);
    for (int s = 0; s < 2; ++s) {
        a.fake_gradients(6 + s);
        b.fake_gradients(6 + s);
        opt.step(a);
        restored.step(b);
    }
    CHECK(same_model(a, b));
    optim::adam wrong;
    const auto msg = io_error_of([&] { load_checkpoint(dir / "stepped.safetensors", b, wrong); });
    CHECK(msg == (dir / "stepped.safetensors").string() + ": the checkpoint holds sgd state, not adam");
}

TEST_CASE("checkpoint: a missing, unexpected, mis-shaped or mistyped tensor is a clear error and changes nothing") {
    temp_dir dir("isinggan_checkpoint_errors");
    const auto path = dir / "m.safetensors";
    const std::string p = path.string();
    toy_model saved(1);
    save_checkpoint(path, saved);

    toy_model target(2), untouched(2);
    // Missing: the model has a layer the file lacks.
    target.fc = "fc2";
    CHECK(io_error_of([&] { load_checkpoint(path, target); }) ==
          p + ": missing tensor \"fc2.weight\" (the model has it, shape [16, 256, 1, 1])");
    target.fc = "fc1";
    // Unexpected: the file has tensors the model does not claim.
    conv_only small;
    const auto unexpected = io_error_of([&] { load_checkpoint(path, small); });
    CHECK(unexpected.rfind(p + ": 6 unexpected tensors not in the model: \"fc1.bias\"", 0) == 0);
    // Mis-shaped.
    target.fc_w = parameter<cpu>(shape4{16, 128, 1, 1});
    CHECK(io_error_of([&] { load_checkpoint(path, target); }) ==
          p + ": tensor \"fc1.weight\" has shape [16, 256], the model expects [16, 128] ([16, 128, 1, 1])");
    target.fc_w = parameter<cpu>(shape4{16, 256, 1, 1});
    target.fc_w.value = untouched.fc_w.value;
    CHECK(same_model(target, untouched));  // none of the failed loads changed anything

    // Mistyped: an F16 tensor loads only when conversion is asked for.
    st::writer w;
    const auto full = st::file::open(path);
    for (const auto& e : full.tensors()) {
        if (e.name == "conv1.bias") {
            const std::byte half_ones[8] = {std::byte{0}, std::byte{0x3c}, std::byte{0}, std::byte{0x3c},
                                            std::byte{0}, std::byte{0x3c}, std::byte{0}, std::byte{0x3c}};
            w.add(e.name, st::dtype::F16, e.shape, half_ones);
        } else {
            w.add(e.name, e.type, e.shape, full.bytes(e));
        }
    }
    w.save(dir / "half.safetensors");
    CHECK(io_error_of([&] { load_checkpoint(dir / "half.safetensors", target); }) ==
          (dir / "half.safetensors").string() +
              ": tensor \"conv1.bias\" is F16, expected F32 (checkpoint_options::convert_dtypes converts)");
    checkpoint_options convert;
    convert.convert_dtypes = true;
    load_checkpoint(dir / "half.safetensors", target, convert);
    for (float v : target.conv_b.value) CHECK(v == 1.0f);

    // An optimizer asked of a model-only file.
    optim::adam opt;
    CHECK(io_error_of([&] { load_checkpoint(path, target, opt); }) ==
          p + ": missing metadata \"isinggan.optimizer.kind\"");
    // A corrupt file.
    std::filesystem::resize_file(path, std::filesystem::file_size(path) - 1);
    CHECK(io_error_of([&] { load_checkpoint(path, target); }).rfind(p + ": ", 0) == 0);
}

TEST_CASE("checkpoint: optimizer state that does not fit the model is refused") {
    temp_dir dir("isinggan_checkpoint_optimizer_errors");
    toy_model m;
    optim::adam opt;
    m.fake_gradients(1);
    opt.step(m);
    save_checkpoint(dir / "m.safetensors", m, opt);
    // Drop one state tensor.
    const auto full = st::file::open(dir / "m.safetensors");
    st::writer w;
    for (const auto& e : full.tensors())
        if (e.name != "optimizer.exp_avg_sq.norm1.bias") w.add(e.name, e.type, e.shape, full.bytes(e));
    for (const auto& [k, v] : full.metadata()) w.set_metadata(k, v);
    w.save(dir / "partial.safetensors");
    optim::adam fresh;
    toy_model n(5), n_before(5);
    CHECK(io_error_of([&] { load_checkpoint(dir / "partial.safetensors", n, fresh); }) ==
          (dir / "partial.safetensors").string() +
              ": missing tensor \"optimizer.exp_avg_sq.norm1.bias\" (the optimizer has it, shape [4, 1, 1, 1])");
    CHECK(fresh.steps() == 0);
    CHECK(same_model(n, n_before));
    // A bad setting.
    st::writer bad;
    for (const auto& e : full.tensors()) bad.add(e.name, e.type, e.shape, full.bytes(e));
    for (const auto& [k, v] : full.metadata()) bad.set_metadata(k, k == "isinggan.optimizer.beta2" ? "1.5" : v);
    bad.save(dir / "beta.safetensors");
    CHECK(io_error_of([&] {
              load_checkpoint(dir / "beta.safetensors", n, fresh);
          }).find("optimizer state does not fit: adam: betas") != std::string::npos);
}

TEST_CASE("checkpoint: several models and optimizers in one file under prefixes (a GAN)") {
    temp_dir dir("isinggan_checkpoint_gan");
    toy_model g(1), d(2);
    optim::adam og({.lr = 2e-4}), od({.lr = 1e-4});
    g.fake_gradients(1);
    d.fake_gradients(2);
    og.step(g);
    od.step(d);
    od.step(d);
    checkpoint_writer w;
    w.add_model(g, "generator");
    w.add_model(d, "discriminator");
    w.add_optimizer(og, "generator");
    w.add_optimizer(od, "discriminator");
    w.set_info(checkpoint_info{2, {}});
    w.save(dir / "gan.safetensors");

    toy_model g2(3), d2(4);
    optim::adam og2, od2;
    checkpoint_reader r(dir / "gan.safetensors");
    CHECK(st::file::open(dir / "gan.safetensors").find("generator.fc1.weight") != nullptr);
    CHECK_THROWS_AS(r.require_all_used(), io_error);
    r.load_model(g2, "generator");
    r.load_model(d2, "discriminator");
    r.load_optimizer(og2, g2, "generator");
    r.load_optimizer(od2, d2, "discriminator");
    CHECK_NOTHROW(r.require_all_used());
    CHECK(r.info().step == 2);
    CHECK(same_model(g, g2));
    CHECK(same_model(d, d2));
    CHECK(og2.steps() == 1);
    CHECK(od2.steps() == 2);
    CHECK(od2.options().lr == 1e-4);
    toy_model wrong(5);
    CHECK_THROWS_AS(r.load_model(wrong, "generater"), io_error);
}

TEST_CASE("checkpoint: a PyTorch state_dict written by safetensors.torch.save_file loads by name" *
          testing::needs(testing::safetensors_fixtures_present())) {
    const std::filesystem::path path =
        std::filesystem::path(ISINGGAN_SHARED_DIR) / "fixtures" / "safetensors" / "burn_multi_layer.safetensors";
    toy_model m(8);
    const auto info = load_checkpoint(path, m);  // num_batches_tracked (I64) is PyTorch's and not needed
    CHECK(info.step == 0);
    CHECK(m.conv_w.value.at(0, 0, 0, 0) == 0.09916245f);
    CHECK(m.conv_w.value.at(0, 0, 0, 1) == -0.08494328f);
    CHECK(m.fc_w.value.at(0, 2, 0, 0) == 0.0078143105f);
    CHECK(m.bn_var.data()[0] == 0.90088123f);
    CHECK(m.bn_mean.data()[2] == 0.05240956f);
    CHECK(m.bn_w.value.data()[3] == 1.0f);
    CHECK(m.fc_b.value.data()[1] == -0.013160057f);
}

TEST_CASE("checkpoint: remove_stale_temporaries removes a killed save's temporary files and nothing else") {
    temp_dir dir("isinggan_checkpoint_stale");
    toy_model m(9);
    save_checkpoint(dir / "ckpt.safetensors", m);
    for (const char* f : {"ckpt.safetensors.tmp-123-0", "ckpt.safetensors.tmp-x", "other.safetensors.tmp-1-0",
                          "ckpt.safetensors.bak"})
        std::ofstream(dir / f) << "partial";
    std::filesystem::create_directories(dir / "ckpt.safetensors.tmp-dir");  // not a file: kept
    CHECK(remove_stale_temporaries(dir / "ckpt.safetensors") == 2);
    CHECK_FALSE(std::filesystem::exists(dir / "ckpt.safetensors.tmp-123-0"));
    CHECK_FALSE(std::filesystem::exists(dir / "ckpt.safetensors.tmp-x"));
    for (const char* kept : {"ckpt.safetensors", "other.safetensors.tmp-1-0", "ckpt.safetensors.bak",
                             "ckpt.safetensors.tmp-dir"})
        CHECK(std::filesystem::exists(dir / kept));
    CHECK(remove_stale_temporaries(dir / "ckpt.safetensors") == 0);
    CHECK(remove_stale_temporaries(dir / "no_such_folder" / "ckpt.safetensors") == 0);
}
