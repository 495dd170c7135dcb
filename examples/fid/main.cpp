// fid: the Fréchet Inception Distance between two image sets, as pytorch-fid
// computes it, and the paper's Table 2.
//
//   fid PATH_A PATH_B --weights FILE [--batch 50] [--threads T] [--device cpu|cuda] [--save-stats OUT.npz]
//   fid PATH_A --weights FILE --save-stats OUT.npz
//   fid table --weights FILE --data DATASET --modalities CSV --out DIR --fake MODEL:K=PATH ...
//   fid init-weights --out FILE [--seed S]
//
// A PATH is a folder of PNG images, searched recursively (the Kaggle layout
// <id>/images/<id>.png, the flat layout images/*.png and exported samples all
// work: folders named "masks" are skipped), or a .npz file of statistics in
// pytorch-fid's format (arrays mu and sigma). --save-stats writes PATH_A's
// statistics. --device cuda runs the Inception on the GPU (images are still
// read and resized on the host). Prints "FID: <value>", and for two folders
// also "KID: <mean> ± <std> (...)" (metrics/kid.hpp). init-weights writes a
// randomly initialised Inception, to check the pipeline without the download
// (its distances mean nothing). See README.md.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "image_statistics.hpp"
#include "init_weights.hpp"
#include "table2.hpp"

using namespace fid_program;

namespace {

struct options {
    std::vector<std::string> paths;
    std::string weights, save_stats, device = "cpu";
    std::size_t batch = 50;
    int threads = 0;
    bool table = false, init_weights = false;
    table_options table_opts;
    std::string init_out;
    std::uint64_t init_seed = 1;
};

const char* usage =
    "usage: fid PATH_A PATH_B --weights FILE [--batch 50] [--threads T] [--device cpu|cuda] [--save-stats OUT.npz]\n"
    "       fid PATH_A --weights FILE --save-stats OUT.npz\n"
    "       fid table --weights FILE --data DATASET --modalities CSV --out DIR --fake MODEL:K=PATH [--fake ...]\n"
    "       fid init-weights --out FILE [--seed S]   (random weights: checks the pipeline, its FIDs mean nothing)\n"
    "  PATH: a folder of PNG images (searched recursively; folders named \"masks\" are skipped)\n"
    "        or pytorch-fid statistics (.npz with arrays mu and sigma)\n"
    "  --device: where the Inception runs, cpu (default) or cuda (the GPU; images are still read on the host)\n";

options parse(int argc, char** argv) {
    options o;
    int first = 1;
    if (argc > 1 && std::string(argv[1]) == "table") {
        o.table = true;
        first = 2;
    } else if (argc > 1 && std::string(argv[1]) == "init-weights") {
        o.init_weights = true;
        first = 2;
    }
    for (int i = first; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw argument_error(a + " needs a value");
            return argv[++i];
        };
        // A positive whole number that fits an int (the thread count's type): larger ones are refused, not wrapped.
        auto number = [&](const std::string& v) {
            errno = 0;
            char* end = nullptr;
            const long n = std::strtol(v.c_str(), &end, 10);
            if (v.empty() || *end != '\0' || n < 1) throw argument_error(a + " needs a positive integer, got \"" + v + "\"");
            if (errno == ERANGE || n > std::numeric_limits<int>::max())
                throw argument_error(a + " is out of range: \"" + v + "\" (at most " +
                                     std::to_string(std::numeric_limits<int>::max()) + ")");
            return n;
        };
        if (o.init_weights) {
            if (a == "--out")
                o.init_out = value();
            else if (a == "--seed")
                o.init_seed = std::uint64_t(number(value()));
            else if (a == "-h" || a == "--help") {
                std::cout << usage;
                std::exit(0);
            } else
                throw argument_error("fid init-weights takes --out FILE and --seed S, got \"" + a + "\"");
        } else if (a == "--weights")
            o.weights = value();
        else if (a == "--batch")
            o.batch = std::size_t(number(value()));
        else if (a == "--threads")
            o.threads = int(number(value()));
        else if (a == "--device")
            o.device = value();
        else if (a == "-h" || a == "--help") {
            std::cout << usage;
            std::exit(0);
        } else if (!o.table && a == "--save-stats")
            o.save_stats = value();
        else if (o.table && a == "--data")
            o.table_opts.data = value();
        else if (o.table && a == "--modalities")
            o.table_opts.modalities = value();
        else if (o.table && a == "--out")
            o.table_opts.out = value();
        else if (o.table && a == "--fake")
            o.table_opts.fakes.push_back(parse_fake(value()));
        else if (a.rfind("--", 0) == 0)
            throw argument_error("unknown option " + a);
        else if (!o.table)
            o.paths.push_back(a);
        else
            throw argument_error("fid table takes no paths, got \"" + a + "\"");
    }
    if (o.init_weights) {
        if (o.init_out.empty()) throw argument_error("fid init-weights needs --out FILE");
        return o;
    }
    if (o.device != "cpu" && o.device != "cuda")
        throw argument_error("--device must be cpu or cuda, got \"" + o.device + "\"");
#ifndef ISINGGAN_EXAMPLES_CUDA
    if (o.device == "cuda")
        throw argument_error(
            "--device cuda: this build has no CUDA backend (build it where the CUDA toolkit and cuDNN are installed)");
#endif
    o.table_opts.weights = o.weights;
    o.table_opts.batch = o.batch;
    o.table_opts.device = o.device;
    if (!o.table && o.paths.size() != 2 && !(!o.save_stats.empty() && o.paths.size() == 1))
        throw argument_error("expected two paths (or one with --save-stats)");
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const options o = parse(argc, argv);
#if defined(_OPENMP)
        if (o.threads > 0) omp_set_num_threads(o.threads);
#endif
        if (o.init_weights) {
            const std::size_t n = write_random_inception(o.init_out, o.init_seed);
            std::cerr << "wrote " << n << " random Inception weights (seed " << o.init_seed << ") to " << o.init_out
                      << "; FIDs computed with them only check the pipeline\n";
            return 0;
        }
        if (o.table) return run_table(o.table_opts);
        lazy_model model(o.weights, o.device);
        std::vector<metrics::fid_statistics> stats;
        std::vector<std::vector<float>> features(o.paths.size());
        for (std::size_t i = 0; i < o.paths.size(); ++i) {
            stats.push_back(path_statistics(o.paths[i], model, o.batch, &features[i]));
            if (auto warning = metrics::small_sample_warning(stats.back()))
                std::cerr << "warning: " << o.paths[i] << ": " << *warning << "\n";
        }
        if (!o.save_stats.empty()) {
            metrics::write_fid_statistics(o.save_stats, stats.front());
            std::cerr << "statistics of " << o.paths.front() << " written to " << o.save_stats << "\n";
        }
        if (stats.size() == 2) {
            std::printf("FID: %.6f\n", metrics::frechet_distance(stats[0], stats[1]));
            // The KID needs the features themselves: two folders, not .npz statistics.
            if (!features[0].empty() && !features[1].empty())
                std::printf("%s\n", kid_line(features[0], features[1]).c_str());
        }
        return 0;
    } catch (const argument_error& e) {
        std::cerr << "fid: " << e.what() << "\n" << usage;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "fid: " << e.what() << "\n";
        return 1;
    }
}
