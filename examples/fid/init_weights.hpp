#pragma once
// `fid init-weights`: an Inception with pytorch-fid's tensor names and shapes
// but random weights, written as safetensors. It lets the FID pipeline (image
// reading, masks/ skipping, statistics, .npz files, `fid table`) be checked on
// a machine without the 95 MB download; the distances it gives compare nothing
// with anyone's published FIDs.
//
//   fid init-weights --out FILE [--seed S]
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "isinggan/core/random.hpp"
#include "isinggan/io/safetensors_writer.hpp"
#include "isinggan/models/inception_v3.hpp"

namespace fid_program {

/// Writes the random weights to `out`; returns how many values were written.
/// Convolutions are He-uniform for their fan-in; batch norm is near the
/// identity (scales and variances in [0.5, 1.5), small shifts and means), so
/// activations keep their size through the network's depth.
inline std::size_t write_random_inception(const std::filesystem::path& out, std::uint64_t seed) {
    isinggan::rng gen(seed);
    isinggan::safetensors::writer file;
    std::size_t written = 0;
    isinggan::fid_inception_v3 model;
    model.load([&](const std::string& name, const std::vector<std::size_t>& shape) {
        std::size_t count = 1;
        for (auto d : shape) count *= d;
        std::vector<float> v(count);
        const auto ends_with = [&](const char* s) { return name.ends_with(s); };
        for (float& x : v) {
            const double u = gen.uniform01();
            if (ends_with("conv.weight"))
                x = float((2 * u - 1) * std::sqrt(6.0 / double(count / shape[0])));
            else if (ends_with("bn.weight") || ends_with("bn.running_var"))
                x = float(0.5 + u);
            else if (ends_with("bn.bias"))
                x = float(0.2 * (2 * u - 1));
            else
                x = float(0.1 * (2 * u - 1));
        }
        file.add(name, std::vector<std::uint64_t>(shape.begin(), shape.end()), std::span<const float>(v));
        written += count;
        return v;
    });
    file.save(out);
    return written;
}

}  // namespace fid_program
