#pragma once
// Inception-v3 as pytorch-fid uses it for FID: the 2048-d average-pooled
// features of its `pool3` output, inference only.
//
// The architecture is pytorch-fid's FID variant of torchvision's network:
// the stem, Mixed_5b–5d (FID-Inception-A), Mixed_6a, Mixed_6b–6e
// (FID-Inception-C), Mixed_7a, Mixed_7b (FID-Inception-E_1) and Mixed_7c
// (FID-Inception-E_2, whose pool branch is a 3x3 max pool), then a global
// average pool. Its weights are read by pytorch-fid's state_dict names from a
// safetensors file made by tools/convert_pytorch_fid_weights.py; the
// classifier (`fc.*`) and `num_batches_tracked` entries are ignored.
//
// Input: a batch [N, 3, 299, 299] already preprocessed as pytorch-fid does
// (data/fid_preprocess.hpp: RGB in [0, 1], bilinear resize to 299, 2x − 1).
// A forward pass keeps scratch tensors in the object: one object must not
// run two batches at the same time (it uses all cores for one batch).
//
// basic_fid_inception_v3<cuda> runs the network on the GPU (compiled by
// nvcc with the CUDA backend): the weights are read and folded on the host,
// then copied to the device; features() takes and returns host data.
#include <algorithm>
#include <array>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "isinggan/backend/cpu/pooling.hpp"
#include "isinggan/backend/transfer.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/io/safetensors.hpp"
#include "isinggan/models/inception/blocks.hpp"

namespace isinggan {

/// Where the real weights come from; part of every "weights missing" message.
inline constexpr const char* fid_weights_instructions =
    "pytorch-fid's Inception weights are not shipped. Download pt_inception-2015-12-05-6726825d.pth from "
    "pytorch-fid's release page (https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"
    "pt_inception-2015-12-05-6726825d.pth), then convert it with\n"
    "  python3 tools/convert_pytorch_fid_weights.py pt_inception-2015-12-05-6726825d.pth "
    "pt_inception-2015-12-05.safetensors\n"
    "and pass the .safetensors file with --weights.";

template <class Backend = cpu>
class basic_fid_inception_v3 {
    using unit = inception::conv_unit<Backend>;
    using block_a = inception::block_a<Backend>;
    using block_c = inception::block_c<Backend>;

public:
    static constexpr std::size_t feature_dim = 2048;
    static constexpr std::size_t input_size = 299;

    basic_fid_inception_v3()
        : stem_{unit("Conv2d_1a_3x3", 3, 32, 3, 2), unit("Conv2d_2a_3x3", 32, 32, 3),
                unit("Conv2d_2b_3x3", 32, 64, 3, 1, 1), unit("Conv2d_3b_1x1", 64, 80, 1),
                unit("Conv2d_4a_3x3", 80, 192, 3)},
          mixed_5_{block_a("Mixed_5b", 192, 32), block_a("Mixed_5c", 256, 64), block_a("Mixed_5d", 288, 64)},
          mixed_6a_("Mixed_6a", 288),
          mixed_6_{block_c("Mixed_6b", 768, 128), block_c("Mixed_6c", 768, 160), block_c("Mixed_6d", 768, 160),
                   block_c("Mixed_6e", 768, 192)},
          mixed_7a_("Mixed_7a", 768),
          mixed_7b_("Mixed_7b", 1280, inception::pool_kind::average_excluding_padding),
          mixed_7c_("Mixed_7c", 2048, inception::pool_kind::max) {}

    bool loaded() const noexcept { return loaded_; }

    /// Loads every weight through `source` (name, expected shape → values).
    void load(const inception::weight_source& source) {
        for (auto& u : stem_) u.load(source);
        for (auto& b : mixed_5_) b.load(source);
        mixed_6a_.load(source);
        for (auto& b : mixed_6_) b.load(source);
        mixed_7a_.load(source);
        mixed_7b_.load(source);
        mixed_7c_.load(source);
        loaded_ = true;
    }

    /// Loads pytorch-fid's weights from a safetensors file. A missing file
    /// gives an io_error that says how to obtain it; a file without the
    /// expected tensors, or with other shapes, names the first offender.
    void load(const std::filesystem::path& path) {
        if (!std::filesystem::is_regular_file(path))
            throw io_error(path.string() + ": Inception weights not found.\n" + fid_weights_instructions);
        const safetensors::file file = safetensors::file::open(path);
        load([&](const std::string& name, const std::vector<std::size_t>& shape) {
            const auto* entry = file.find(name);
            if (!entry)
                throw io_error(path.string() + ": no tensor \"" + name +
                               "\": not pytorch-fid's Inception weights (convert them with "
                               "tools/convert_pytorch_fid_weights.py)");
            if (entry->shape.size() != shape.size() || !std::equal(shape.begin(), shape.end(), entry->shape.begin()))
                throw io_error(path.string() + ": tensor \"" + name + "\" has shape " +
                               safetensors::shape_string(entry->shape) + ", expected " + shape_text(shape));
            std::vector<float> values(static_cast<std::size_t>(entry->elements()));
            file.read(*entry, std::span<float>(values));
            return values;
        });
    }

    /// features[n * 2048 + k] for the batch x [N, 3, 299, 299] (host data on either backend).
    void features(const tensor<cpu>& x, std::vector<float>& out) {
        require_backend<Backend>();
        if (!loaded_) throw argument_error("fid_inception_v3: no weights loaded");
        if (x.c() != 3 || x.h() != input_size || x.w() != input_size || x.n() == 0)
            throw shape_error("fid_inception_v3: input " + x.shape().str() + " is not [N, 3, 299, 299]");
        forward(upload(x, input_));
        // Adaptive average pool to 1x1, each plane summed in double.
        ops::global_avg_pool_forward(Backend{}, x_, y_);
        const tensor<cpu>& pooled = download(y_, pooled_);
        out.assign(pooled.begin(), pooled.end());
    }

private:
    /// The network up to Mixed_7c; its output is left in x_.
    void forward(const tensor<Backend>& x) {
        auto& t = scratch_;
        stem_[0].forward(x, t.a, t.ws);
        stem_[1].forward(t.a, t.b, t.ws);
        stem_[2].forward(t.b, t.a, t.ws);
        inception::pool3x3(t.a, t.b, inception::pool_kind::max, 2, 0);
        stem_[3].forward(t.b, t.a, t.ws);
        stem_[4].forward(t.a, t.b, t.ws);
        inception::pool3x3(t.b, x_, inception::pool_kind::max, 2, 0);
        for (const auto& b : mixed_5_) run(b);
        run(mixed_6a_);
        for (const auto& b : mixed_6_) run(b);
        run(mixed_7a_);
        run(mixed_7b_);
        run(mixed_7c_);
    }

    template <class Block>
    void run(const Block& block) {
        block.forward(x_, y_, scratch_);
        std::swap(x_, y_);
    }

    static std::string shape_text(const std::vector<std::size_t>& shape) {
        std::string s = "[";
        for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
        return s + "]";
    }

    // Arrays, not vectors: device units cannot be copied out of an initializer list.
    std::array<unit, 5> stem_;
    std::array<block_a, 3> mixed_5_;
    inception::block_b<Backend> mixed_6a_;
    std::array<block_c, 4> mixed_6_;
    inception::block_d<Backend> mixed_7a_;
    inception::block_e<Backend> mixed_7b_, mixed_7c_;
    bool loaded_ = false;
    inception::block_scratch<Backend> scratch_;
    tensor<Backend> input_, x_, y_;  // input_: the batch copied to the device (cuda only)
    tensor<cpu> pooled_;             // the features copied to the host (cuda only)
};

/// Inception-v3 for FID on the CPU.
using fid_inception_v3 = basic_fid_inception_v3<cpu>;

}  // namespace isinggan
