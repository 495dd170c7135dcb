#pragma once
// Finding the files of an annotated image dataset, in one of two layouts:
//
//   Kaggle / BBBC038   <root>/[stage1_train/]<id>/images/<id>.png
//                      <root>/[stage1_train/]<id>/masks/<any>.png   (one nucleus each;
//                                                                     the annotation is their union)
//   flat               <root>/images/<name>.png
//                      <root>/masks/<name>.png                      (one binary mask per image,
//                                                                     the layout the exporter writes)
//
// A sample whose files are missing is a problem: io_error naming the file, or,
// when lenient, a warning with the sample skipped and counted.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "isinggan/core/error.hpp"

namespace isinggan::io {

enum class dataset_layout { kaggle, flat };

inline const char* layout_name(dataset_layout layout) noexcept {
    return layout == dataset_layout::kaggle ? "kaggle" : "flat";
}

/// One sample's files: its image and the masks whose union is its annotation.
struct sample_files {
    std::string id;
    std::filesystem::path image;
    std::vector<std::filesystem::path> masks;
};

struct dataset_listing {
    dataset_layout layout = dataset_layout::kaggle;
    std::filesystem::path root;  ///< the folder holding the sample folders (or images/ and masks/)
    std::vector<sample_files> samples;
    std::vector<std::string> warnings;  ///< one per skipped sample (lenient only)
    std::size_t skipped = 0;
};

namespace listing_detail {

inline bool is_dir(const std::filesystem::path& p) {
    std::error_code ec;
    return std::filesystem::is_directory(p, ec);
}
inline bool is_file(const std::filesystem::path& p) {
    std::error_code ec;
    return std::filesystem::is_regular_file(p, ec);
}

inline bool has_png_extension(const std::filesystem::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext == ".png";
}

/// Regular .png files directly in `dir`, sorted by name.
inline std::vector<std::filesystem::path> png_files(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (has_png_extension(it->path()) && is_file(it->path())) out.push_back(it->path());
    if (ec) throw io_error(dir.string() + ": cannot list folder: " + ec.message());
    std::sort(out.begin(), out.end());
    return out;
}

/// Subfolders of `dir`, sorted, except hidden ones (".ipynb_checkpoints", "__MACOSX" left by unzip).
inline std::vector<std::filesystem::path> subfolders(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (is_dir(it->path()) && !name.starts_with('.') && name != "__MACOSX") out.push_back(it->path());
    }
    if (ec) throw io_error(dir.string() + ": cannot list folder: " + ec.message());
    std::sort(out.begin(), out.end());
    return out;
}

/// Records a problem: thrown, or (lenient) kept as a warning.
inline void problem(dataset_listing& listing, bool lenient, const std::string& message) {
    if (!lenient) throw io_error(message);
    listing.warnings.push_back(message);
    ++listing.skipped;
}

inline void list_kaggle(dataset_listing& listing, bool lenient) {
    for (const auto& folder : subfolders(listing.root)) {
        const std::string id = folder.filename().string();
        const auto images_dir = folder / "images";
        std::filesystem::path image = images_dir / (id + ".png");
        if (!is_file(image)) {
            // Accept a single image under another name; otherwise name the expected file.
            const auto found = is_dir(images_dir) ? png_files(images_dir) : std::vector<std::filesystem::path>{};
            if (found.size() != 1) {
                problem(listing, lenient, image.string() + ": image file missing");
                continue;
            }
            image = found.front();
        }
        const auto masks_dir = folder / "masks";
        auto masks = is_dir(masks_dir) ? png_files(masks_dir) : std::vector<std::filesystem::path>{};
        if (masks.empty()) {
            problem(listing, lenient, masks_dir.string() + ": no mask files for image " + image.string());
            continue;
        }
        listing.samples.push_back({id, image, std::move(masks)});
    }
}

inline void list_flat(dataset_listing& listing, bool lenient) {
    for (const auto& image : png_files(listing.root / "images")) {
        const auto mask = listing.root / "masks" / image.filename();
        if (!is_file(mask)) {
            problem(listing, lenient, mask.string() + ": mask file missing for image " + image.string());
            continue;
        }
        listing.samples.push_back({image.stem().string(), image, {mask}});
    }
}

}  // namespace listing_detail

/// Finds the samples under `root` (either layout; a root holding
/// stage1_train/ is accepted too). Throws io_error naming the folder when it
/// is missing, holds neither layout, or holds no usable sample.
inline dataset_listing list_dataset(const std::filesystem::path& root, bool lenient = false) {
    using namespace listing_detail;
    std::error_code ec;
    if (!std::filesystem::exists(root, ec)) throw io_error(root.string() + ": dataset folder does not exist");
    if (!is_dir(root)) throw io_error(root.string() + ": dataset path is not a folder");

    dataset_listing listing;
    if (is_dir(root / "stage1_train")) {
        listing.layout = dataset_layout::kaggle;
        listing.root = root / "stage1_train";
    } else if (is_dir(root / "images") && is_dir(root / "masks")) {
        listing.layout = dataset_layout::flat;
        listing.root = root;
    } else {
        listing.layout = dataset_layout::kaggle;
        listing.root = root;
        const auto folders = subfolders(root);
        const bool kaggle = std::any_of(folders.begin(), folders.end(),
                                        [](const auto& f) { return is_dir(f / "images") || is_dir(f / "masks"); });
        if (!kaggle)
            throw io_error(root.string() +
                           ": not an annotated dataset: expected <id>/images/<id>.png with <id>/masks/*.png "
                           "(Kaggle/BBBC038 layout, optionally under stage1_train/) or images/ and masks/ folders");
    }
    if (listing.layout == dataset_layout::kaggle)
        list_kaggle(listing, lenient);
    else
        list_flat(listing, lenient);
    if (listing.samples.empty()) throw io_error(listing.root.string() + ": no usable samples found");
    return listing;
}

}  // namespace isinggan::io
