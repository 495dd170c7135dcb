#pragma once
// Writing an image_mask_set as PNG files that load_dataset reads back, in
// either layout (see dataset_listing.hpp): images as 8-bit RGB, masks as 8-bit
// grey 0 / 255. In the Kaggle layout each sample's whole mask is one file
// (masks/mask.png): the union of one mask is itself. Include only from code
// that links isinggan::io.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <string>
#include <system_error>

#include "isinggan/core/error.hpp"
#include "isinggan/data/image_mask_set.hpp"
#include "isinggan/io/dataset_listing.hpp"
#include "isinggan/io/png.hpp"

namespace isinggan::io {

/// Sample n's image, mapped from [-1, 1] to 8-bit RGB.
inline image8 image_to_png(const data::image_mask_set& set, std::size_t n) { return data::image8_of(set, n); }

/// Sample n's mask as 8-bit grey: 255 where the mask is >= 0.5, else 0.
inline image8 mask_to_png(const data::image_mask_set& set, std::size_t n) {
    const std::size_t s = set.side();
    image8 m(s, s, 1);
    for (std::size_t i = 0; i < s * s; ++i) m.samples[i] = set.masks.plane(n, 0)[i] >= 0.5f ? 255 : 0;
    return m;
}

/// Writes every sample under `dir` (created when missing). Ids become file
/// names, so they must be non-empty and free of path separators.
inline void write_dataset(const std::filesystem::path& dir, const data::image_mask_set& set,
                          dataset_layout layout = dataset_layout::flat) {
    data::require_consistent(set, "write_dataset");
    auto make_dirs = [](const std::filesystem::path& p) {
        std::error_code ec;
        std::filesystem::create_directories(p, ec);
        if (ec) throw io_error(p.string() + ": cannot create folder: " + ec.message());
    };
    for (const auto& id : set.ids)
        if (id.empty() || id == "." || id == ".." || id.find_first_of("/\\") != std::string::npos)
            throw argument_error("write_dataset: id '" + id + "' cannot be used as a file name");
    if (layout == dataset_layout::flat) {
        make_dirs(dir / "images");
        make_dirs(dir / "masks");
    }
    for (std::size_t n = 0; n < set.size(); ++n) {
        const std::string& id = set.ids[n];
        if (layout == dataset_layout::flat) {
            write_png(dir / "images" / (id + ".png"), image_to_png(set, n));
            write_png(dir / "masks" / (id + ".png"), mask_to_png(set, n));
        } else {
            make_dirs(dir / id / "images");
            make_dirs(dir / id / "masks");
            write_png(dir / id / "images" / (id + ".png"), image_to_png(set, n));
            write_png(dir / id / "masks" / "mask.png", mask_to_png(set, n));
        }
    }
}

}  // namespace isinggan::io
