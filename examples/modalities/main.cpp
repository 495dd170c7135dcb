// Splits an annotated dataset into imaging modalities, as the paper does
// before training one GAN per modality (sec. 3): 18 histogram texture
// features per image (mean, contrast, smoothness, uniformity, third moment and
// entropy of each RGB channel), standardised, clustered by seeded k-means.
//
//   modalities --data ../shared/data/bbbc038 --k 5 --seed 0 --out modalities.csv
//
// writes image_id,modality,<18 features> with modalities numbered 1..k by
// decreasing size, and prints the cluster sizes. The trainers then keep one
// modality with --modality M --modalities modalities.csv.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "isinggan/data/kmeans.hpp"
#include "isinggan/data/texture_features.hpp"
#include "isinggan/io/dataset_listing.hpp"
#include "isinggan/io/modalities_csv.hpp"
#include "isinggan/io/png.hpp"
#include "isinggan/train/progress.hpp"

#include "../common/cli.hpp"

namespace ig = isinggan;
namespace cli = isinggan::examples::cli;

namespace {

struct arguments {
    std::string data = "../shared/data/bbbc038";
    std::string out = "modalities.csv";
    std::size_t k = 5;
    std::size_t restarts = 10;
    std::uint64_t seed = 0;
    bool lenient = false;
    bool standardize = true;
};

/// Parses argv into `a`; false when --help asked for the help, which is printed.
bool parse(int argc, char** argv, arguments& a) {
    CLI::App app("modalities: splits an annotated dataset into imaging modalities (18 histogram texture features "
                 "per image, standardised, seeded k-means), as the paper does before training one GAN per modality",
                 "modalities");
    cli::path(app, "--data DIR", a.data,
              "a dataset in the Kaggle/BBBC038 layout or the flat images/ + masks/ layout (default "
              "../shared/data/bbbc038)");
    cli::whole(app, "--k K", a.k, "clusters (default 5)", {.least = 1});
    cli::whole(app, "--seed S", a.seed, "k-means' seed (default 0)");
    cli::whole(app, "--restarts R", a.restarts, "k-means restarts, the best one kept (default 10)");
    cli::path(app, "--out FILE", a.out, "the table to write: image_id,modality,<18 features> (default modalities.csv)");
    cli::flag(app, "--lenient", a.lenient,
              "skip (with a warning) the samples that cannot be read, instead of stopping");
    bool raw = false;
    cli::flag(app, "--raw-features", raw,
              "cluster the features as they are instead of standardised (z-scores); the intensity means and "
              "contrasts, on a 0..255 scale, then dominate");
    const cli::parsed parsed = cli::parse(app, argc, argv);
    if (parsed.help) {
        std::cout << *parsed.help;
        return false;
    }
    a.standardize = !raw;
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    arguments args;
    try {
        if (!parse(argc, argv, args)) return 0;
    } catch (const isinggan::examples::usage_error& e) {
        return cli::refuse("modalities", e.what(), "modalities");
    }
    try {
        const auto listing = ig::io::list_dataset(args.data, args.lenient);
        for (const auto& w : listing.warnings) std::cerr << "warning: " << w << " (sample skipped)\n";
        const std::size_t n = listing.samples.size();

        // Only the images are needed: decode them on every core.
        std::vector<double> features(n * ig::data::modality_feature_count);
        std::vector<std::string> failures(n);
        {
            ig::train::progress_reporter progress("features", n);
#pragma omp parallel for schedule(dynamic, 1)
            for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(n); ++i) {
                try {
                    const auto f = ig::data::modality_features(ig::io::read_png(listing.samples[i].image));
                    std::copy(f.begin(), f.end(), features.begin() + i * ig::data::modality_feature_count);
                } catch (const std::exception& e) {
                    failures[i] = e.what();
                }
                progress.advance();
            }
        }
        std::vector<ig::io::modality_row> rows;
        std::vector<double> kept;
        for (std::size_t i = 0; i < n; ++i) {
            if (!failures[i].empty()) {
                if (!args.lenient) throw ig::io_error(failures[i]);
                std::cerr << "warning: " << failures[i] << " (sample skipped)\n";
                continue;
            }
            const auto begin = features.begin() + i * ig::data::modality_feature_count;
            rows.push_back({listing.samples[i].id, 0, {begin, begin + ig::data::modality_feature_count}});
            kept.insert(kept.end(), begin, begin + ig::data::modality_feature_count);
        }

        ig::data::kmeans_options options;
        options.k = args.k;
        options.seed = args.seed;
        options.restarts = args.restarts;
        const auto points = args.standardize ? ig::data::standardize(kept, ig::data::modality_feature_count) : kept;
        auto clusters = ig::data::kmeans(points, ig::data::modality_feature_count, options);
        ig::data::order_by_size(clusters);
        for (std::size_t i = 0; i < rows.size(); ++i) rows[i].modality = clusters.labels[i] + 1;
        ig::io::write_modalities_csv(args.out, rows, ig::data::modality_feature_names());

        std::cout << "clustered " << rows.size() << " images of " << args.data << " into " << args.k
                  << " modalities (" << (args.standardize ? "standardised" : "raw") << " features, seed " << args.seed
                  << ", " << args.restarts << " restarts), wrote " << args.out << "\n";
        for (std::size_t c = 0; c < args.k; ++c) {
            // Mean intensity of R, G, B in the cluster (features 0, 6, 12), undoing the standardisation.
            double mean_rgb[3] = {0, 0, 0};
            for (std::size_t i = 0; i < rows.size(); ++i)
                if (clusters.labels[i] == c)
                    for (std::size_t ch = 0; ch < 3; ++ch) mean_rgb[ch] += rows[i].features[ch * 6];
            for (double& m : mean_rgb) m /= static_cast<double>(std::max<std::size_t>(clusters.sizes[c], 1));
            std::printf("modality %zu: %4zu images  (average mean intensity R %5.1f  G %5.1f  B %5.1f)\n", c + 1,
                        clusters.sizes[c], mean_rgb[0], mean_rgb[1], mean_rgb[2]);
        }
        std::cout << "cluster sizes:";
        for (std::size_t s : clusters.sizes) std::cout << ' ' << s;
        std::cout << "\n";
    } catch (const ig::error& e) {
        std::cerr << "modalities: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
