#pragma once
// The isinggan::io component: PNG images and annotated datasets (links
// libpng). Link the isinggan::io target to use it.
#include "isinggan/data/dihedral.hpp"
#include "isinggan/data/preprocess.hpp"
#include "isinggan/data/synthetic_nuclei.hpp"
#include "isinggan/io/dataset.hpp"
#include "isinggan/io/dataset_writer.hpp"
#include "isinggan/io/image.hpp"
#include "isinggan/io/modalities_csv.hpp"
#include "isinggan/io/npz.hpp"
#include "isinggan/io/png.hpp"
#include "isinggan/io/training_data.hpp"
#include "isinggan/metrics/fid_statistics_npz.hpp"
