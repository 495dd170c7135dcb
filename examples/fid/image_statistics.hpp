#pragma once
// Image sets → FID statistics, for the fid program: finding the PNGs of a
// folder, and running them through pytorch-fid's preprocessing and Inception
// in batches, with a progress bar.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

#include "isinggan/data/fid_preprocess.hpp"
#include "isinggan/io/npz.hpp"
#include "isinggan/io/png.hpp"
#include "isinggan/metrics/fid.hpp"
#include "isinggan/models/inception_v3.hpp"
#include "isinggan/train/progress.hpp"

namespace fid_program {

namespace fs = std::filesystem;
using namespace isinggan;

inline std::string lower_extension(const fs::path& p) {
    auto ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return ext;
}

inline bool is_npz(const fs::path& p) { return lower_extension(p) == ".npz"; }

/// PNG files under `root`, recursively and sorted; masks/ and hidden folders are skipped.
inline std::vector<fs::path> image_files(const fs::path& root) {
    if (!fs::is_directory(root)) throw io_error(root.string() + ": not a folder of images or a .npz file");
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
        const auto name = it->path().filename().string();
        if (it->is_directory() && (name == "masks" || name.starts_with("."))) {
            it.disable_recursion_pending();
            continue;
        }
        if (it->is_regular_file() && lower_extension(it->path()) == ".png") files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

/// Statistics of the features of `files`; `label` names the set in the progress bar.
inline metrics::fid_statistics image_statistics(const std::vector<fs::path>& files, const std::string& label,
                                                fid_inception_v3& model, std::size_t batch) {
    if (files.size() < 2)
        throw io_error(label + ": needs at least 2 PNG images, found " + std::to_string(files.size()));
    metrics::feature_statistics_accumulator acc(fid_inception_v3::feature_dim);
    train::progress_reporter progress("features " + label, files.size());
    tensor<cpu> x;
    std::vector<float> features;
    for (std::size_t first = 0; first < files.size(); first += batch) {
        const std::size_t n = std::min(batch, files.size() - first);
        x.resize({n, 3, fid_inception_v3::input_size, fid_inception_v3::input_size});
        std::string failure;
#pragma omp parallel for schedule(dynamic)
        for (std::ptrdiff_t i = 0; i < std::ptrdiff_t(n); ++i) {
            try {
                data::fid_input_from_image(io::read_png(files[first + std::size_t(i)]), x.sample(std::size_t(i)));
            } catch (const std::exception& e) {
#pragma omp critical
                if (failure.empty()) failure = e.what();
            }
        }
        if (!failure.empty()) throw io_error(failure);
        model.features(x, features);
        acc.add(features, n);
        progress.advance(n);
    }
    progress.finish();
    return acc.statistics();
}

/// Loads the weights on first use, so .npz-only runs need none.
class lazy_model {
public:
    explicit lazy_model(std::string weights) : weights_(std::move(weights)) {}
    fid_inception_v3& get() {
        if (!loaded_) {
            if (weights_.empty())
                throw argument_error(std::string("--weights is required for image folders.\n") +
                                     fid_weights_instructions);
            model_.load(fs::path(weights_));
            loaded_ = true;
        }
        return model_;
    }

private:
    std::string weights_;
    fid_inception_v3 model_;
    bool loaded_ = false;
};

/// Statistics of a PATH argument: a .npz file, or a folder of images.
inline metrics::fid_statistics path_statistics(const fs::path& path, lazy_model& model, std::size_t batch) {
    if (is_npz(path)) return npz::read_fid_statistics(path);
    return image_statistics(image_files(path), path.string(), model.get(), batch);
}

}  // namespace fid_program
