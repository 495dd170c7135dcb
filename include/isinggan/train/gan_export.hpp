#pragma once
// Exporting generated (image, mask) pairs as a dataset: the augmentation
// product of the paper. Writes the flat layout io::load_dataset reads,
//     DIR/images/<name>.png   8-bit RGB
//     DIR/masks/<name>.png    8-bit grey, 255 where the mask is ≥ 0.5, else 0
//     DIR/manifest.csv        name,index,seed,foreground_fraction
// Samples are generated in batches (the layers use every core) and each
// batch's PNGs are encoded and written in parallel.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/io/image.hpp"
#include "isinggan/io/png.hpp"
#include "isinggan/train/gan_sampling.hpp"

namespace isinggan::train {

struct export_options {
    std::size_t count = 1000;   ///< pairs to write
    std::uint64_t seed = 0;     ///< latent seed (sample i depends on (seed, i) only)
    std::size_t batch = 64;     ///< samples generated per forward pass
    std::string prefix = "gen"; ///< file names are <prefix>_<index, 6 digits>
    /// Each pair is a tiles × tiles mosaic of generated samples (pair i holds
    /// samples i·tiles² … (i + 1)·tiles² − 1, row by row): a generator trained on
    /// S px windows (gan_options::random_crop) gives pairs of side tiles·S.
    std::size_t tiles = 1;
    /// Called after each batch with the pairs written so far.
    std::function<void(std::size_t)> on_progress{};
};

struct export_result {
    std::size_t pairs = 0;
    double seconds = 0.0;
    double pairs_per_second() const { return seconds > 0 ? double(pairs) / seconds : 0.0; }
};

/// The file name (without extension) of exported sample `index`.
inline std::string export_name(const std::string& prefix, std::size_t index) {
    std::ostringstream s;
    s << prefix << '_' << std::setw(6) << std::setfill('0') << index;
    return s.str();
}

template <class Generator>
export_result export_pairs(Generator& g, const std::filesystem::path& dir, const export_options& o) {
    if (o.batch == 0) throw argument_error("export_pairs: batch must be positive");
    if (o.tiles == 0 || o.tiles > 16) throw argument_error("export_pairs: tiles must be 1 to 16");
    if (o.prefix.empty() || o.prefix.find_first_of("/\\") != std::string::npos)
        throw argument_error("export_pairs: the name prefix '" + o.prefix + "' cannot start a file name");
    const auto start = std::chrono::steady_clock::now();
    for (const char* sub : {"images", "masks"}) {
        std::error_code ec;
        std::filesystem::create_directories(dir / sub, ec);
        if (ec) throw io_error((dir / sub).string() + ": cannot create folder: " + ec.message());
    }
    std::ofstream manifest(dir / "manifest.csv", std::ios::trunc);
    if (!manifest) throw io_error((dir / "manifest.csv").string() + ": cannot open for writing");
    manifest << "name,index,seed,foreground_fraction\n";

    tensor<cpu> images, masks;
    std::vector<double> fraction;
    std::vector<std::string> failure;
    for (std::size_t first = 0; first < o.count; first += o.batch) {
        const std::size_t n = std::min(o.batch, o.count - first);
        generate_tiled(g, o.seed, first, n, o.tiles, images, masks);
        const std::size_t s = images.h();
        fraction.assign(n, 0.0);
        failure.assign(n, {});
#pragma omp parallel for schedule(dynamic)
        for (long i = 0; i < long(n); ++i) {
            try {
                io::image8 img(s, s, 3), mask(s, s, 1);
                std::size_t on = 0;
                for (std::size_t y = 0; y < s; ++y)
                    for (std::size_t x = 0; x < s; ++x) {
                        for (std::size_t c = 0; c < 3; ++c) {
                            const float v = std::clamp(images(std::size_t(i), c, y, x), -1.0f, 1.0f);
                            img(y, x, c) = static_cast<std::uint8_t>(std::lround((v + 1.0f) * 127.5f));
                        }
                        const bool inside = masks(std::size_t(i), 0, y, x) >= 0.5f;
                        mask(y, x, 0) = inside ? 255 : 0;
                        on += inside;
                    }
                const std::string name = export_name(o.prefix, first + std::size_t(i)) + ".png";
                io::write_png(dir / "images" / name, img);
                io::write_png(dir / "masks" / name, mask);
                fraction[std::size_t(i)] = double(on) / double(s * s);
            } catch (const std::exception& e) {
                failure[std::size_t(i)] = e.what();
            }
        }
        for (std::size_t i = 0; i < n; ++i) {
            if (!failure[i].empty()) throw io_error("export_pairs: " + failure[i]);
            manifest << export_name(o.prefix, first + i) << ',' << first + i << ',' << o.seed << ','
                     << fraction[i] << '\n';
        }
        if (o.on_progress) o.on_progress(first + n);
    }
    manifest.close();
    if (!manifest) throw io_error((dir / "manifest.csv").string() + ": write failed");
    return {o.count, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

}  // namespace isinggan::train
