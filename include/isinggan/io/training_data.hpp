#pragma once
// The data a GAN of the paper trains on, from command-line style settings:
// a dataset folder (optionally one modality of it) or, without one, the
// embedded synthetic nuclei; optionally expanded by the 8 dihedral transforms
// (the paper's "simple rotations"). Include only from code that links isinggan::io.
//
//   --data DIR --size 64 --modalities modalities.csv --modality 2 --augment
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>

#include "isinggan/core/error.hpp"
#include "isinggan/data/dihedral.hpp"
#include "isinggan/data/image_mask_set.hpp"
#include "isinggan/data/synthetic_nuclei.hpp"
#include "isinggan/io/dataset.hpp"
#include "isinggan/io/modalities_csv.hpp"

namespace isinggan::io {

struct training_data_options {
    std::filesystem::path data_dir;         ///< empty: synthetic_nuclei
    std::size_t size = 64;                  ///< side S
    std::filesystem::path modalities_csv;   ///< with `modality`: keep only that modality
    std::size_t modality = 0;               ///< 1..k; 0: every image
    bool dihedral_expansion = false;        ///< x8 with the dihedral transforms
    bool lenient = false;
    std::filesystem::path cache_dir;
    std::size_t synthetic_count = 256;      ///< samples generated without a data_dir
    std::uint64_t synthetic_seed = 0;
    std::ostream* log = &std::cerr;
    data::intensity_mode intensity = data::intensity_mode::none;  ///< per-image contrast stretch or none
};

inline data::image_mask_set load_training_data(const training_data_options& o) {
    if ((o.modality == 0) != o.modalities_csv.empty())
        throw argument_error("load_training_data: a modality needs a modalities file and a modalities file needs a "
                             "modality (1..k)");
    data::image_mask_set set;
    if (o.data_dir.empty()) {
        if (o.modality) throw argument_error("load_training_data: selecting a modality needs a dataset folder");
        set = data::synthetic_nuclei(o.synthetic_count, o.size, o.synthetic_seed);
        data::apply_intensity(o.intensity, set.images);
        if (o.log)
            *o.log << "no dataset given: using " << set.size() << " synthetic nuclei images of " << o.size << "x"
                   << o.size << " (seed " << o.synthetic_seed << ")\n";
    } else {
        dataset_options d;
        d.size = o.size;
        d.lenient = o.lenient;
        d.cache_dir = o.cache_dir;
        d.log = o.log;
        d.intensity = o.intensity;
        if (o.modality) d.only_ids = ids_of_modality(read_modalities_csv(o.modalities_csv), o.modality);
        set = load_dataset(o.data_dir, d).data;
    }
    if (o.dihedral_expansion) set = data::expand_dihedral(set);
    return set;
}

}  // namespace isinggan::io
