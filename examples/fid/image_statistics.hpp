#pragma once
// Image sets → FID statistics, for the fid program: finding the PNGs of a
// folder, and running them through pytorch-fid's preprocessing and Inception
// in batches, with a progress bar. Images are read and preprocessed on the
// host; the Inception runs on the CPU or, with --device cuda, on the GPU.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "isinggan/data/fid_preprocess.hpp"
#include "isinggan/io/npz.hpp"
#include "isinggan/metrics/fid_statistics_npz.hpp"
#include "isinggan/io/png.hpp"
#include "isinggan/metrics/fid.hpp"
#include "isinggan/metrics/kid.hpp"
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

/// A preprocessed host batch [N, 3, 299, 299] → its N x 2048 Inception features.
using feature_function = std::function<void(const tensor<cpu>&, std::vector<float>&)>;

/// pytorch-fid's Inception on backend B with the weights of `weights`.
template <class B>
feature_function inception_features(const fs::path& weights) {
    auto model = std::make_shared<basic_fid_inception_v3<B>>();
    model->load(weights);
    return [model](const tensor<cpu>& x, std::vector<float>& out) { model->features(x, out); };
}

#ifdef ISINGGAN_EXAMPLES_CUDA
/// inception_features<cuda> once a GPU is found (cuda.cu, compiled by nvcc).
feature_function gpu_inception_features(const fs::path& weights);
#endif

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
/// When `kept` is given, the features themselves are appended to it (row after row), for the KID.
inline metrics::fid_statistics image_statistics(const std::vector<fs::path>& files, const std::string& label,
                                                const feature_function& model, std::size_t batch,
                                                std::vector<float>* kept = nullptr) {
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
        model(x, features);
        acc.add(features, n);
        if (kept) kept->insert(kept->end(), features.begin(), features.end());
        progress.advance(n);
    }
    progress.finish();
    return acc.statistics();
}

/// Loads the weights on first use, so .npz-only runs need none. `device`
/// is "cpu" or "cuda" (the latter only in builds with the CUDA backend).
class lazy_model {
public:
    lazy_model(std::string weights, std::string device) : weights_(std::move(weights)), device_(std::move(device)) {}
    const feature_function& get() {
        if (!features_) {
            if (weights_.empty())
                throw argument_error(std::string("--weights is required for image folders.\n") +
                                     fid_weights_instructions);
#ifdef ISINGGAN_EXAMPLES_CUDA
            if (device_ == "cuda") {
                features_ = gpu_inception_features(weights_);
                return features_;
            }
#endif
            features_ = inception_features<cpu>(weights_);
        }
        return features_;
    }

private:
    std::string weights_, device_;
    feature_function features_;
};

/// Statistics of a PATH argument: a .npz file, or a folder of images (whose
/// features are appended to `kept` when given; a .npz has none to give).
inline metrics::fid_statistics path_statistics(const fs::path& path, lazy_model& model, std::size_t batch,
                                               std::vector<float>* kept = nullptr) {
    if (is_npz(path)) return metrics::read_fid_statistics(path);
    return image_statistics(image_files(path), path.string(), model.get(), batch, kept);
}

/// The KID of two sets' features, each rows of fid_inception_v3::feature_dim values.
inline metrics::kid_result features_kid(const std::vector<float>& a, const std::vector<float>& b) {
    constexpr std::size_t d = fid_inception_v3::feature_dim;
    return metrics::kernel_inception_distance({a, a.size() / d, d}, {b, b.size() / d, d});
}

/// features_kid as "KID: mean ± std (...)".
inline std::string kid_line(const std::vector<float>& a, const std::vector<float>& b) {
    const auto r = features_kid(a, b);
    char line[160];
    std::snprintf(line, sizeof line, "KID: %.6f ± %.6f (%zu subset%s of %zu)", r.mean, r.std, r.subsets,
                  r.subsets == 1 ? "" : "s", r.subset_size);
    return line;
}

}  // namespace fid_program
