// unet: trains the paper's U-Net on real image/mask pairs, optionally plus
// GAN-generated pairs, and reports the IoU on a held-out test set (Table 1).
// Flags, outputs and exit codes: examples/unet/README.md.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <isinggan/data/held_out_split.hpp>
#include <isinggan/io/dataset.hpp>
#include <isinggan/io/training_data.hpp>

#include "../common/flag_numbers.hpp"
#include "evaluate.hpp"
#include "training.hpp"

namespace ig = isinggan;
namespace fs = std::filesystem;
using unet_program::settings;
using unet_program::split_sets;

namespace {

struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

const char* usage_text =
    "usage: unet --out RUN [--data DIR] [--modalities CSV --modality K] [--synthetic DIR]... [--fraction F]\n"
    "            [--test-fraction F] [--test-data DIR] [--size S] [--width W] [--epochs N] [--lr R] [--batch B]\n"
    "            [--dice W] [--split-seed S] [--seed S] [--threads T] [--cache DIR] [--synthetic-count N]\n"
    "            [--intensity none|stretch] [--device cpu|cuda]\n"
    "       unet evaluate --checkpoint CK --data DIR [--out DIR] [--size S] [--width W] [--batch B] [--threads T]\n"
    "                     [--cache DIR]   (IoU of CK's predictions on DIR's pairs; size and width from CK)\n"
    "widths: 1, 0.25, 0.125; sizes: multiples of 16 (the paper: 256). See examples/unet/README.md.\n";

double number(const std::string& flag, const std::string& v) { return ig::examples::parse_real_number<usage_error>(flag, v); }

template <class T = std::uint64_t>
T whole(const std::string& flag, const std::string& v) {
    return ig::examples::parse_whole_number<usage_error, T>(flag, v);
}

settings parse(int argc, char** argv) {
    settings s;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") throw usage_error("");
        if (i + 1 >= argc) throw usage_error(flag.rfind("--", 0) == 0 ? flag + " needs a value" : "unexpected '" + flag + "'");
        const std::string v = argv[++i];
        if (flag == "--data") s.data = v;
        else if (flag == "--modalities") s.modalities = v;
        else if (flag == "--modality") s.modality = whole(flag, v);
        else if (flag == "--synthetic") s.synthetic.emplace_back(v);
        else if (flag == "--fraction") s.fraction = number(flag, v);
        else if (flag == "--test-fraction") s.test_fraction = number(flag, v);
        else if (flag == "--test-data") s.test_data = v;
        else if (flag == "--size") s.size = whole(flag, v);
        else if (flag == "--width") s.width = number(flag, v);
        else if (flag == "--epochs") s.epochs = whole(flag, v);
        else if (flag == "--lr") s.lr = number(flag, v);
        else if (flag == "--batch") s.batch = whole(flag, v);
        else if (flag == "--dice") s.dice = number(flag, v);
        else if (flag == "--split-seed") s.split_seed = whole(flag, v);
        else if (flag == "--seed") s.seed = whole(flag, v);
        else if (flag == "--threads") s.threads = whole<int>(flag, v);
        else if (flag == "--cache") s.cache = v;
        else if (flag == "--synthetic-count") s.synthetic_count = whole(flag, v);
        else if (flag == "--intensity") {
            if (v != "none" && v != "stretch") throw usage_error("--intensity takes none or stretch, got '" + v + "'");
            s.intensity = ig::data::parse_intensity_mode(v);
        }
        else if (flag == "--out") s.out = v;
        else if (flag == "--device") {
            if (v != "cpu" && v != "cuda") throw usage_error("--device takes cpu or cuda, got '" + v + "'");
            s.device = v;
        }
        else throw usage_error("unknown flag '" + flag + "'");
    }
    if (s.out.empty()) throw usage_error("--out RUN is required");
    if (!(s.fraction >= 0 && s.fraction <= 1)) throw usage_error("--fraction must be in [0, 1]");
    if (s.fraction == 0 && s.synthetic.empty())
        throw usage_error("--fraction 0 trains on --synthetic pairs alone: give at least one --synthetic DIR");
    if (!(s.test_fraction > 0 && s.test_fraction < 1)) throw usage_error("--test-fraction must be in (0, 1)");
    if (s.size == 0 || s.size % 16 != 0) throw usage_error("--size must be a positive multiple of 16");
    if (s.epochs == 0 || s.batch == 0) throw usage_error("--epochs and --batch must be at least 1");
    if (!(s.lr > 0)) throw usage_error("--lr must be positive");
    if (!(s.dice >= 0)) throw usage_error("--dice must not be negative");
    if (s.width != 1.0 && s.width != 0.25 && s.width != 0.125)
        throw usage_error("--width must be 1, 0.25 or 0.125 (channel counts are compile-time)");
    if ((s.modality == 0) != s.modalities.empty())
        throw usage_error("--modalities and --modality K (1..k) go together");
    if (s.data.empty() && s.modality) throw usage_error("--modality needs --data");
#ifndef ISINGGAN_EXAMPLES_CUDA
    if (s.device == "cuda")
        throw usage_error("--device cuda: this build has no CUDA backend (build with the CUDA toolkit and cuDNN "
                          "installed)");
#endif
    return s;
}

/// a followed by b (both of the same side).
ig::data::image_mask_set joined(const ig::data::image_mask_set& a, const ig::data::image_mask_set& b) {
    if (a.empty()) return b;
    if (b.empty()) return a;
    if (a.side() != b.side()) throw ig::shape_error("cannot join pairs of side " + std::to_string(a.side()) + " and " +
                                                    std::to_string(b.side()));
    ig::data::image_mask_set out;
    const auto is = a.images.shape();
    out.images.resize({a.size() + b.size(), is.c, is.h, is.w});
    out.masks.resize({a.size() + b.size(), 1, is.h, is.w});
    std::copy(a.images.begin(), a.images.end(), out.images.begin());
    std::copy(b.images.begin(), b.images.end(), out.images.begin() + long(a.images.size()));
    std::copy(a.masks.begin(), a.masks.end(), out.masks.begin());
    std::copy(b.masks.begin(), b.masks.end(), out.masks.begin() + long(a.masks.size()));
    out.ids = a.ids;
    out.ids.insert(out.ids.end(), b.ids.begin(), b.ids.end());
    return out;
}

ig::data::image_mask_set load_folder(const fs::path& dir, const settings& s) {
    if (!fs::is_directory(dir)) throw ig::io_error(dir.string() + ": no such folder");
    ig::io::dataset_options o;
    o.size = s.size;
    o.cache_dir = s.cache;
    o.intensity = s.intensity;
    return ig::io::load_dataset(dir, o).data;
}

std::string json_string(const std::string& v) {
    std::string out = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\') out += '\\', out += c;
        else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else out += c;
    }
    return out + "\"";
}

split_sets prepare(const settings& s) {
    ig::io::training_data_options t;
    t.data_dir = s.data;
    t.size = s.size;
    t.modalities_csv = s.modalities;
    t.modality = s.modality;
    t.cache_dir = s.cache;
    t.synthetic_count = s.synthetic_count;
    t.synthetic_seed = s.split_seed;
    t.intensity = s.intensity;
    if (!s.data.empty() && !fs::is_directory(s.data)) throw ig::io_error(s.data.string() + ": no such folder");
    const ig::data::image_mask_set real = ig::io::load_training_data(t);
    split_sets out;
    out.real_total = real.size();

    // Test split first, then --fraction of what remains, both from --split-seed,
    // so the test set is the same for every fraction and every augmentation
    // (and the images a GAN trained with --holdout F --split-seed S never saw).
    std::vector<std::size_t> train_idx;
    if (s.test_data.empty()) {
        const ig::data::held_out_split split = ig::data::split_held_out(real.size(), s.test_fraction, s.split_seed);
        out.test = ig::data::subset(real, split.test);
        train_idx = split.train;
    } else {
        out.test = load_folder(s.test_data, s);
        train_idx = ig::data::shuffled_indices(real.size(), s.split_seed);
    }
    // --fraction 0 trains on the synthetic pairs alone (TSTR: train on synthetic, test on real).
    const auto keep = s.fraction == 0 ? std::size_t(0)
                                      : std::max<std::size_t>(1, std::size_t(std::llround(s.fraction * double(train_idx.size()))));
    train_idx.resize(keep);
    std::sort(train_idx.begin(), train_idx.end());
    out.train = ig::data::subset(real, train_idx);
    out.real_train = out.train.size();
    for (const fs::path& dir : s.synthetic) {
        const ig::data::image_mask_set extra = load_folder(dir, s);
        out.synthetic += extra.size();
        out.train = joined(out.train, extra);
    }
    if (out.test.empty()) throw ig::argument_error("the test set is empty");
    return out;
}

/// The training run on the device --device names (parse refused cuda where this build has no CUDA backend).
unet_program::training_result train_on_device(const settings& s, const split_sets& sets) {
#ifdef ISINGGAN_EXAMPLES_CUDA
    if (s.device == "cuda") return unet_program::train_on_gpu(s, sets);
#endif
    return unet_program::train<ig::cpu>(s, sets);
}

int run(const settings& s) {
    const auto start = std::chrono::steady_clock::now();
#ifdef ISINGGAN_EXAMPLES_CUDA
    if (s.device == "cuda") unet_program::require_gpu();
#endif
    const split_sets sets = prepare(s);
    std::cerr << "training on " << sets.real_train << " real + " << sets.synthetic << " synthetic pairs, testing on "
              << sets.test.size() << " (" << s.size << "x" << s.size << ", width " << s.width << ", " << s.device
              << ")\n";
    fs::create_directories(s.out);

    const unet_program::training_result trained = train_on_device(s, sets);
    const ig::metrics::iou_accumulator& iou = trained.iou;
    const double last_loss = trained.final_loss, train_seconds = trained.train_seconds;
    std::ofstream per_image(s.out / "per_image_iou.csv");
    per_image << "id,iou\n";
    for (std::size_t i = 0; i < iou.images(); ++i) per_image << sets.test.ids[i] << ',' << iou.per_image()[i] << '\n';
    // What it trained on: the real training images, then the --synthetic pairs (never tested on).
    std::ofstream trained_on(s.out / "training_images.csv");
    trained_on << "id,source\n";
    for (std::size_t i = 0; i < sets.train.size(); ++i)
        trained_on << sets.train.ids[i] << ',' << (i < sets.real_train ? "real" : "synthetic") << '\n';
    if (!per_image) throw ig::io_error((s.out / "per_image_iou.csv").string() + ": cannot write");
    if (!trained_on) throw ig::io_error((s.out / "training_images.csv").string() + ": cannot write");

    const auto q = iou.per_image_quartiles();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::ostringstream j;
    j.precision(6);
    j << "{\n  \"iou\": " << iou.mean_per_image() << ",\n  \"iou_mean_per_image\": " << iou.mean_per_image()
      << ",\n  \"iou_pooled\": " << iou.pooled() << ",\n  \"iou_per_image_quartiles\": {\"min\": " << q.min
      << ", \"q1\": " << q.q1 << ", \"median\": " << q.median << ", \"q3\": " << q.q3 << ", \"max\": " << q.max
      << "},\n  \"test_images\": " << sets.test.size() << ",\n  \"real_images\": " << sets.real_total
      << ",\n  \"real_training_images\": " << sets.real_train
      << ",\n  \"synthetic_training_images\": " << sets.synthetic << ",\n  \"epochs\": " << s.epochs
      << ",\n  \"final_training_loss\": " << last_loss << ",\n  \"train_seconds\": " << train_seconds
      << ",\n  \"seconds\": " << seconds << ",\n  \"size\": " << s.size << ",\n  \"width\": " << s.width
      << ",\n  \"batch\": " << s.batch << ",\n  \"lr\": " << s.lr << ",\n  \"dice_weight\": " << s.dice
      << ",\n  \"fraction\": " << s.fraction << ",\n  \"test_fraction\": "
      << (s.test_data.empty() ? s.test_fraction : 0.0) << ",\n  \"split_seed\": " << s.split_seed
      << ",\n  \"seed\": " << s.seed << ",\n  \"intensity\": " << json_string(ig::data::to_string(s.intensity)) << ",\n  \"device\": " << json_string(s.device) << ",\n  \"data\": " << json_string(s.data.string())
      << ",\n  \"modality\": " << s.modality << ",\n  \"test_data\": " << json_string(s.test_data.string())
      << ",\n  \"synthetic\": [";
    for (std::size_t i = 0; i < s.synthetic.size(); ++i) j << (i ? ", " : "") << json_string(s.synthetic[i].string());
    j << "]\n}\n";
    {
        std::ofstream m(s.out / "metrics.json.tmp");
        m << j.str();
        if (!m) throw ig::io_error((s.out / "metrics.json").string() + ": cannot write");
    }
    fs::rename(s.out / "metrics.json.tmp", s.out / "metrics.json");  // metrics.json appears complete or not at all

    std::printf("IoU (mean per image): %.4f  pooled: %.4f  median: %.4f  (%zu test images, %.0f s)\n",
                iou.mean_per_image(), iou.pooled(), q.median, iou.images(), seconds);
    std::printf("IoU: %.4f\n", iou.mean_per_image());
    std::printf("wrote %s\n", (s.out / "metrics.json").string().c_str());
    return 0;
}

}  // namespace

/// The flags of `unet evaluate` (argv[1] is "evaluate").
unet_program::evaluate_settings parse_evaluate(int argc, char** argv, int& threads) {
    unet_program::evaluate_settings e;
    for (int i = 2; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") throw usage_error("");
        if (i + 1 >= argc) throw usage_error(flag.rfind("--", 0) == 0 ? flag + " needs a value" : "unexpected '" + flag + "'");
        const std::string v = argv[++i];
        if (flag == "--checkpoint") e.checkpoint = v;
        else if (flag == "--data") e.data = v;
        else if (flag == "--out") e.out = v;
        else if (flag == "--cache") e.cache = v;
        else if (flag == "--size") e.size = whole<std::size_t>(flag, v);
        else if (flag == "--width") e.width = number(flag, v);
        else if (flag == "--batch") e.batch = whole<std::size_t>(flag, v);
        else if (flag == "--threads") threads = whole<int>(flag, v);
        else throw usage_error("'evaluate' does not take " + flag);
    }
    if (e.checkpoint.empty() || e.data.empty()) throw usage_error("evaluate needs --checkpoint CK and --data DIR");
    if (e.batch == 0) throw usage_error("--batch must be at least 1");
    return e;
}

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "evaluate") {
        int threads = 0;
        unet_program::evaluate_settings e;
        try {
            e = parse_evaluate(argc, argv, threads);
        } catch (const usage_error& err) {
            if (*err.what()) std::cerr << "unet evaluate: " << err.what() << "\n";
            std::cerr << usage_text;
            return *err.what() ? 2 : 0;
        }
#if defined(_OPENMP)
        if (threads > 0) omp_set_num_threads(threads);
#endif
        try {
            return unet_program::evaluate(e);
        } catch (const std::exception& err) {
            std::cerr << "unet evaluate: " << err.what() << "\n";
            return 1;
        }
    }
    settings s;
    try {
        s = parse(argc, argv);
    } catch (const usage_error& e) {
        if (*e.what()) std::cerr << "unet: " << e.what() << "\n";
        std::cerr << usage_text;
        return *e.what() ? 2 : 0;
    }
#if defined(_OPENMP)
    if (s.threads > 0) omp_set_num_threads(s.threads);
#endif
    try {
        return run(s);
    } catch (const ig::train::training_diverged& e) {
        std::cerr << "unet: " << e.what() << "\n";
        return 3;
    } catch (const std::exception& e) {
        std::cerr << "unet: " << e.what() << "\n";
        return 1;
    }
}
