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
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "image_statistics.hpp"
#include "init_weights.hpp"
#include "../common/cli.hpp"
#include "../common/program_main.hpp"
#include "table2.hpp"

using namespace fid_program;
namespace cli = isinggan::examples::cli;
using isinggan::examples::usage_error;

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
    std::optional<std::string> help;  // --help: the text to print
};

/// The flags of the distance and of `fid table` alike: the Inception and where it runs.
void declare_inception(CLI::App& command, std::string& weights, std::size_t& batch, std::string& device, int& threads) {
    cli::path(command, "--weights FILE", weights,
              "pytorch-fid's Inception weights, converted (README.md, \"Weights\"); needed for image folders");
    cli::whole(command, "--batch N", batch, "images through the Inception at a time (default 50)", {.least = 1});
    cli::threads(command, threads);
    cli::choice(command, "--device", device, {"cpu", "cuda"},
                "where the Inception runs: cpu (default) or cuda (the GPU; images are still read on the host)");
}

options parse(int argc, char** argv) {
    options o;
    CLI::App app("fid: the Fréchet Inception Distance between two image sets as pytorch-fid computes it (and for "
                 "two folders the KID), and the paper's Table 2 (examples/fid/README.md)",
                 "fid");
    cli::each(app, "PATH",
              "a folder of PNG images (searched recursively; folders named \"masks\" are skipped) or pytorch-fid "
              "statistics (.npz with arrays mu and sigma): two to compare, or one with --save-stats",
              [&o](const std::string& text) { o.paths.push_back(cli::path("PATH", text)); })
        ->expected(1, -1)
        ->allow_extra_args();  // every PATH given, so that a third one is refused by the count below
    declare_inception(app, o.weights, o.batch, o.device, o.threads);
    cli::path(app, "--save-stats OUT.npz", o.save_stats, "write the first PATH's statistics here (pytorch-fid's .npz)");

    CLI::App& table = *app.add_subcommand(
        "table", "the paper's Table 2: the FID of each GAN's pairs against the real images of its modality");
    cli::path(table, "--data DATASET", o.table_opts.data, "the real images, Kaggle or flat layout (required)");
    cli::path(table, "--modalities CSV", o.table_opts.modalities,
              "the modality of each image, as the modalities program writes it (required)");
    cli::path(table, "--out DIR", o.table_opts.out,
              "the folder of table2.md, table2.csv and the real sets' statistics (required)");
    cli::each(table, "--fake MODEL:K=PATH",
              "a GAN's generated set (an export folder or a .npz) for modality K; repeatable (at least one)",
              [&o](const std::string& text) {
                  try {
                      o.table_opts.fakes.push_back(parse_fake(text));
                  } catch (const argument_error& e) {
                      throw usage_error(e.what());
                  }
              });
    declare_inception(table, o.table_opts.weights, o.table_opts.batch, o.table_opts.device, o.threads);

    CLI::App& init = *app.add_subcommand(
        "init-weights", "write a randomly initialised Inception: checks the pipeline, its FIDs mean nothing");
    cli::path(init, "--out FILE", o.init_out, "the weights file to write (required)");
    cli::whole(init, "--seed S", o.init_seed, "the weights' seed (default 1)");

    const cli::parsed parsed = cli::parse(app, argc, argv);
    if (parsed.help) {
        o.help = parsed.help;
        return o;
    }
    if (parsed.command == &init) {
        o.init_weights = true;
        if (o.init_out.empty()) throw usage_error("fid init-weights needs --out FILE");
        return o;
    }
    o.table = parsed.command == &table;
#ifndef ISINGGAN_EXAMPLES_CUDA
    if ((o.table ? o.table_opts.device : o.device) == "cuda")
        throw usage_error(
            "--device cuda: this build has no CUDA backend (build it where the CUDA toolkit and cuDNN are installed)");
#endif
    if (o.table) {
        const table_options& t = o.table_opts;
        if (t.data.empty() || t.modalities.empty() || t.out.empty() || t.fakes.empty())
            throw usage_error("fid table needs --data, --modalities, --out and at least one --fake");
    } else if (o.paths.size() != 2 && !(!o.save_stats.empty() && o.paths.size() == 1)) {
        throw usage_error("expected two paths (or one with --save-stats)");
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    namespace ex = isinggan::examples;
    return ex::program_main("fid", "fid [table|init-weights]", argc, argv, [&](ex::job&) {
        const options o = parse(argc, argv);
        if (o.help) {
            std::cout << *o.help;
            return 0;
        }
        ex::set_threads(o.threads);
        try {
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
        } catch (const argument_error& e) {  // a missing --weights, found when a folder needs them
            return cli::refuse("fid", e.what(), "fid [table|init-weights]");
        }
    });
}
