// Tests include/isinggan/io/training_data.hpp: the synthetic fallback, one
// modality of a dataset, the dihedral expansion, inconsistent settings.
#include <doctest/doctest.h>

#include "support/temp_directory.hpp"
#include "isinggan/io/dataset_writer.hpp"
#include "isinggan/io/training_data.hpp"

namespace io = isinggan::io;

TEST_CASE("training data: without a folder, synthetic nuclei, expanded x8 on request") {
    io::training_data_options o;
    o.size = 16;
    o.synthetic_count = 5;
    o.synthetic_seed = 9;
    o.log = nullptr;
    const auto plain = io::load_training_data(o);
    const auto reference = isinggan::data::synthetic_nuclei(5, 16, 9);
    CHECK(plain.ids == reference.ids);
    CHECK(std::equal(plain.images.begin(), plain.images.end(), reference.images.begin()));
    o.dihedral_expansion = true;
    const auto expanded = io::load_training_data(o);
    CHECK(expanded.size() == 40);
    CHECK(expanded.ids[9] == "synthetic-1@rot90");
}

TEST_CASE("training data: one modality of a dataset folder, selected through the modalities file") {
    isinggan::testing::temp_directory dir;
    io::write_dataset(dir / "data", isinggan::data::synthetic_nuclei(4, 16, 2));
    io::write_modalities_csv(dir / "m.csv",
                             {{"synthetic-0", 2, {}}, {"synthetic-1", 1, {}}, {"synthetic-2", 2, {}}, {"synthetic-3", 1, {}}},
                             {});
    io::training_data_options o;
    o.data_dir = dir / "data";
    o.size = 16;
    o.modalities_csv = dir / "m.csv";
    o.modality = 2;
    o.log = nullptr;
    CHECK(io::load_training_data(o).ids == std::vector<std::string>{"synthetic-0", "synthetic-2"});
    o.modality = 3;
    CHECK_THROWS_AS(io::load_training_data(o), isinggan::argument_error);
    o.modality = 0;  // a modalities file without a modality
    CHECK_THROWS_AS(io::load_training_data(o), isinggan::argument_error);
    o.modalities_csv.clear();
    CHECK(io::load_training_data(o).size() == 4);
}
