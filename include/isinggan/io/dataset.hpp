#pragma once
// Loading an annotated dataset (BBBC038 / Kaggle layout, or the flat layout)
// into an image_mask_set: every image decoded, its masks decoded and united,
// both preprocessed to S x S (data/preprocess.hpp). Samples are decoded in
// parallel on all cores; progress is shown on the terminal.
//
// Bad data (a missing file, an image without masks, a mask of another size
// than its image, a corrupt or non-PNG file) raises io_error naming the file,
// or, with `lenient`, is reported as a warning and the sample skipped and
// counted. Include only from code that links isinggan::io.
//
//   isinggan::io::dataset_options opt;
//   opt.size = 64;
//   opt.cache_dir = "cache";   // the second run loads in seconds
//   auto loaded = isinggan::io::load_dataset("../shared/data/bbbc038", opt);
//   loaded.data.images   // [N, 3, 64, 64] in [-1, 1]
//   loaded.data.masks    // [N, 1, 64, 64] in {0, 1}
//
// Loading all 536 shared BBBC038 images (23,000 mask files) at S = 64 costs
// about 15 s of CPU time, mostly zlib inflating the masks, split over the
// cores; with cache_dir set, a second run takes under a second.
//
// Getting the data (the paper's set, BBBC038v1 stage1_train, CC0, about 80 MB),
// for users with internet:
//   curl -LO https://data.broadinstitute.org/bbbc/BBBC038/stage1_train.zip
//   mkdir -p bbbc038/stage1_train && unzip -q stage1_train.zip -d bbbc038/stage1_train
// then pass bbbc038 (or bbbc038/stage1_train) as the dataset folder.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <ostream>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "isinggan/core/error.hpp"
#include "isinggan/data/cache.hpp"
#include "isinggan/data/image_mask_set.hpp"
#include "isinggan/data/intensity_stretch.hpp"
#include "isinggan/data/preprocess.hpp"
#include "isinggan/io/dataset_listing.hpp"
#include "isinggan/io/png.hpp"
#include "isinggan/core/progress.hpp"

namespace isinggan::io {

struct dataset_options {
    std::size_t size = 64;  ///< side S of the square samples (256 in the paper)
    bool lenient = false;   ///< skip bad samples with a warning instead of throwing
    /// Load only these sample ids (e.g. one modality, see io/modalities_csv.hpp); empty: all.
    std::vector<std::string> only_ids;
    std::size_t limit = 0;  ///< load at most this many samples (in id order); 0: all
    int threads = 0;        ///< decoding threads; 0: every core
    progress_style progress = progress_style::automatic;
    std::ostream* log = &std::cerr;       ///< progress and warnings; nullptr: silent
    std::filesystem::path cache_dir;      ///< where to keep preprocessed tensors; empty: no cache
    /// Per-image contrast stretch after the paper's preprocessing (data/intensity_stretch.hpp);
    /// applied after the cache, so one cache serves both modes.
    data::intensity_mode intensity = data::intensity_mode::none;
};

struct loaded_dataset {
    data::image_mask_set data;
    dataset_layout layout = dataset_layout::kaggle;
    std::size_t skipped = 0;            ///< samples left out (lenient only)
    std::vector<std::string> warnings;  ///< why each was left out
    bool from_cache = false;
    double seconds = 0.0;  ///< wall time of the load
};

/// Decodes one sample at full resolution: its image and the union of its
/// masks (one byte per pixel, 1 = nucleus). Throws io_error naming the file.
struct decoded_sample {
    image8 image;
    std::vector<std::uint8_t> mask;
};

inline decoded_sample decode_sample(const sample_files& files) {
    decoded_sample out;
    std::vector<unsigned char> file_buffer;
    read_png_into(files.image, out.image, file_buffer);
    const std::size_t w = out.image.width, h = out.image.height;
    out.mask.assign(w * h, 0);
    image8 m;  // one buffer for all the masks
    for (const auto& mask_path : files.masks) {
        read_png_into(mask_path, m, file_buffer);
        if (m.width != w || m.height != h)
            throw io_error(mask_path.string() + ": mask is " + m.size_str() + " but its image " +
                           files.image.string() + " is " + out.image.size_str());
        std::uint8_t* u = out.mask.data();
        const std::uint8_t* v = m.samples.data();
        if (m.channels == 1) {  // the usual case: a branch-free loop the compiler vectorises
            for (std::size_t i = 0; i < w * h; ++i) u[i] |= static_cast<std::uint8_t>(v[i] != 0);
        } else {
            const std::size_t colours = m.channels >= 3 ? 3 : 1;  // alpha is not part of the mask
            for (std::size_t i = 0; i < w * h; ++i)
                for (std::size_t c = 0; c < colours; ++c) u[i] |= static_cast<std::uint8_t>(v[i * m.channels + c] != 0);
        }
    }
    return out;
}

/// The cache key of a listing loaded with `options`: it changes when a file
/// is added, removed, resized or touched, or when S or leniency change.
inline std::uint64_t dataset_cache_key(const dataset_listing& listing, const dataset_options& options) {
    data::key_hasher h;
    h.add(std::string("isinggan-dataset-v1"));
    std::error_code ec;
    h.add(std::filesystem::weakly_canonical(listing.root, ec).string());
    h.add(static_cast<std::uint64_t>(listing.layout));
    h.add(static_cast<std::uint64_t>(options.size));
    h.add(static_cast<std::uint64_t>(options.lenient));
    h.add(static_cast<std::uint64_t>(listing.skipped));
    for (const auto& w : listing.warnings) h.add(w);
    auto add_file = [&](const std::filesystem::path& p) {
        h.add(p.string());
        std::error_code e;
        h.add(static_cast<std::uint64_t>(std::filesystem::file_size(p, e)));
        h.add(static_cast<std::uint64_t>(std::filesystem::last_write_time(p, e).time_since_epoch().count()));
    };
    for (const auto& s : listing.samples) {
        h.add(s.id);
        add_file(s.image);
        for (const auto& m : s.masks) add_file(m);
    }
    return h.value();
}

namespace dataset_detail {

inline void warn(const dataset_options& options, const std::string& message) {
    if (options.log) *options.log << "warning: " << message << " (sample skipped)\n";
}

/// Keeps the samples named in options.only_ids, then the first options.limit.
inline void select_samples(dataset_listing& listing, const dataset_options& options) {
    if (!options.only_ids.empty()) {
        const std::set<std::string> wanted(options.only_ids.begin(), options.only_ids.end());
        std::set<std::string> present;
        std::vector<sample_files> kept;
        for (auto& s : listing.samples)
            if (wanted.count(s.id)) {
                present.insert(s.id);
                kept.push_back(std::move(s));
            }
        for (const auto& id : wanted)
            if (!present.count(id)) {
                const std::string message = listing.root.string() + ": no usable sample with id " + id;
                if (!options.lenient) throw io_error(message);
                listing.warnings.push_back(message);
                ++listing.skipped;
            }
        listing.samples = std::move(kept);
    }
    if (options.limit && listing.samples.size() > options.limit) listing.samples.resize(options.limit);
    if (listing.samples.empty()) throw io_error(listing.root.string() + ": no samples selected");
}

}  // namespace dataset_detail

/// Loads the dataset under `root` (see dataset_listing.hpp for the layouts).
inline loaded_dataset load_dataset(const std::filesystem::path& root, const dataset_options& options = {}) {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    if (options.size == 0 || options.size > 4096)
        throw argument_error("load_dataset: size must be in [1, 4096], got " + std::to_string(options.size));

    dataset_listing listing = list_dataset(root, options.lenient);
    dataset_detail::select_samples(listing, options);

    loaded_dataset result;
    result.layout = listing.layout;
    std::uint64_t key = 0;
    if (!options.cache_dir.empty()) {
        key = dataset_cache_key(listing, options);
        if (auto cached = data::load_cache(options.cache_dir, key)) {
            result.data = std::move(cached->set);
            result.skipped = cached->skipped;
            result.warnings = std::move(cached->warnings);
            result.from_cache = true;
            data::apply_intensity(options.intensity, result.data.images);
            result.seconds = std::chrono::duration<double>(clock::now() - start).count();
            for (const auto& w : result.warnings) dataset_detail::warn(options, w);
            if (options.log)
                *options.log << "loaded " << result.data.size() << " samples of " << root.string() << " ("
                             << result.skipped << " skipped) from cache "
                             << data::cache_file(options.cache_dir, key).string() << '\n';
            return result;
        }
    }

    const std::size_t n = listing.samples.size(), s = options.size;
    data::image_mask_set all;
    all.images.resize({n, 3, s, s});
    all.masks.resize({n, 1, s, s});
    std::vector<std::exception_ptr> failures(n);
    std::vector<std::string> failure_messages(n);
    std::atomic<bool> stop{false};
    progress_reporter progress("loading " + listing.root.filename().string(), n,
                                      options.log ? options.progress : progress_style::silent,
                                      options.log ? *options.log : std::cerr);

    auto load_one = [&](std::size_t i) {
        if (stop.load(std::memory_order_relaxed)) return;
        try {
            const decoded_sample d = decode_sample(listing.samples[i]);
            data::preprocess_image(d.image, s, all.images.sample(i));
            data::preprocess_mask(d.mask.data(), d.image.width, d.image.height, s, all.masks.sample(i));
        } catch (const std::exception& e) {  // nothing may escape an OpenMP loop
            failures[i] = std::current_exception();
            failure_messages[i] = e.what();
            if (!options.lenient) stop = true;
        } catch (...) {
            failures[i] = std::current_exception();
            failure_messages[i] = listing.samples[i].image.string() + ": unknown error while loading";
            if (!options.lenient) stop = true;
        }
        progress.advance();
    };
#if defined(_OPENMP)
    const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(n); ++i) load_one(static_cast<std::size_t>(i));
#else
    for (std::size_t i = 0; i < n; ++i) load_one(i);
#endif
    progress.finish();

    // Strict: rethrow the first failure in id order (samples after a failure
    // may not have been tried). Lenient: drop the failed samples.
    std::vector<std::size_t> good;
    result.skipped = listing.skipped;
    result.warnings = listing.warnings;
    for (std::size_t i = 0; i < n; ++i) {
        if (failures[i]) {
            if (!options.lenient) std::rethrow_exception(failures[i]);
            result.warnings.push_back(failure_messages[i]);
            ++result.skipped;
        } else {
            good.push_back(i);
        }
    }
    for (const auto& w : result.warnings) dataset_detail::warn(options, w);
    if (good.empty()) throw io_error(listing.root.string() + ": no sample could be loaded");
    all.ids.reserve(n);
    for (const auto& f : listing.samples) all.ids.push_back(f.id);
    result.data = good.size() == n ? std::move(all) : data::subset(all, good);

    if (!options.cache_dir.empty()) {
        try {
            data::save_cache(options.cache_dir, key, result.data, result.skipped, result.warnings);
        } catch (const io_error& e) {
            if (options.log) *options.log << "warning: dataset cache not written: " << e.what() << '\n';
        }
    }
    data::apply_intensity(options.intensity, result.data.images);  // after the cache, which keeps the paper's mapping
    result.seconds = std::chrono::duration<double>(clock::now() - start).count();
    if (options.log)
        *options.log << "loaded " << result.data.size() << " samples of " << root.string() << " ("
                     << layout_name(result.layout) << " layout, " << s << "x" << s << ", " << result.skipped
                     << " skipped) in " << result.seconds << " s\n";
    return result;
}

}  // namespace isinggan::io
