#pragma once
// `fid table`: the paper's Table 2, the FID of each GAN's exported samples
// against the real images of the modality it was trained on.
//
//   fid table --weights FILE --data DATASET --modalities CSV --out DIR
//             --fake MODEL:K=PATH [--fake MODEL:K=PATH ...] [--batch 50] [--device cpu|cuda]
//
// The real images of modality K are the dataset's images whose ids the
// modalities table (written by examples/modalities) puts in K. A PATH is an
// export folder (images/*.png; masks/ is skipped) or a .npz of statistics.
// Writes DIR/table2.csv (model, modality, images, FID, KID and its std) and DIR/table2.md
// (models × modalities), and the real sets' statistics as
// DIR/real_modality_K.npz for reuse with `fid`.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "image_statistics.hpp"
#include "isinggan/io/dataset_listing.hpp"
#include "isinggan/io/modalities_csv.hpp"

namespace fid_program {

struct table_options {
    std::string weights, data, modalities, out;
    std::string device = "cpu";
    std::size_t batch = 50;
    struct fake_set {
        std::string model;
        std::size_t modality;
        std::string path;
    };
    std::vector<fake_set> fakes;
};

/// "MODEL:K=PATH".
inline table_options::fake_set parse_fake(const std::string& spec) {
    const auto colon = spec.find(':'), eq = spec.find('=');
    if (colon == std::string::npos || eq == std::string::npos || colon == 0 || eq < colon + 2 || eq + 1 == spec.size())
        throw argument_error("--fake expects MODEL:K=PATH (e.g. ising_resgan:1=runs/m1/export), got '" + spec + "'");
    const std::string k = spec.substr(colon + 1, eq - colon - 1);
    char* end = nullptr;
    const long m = std::strtol(k.c_str(), &end, 10);
    if (*end != '\0' || m < 1) throw argument_error("--fake " + spec + ": modality must be a positive integer");
    return {spec.substr(0, colon), std::size_t(m), spec.substr(eq + 1)};
}

inline int run_table(const table_options& o) {
    if (o.data.empty() || o.modalities.empty() || o.out.empty() || o.fakes.empty())
        throw argument_error("fid table needs --data, --modalities, --out and at least one --fake");
    if (o.weights.empty() || !fs::is_regular_file(o.weights)) {
        std::cerr << "fid table: the Inception weights are absent"
                  << (o.weights.empty() ? "" : " (" + o.weights + " not found)") << ", so Table 2 cannot be computed.\n"
                  << fid_weights_instructions << "\n";
        return 1;
    }
    lazy_model model(o.weights, o.device);
    const auto listing = io::list_dataset(o.data, /*lenient=*/true);
    const auto rows = io::read_modalities_csv(o.modalities);
    fs::create_directories(o.out);

    std::set<std::size_t> modalities;
    for (const auto& f : o.fakes) modalities.insert(f.modality);
    std::map<std::size_t, metrics::fid_statistics> real;
    std::map<std::size_t, std::vector<float>> real_features;  // for the KID
    for (std::size_t k : modalities) {
        const auto ids = io::ids_of_modality(rows, k);
        const std::unordered_set<std::string> wanted(ids.begin(), ids.end());
        std::vector<fs::path> files;
        for (const auto& s : listing.samples)
            if (wanted.count(s.id)) files.push_back(s.image);
        real[k] = image_statistics(files, "real modality " + std::to_string(k), model.get(), o.batch, &real_features[k]);
        metrics::write_fid_statistics(fs::path(o.out) / ("real_modality_" + std::to_string(k) + ".npz"), real[k]);
    }

    std::ofstream csv(fs::path(o.out) / "table2.csv");
    csv << "model,modality,real_images,generated_images,fid,kid,kid_std\n";
    csv.precision(10);
    std::map<std::string, std::map<std::size_t, double>> table, kid_table;
    bool biased = false;
    for (const auto& f : o.fakes) {
        std::vector<float> fake_features;
        const auto fake = path_statistics(f.path, model, o.batch, &fake_features);
        const auto& r = real.at(f.modality);
        const double d = metrics::frechet_distance(fake, r);
        biased |= metrics::small_sample_warning(fake).has_value() || metrics::small_sample_warning(r).has_value();
        table[f.model][f.modality] = d;
        // A .npz does not record how many images it came from: that cell stays empty.
        csv << f.model << ',' << f.modality << ',' << r.count << ','
            << (fake.count ? std::to_string(fake.count) : std::string()) << ',' << d << ',';
        // The KID needs the generated set's features: none for a .npz, whose cells stay empty.
        if (!fake_features.empty()) {
            const auto kid = features_kid(fake_features, real_features.at(f.modality));
            kid_table[f.model][f.modality] = kid.mean;
            csv << kid.mean << ',' << kid.std << '\n';
            std::printf("%s, modality %zu: FID %.3f, KID %.5f ± %.5f\n", f.model.c_str(), f.modality, d, kid.mean,
                        kid.std);
        } else {
            csv << ",\n";
            std::printf("%s, modality %zu: FID %.3f\n", f.model.c_str(), f.modality, d);
        }
    }
    std::ofstream md(fs::path(o.out) / "table2.md");
    // One models × modalities table of `values`, cells printed with `format`.
    auto write_table = [&](const std::map<std::string, std::map<std::size_t, double>>& values, const char* format) {
        md << "| model |";
        for (std::size_t k : modalities) md << " modality " << k << " |";
        md << "\n|---|";
        for (std::size_t i = 0; i < modalities.size(); ++i) md << "---:|";
        md << '\n';
        for (const auto& [name, row] : values) {
            md << "| " << name << " |";
            for (std::size_t k : modalities) {
                char cell[32] = " — ";
                if (auto it = row.find(k); it != row.end()) std::snprintf(cell, sizeof cell, format, it->second);
                md << cell << '|';
            }
            md << '\n';
        }
    };
    md << "FID (lower is better)\n\n";
    write_table(table, " %.2f ");
    if (!kid_table.empty()) {
        md << "\nKID (unbiased at any set size; mean over subsets, standard deviations in table2.csv)\n\n";
        write_table(kid_table, " %.5f ");
    }
    if (biased)
        md << "\nSome sets have fewer than 2048 images: their covariances are rank-deficient and these FIDs are "
              "biased upwards (not comparable with published values).\n";
    std::cerr << "wrote " << (fs::path(o.out) / "table2.md") << " and table2.csv\n";
    return 0;
}

}  // namespace fid_program
