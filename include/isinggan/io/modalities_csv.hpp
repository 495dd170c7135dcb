#pragma once
// The modalities table examples/modalities writes and the trainers read to
// keep one modality (`--modality 2 --modalities modalities.csv`):
//
//   image_id,modality,r_mean,r_contrast,...,b_entropy
//   00071198d059...,1,31.2,...
//
// Modalities are numbered from 1, by decreasing cluster size. Only the first
// two columns are required when reading; the feature columns are kept when present.
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"

namespace isinggan::io {

struct modality_row {
    std::string image_id;
    std::size_t modality = 0;  ///< 1..k
    std::vector<double> features;
};

/// Writes the table; `feature_names` are the column names after image_id and modality.
inline void write_modalities_csv(const std::filesystem::path& path, const std::vector<modality_row>& rows,
                                 const std::vector<std::string>& feature_names) {
    std::ofstream out(path, std::ios::trunc);
    if (!out) throw io_error(path.string() + ": cannot open for writing");
    out << "image_id,modality";
    for (const auto& name : feature_names) out << ',' << name;
    out << '\n';
    out.precision(10);
    for (const auto& row : rows) {
        if (row.features.size() != feature_names.size())
            throw argument_error(path.string() + ": row " + row.image_id + " has " + std::to_string(row.features.size()) +
                                 " features for " + std::to_string(feature_names.size()) + " columns");
        if (row.image_id.find_first_of(",\n\r\"") != std::string::npos)
            throw argument_error(path.string() + ": image id '" + row.image_id + "' cannot be written to CSV");
        out << row.image_id << ',' << row.modality;
        for (double f : row.features) out << ',' << f;
        out << '\n';
    }
    out.close();
    if (!out) throw io_error(path.string() + ": write failed");
}

/// Reads the table. io_error "<path>:<line>: ..." on a malformed line.
inline std::vector<modality_row> read_modalities_csv(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw io_error(path.string() + ": cannot open the modalities file");
    std::string line;
    std::size_t line_no = 1;
    if (!std::getline(in, line) || line.rfind("image_id,modality", 0) != 0)
        throw io_error(path.string() + ":1: expected the header 'image_id,modality,...'");
    std::vector<modality_row> rows;
    while (std::getline(in, line)) {
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        auto fail = [&](const std::string& why) {
            return io_error(path.string() + ":" + std::to_string(line_no) + ": " + why);
        };
        std::istringstream fields(line);
        std::string field;
        modality_row row;
        std::getline(fields, row.image_id, ',');
        if (row.image_id.empty()) throw fail("empty image id");
        if (!std::getline(fields, field, ',')) throw fail("missing modality");
        try {
            std::size_t used = 0;
            const long m = std::stol(field, &used);
            if (used != field.size() || m < 1) throw fail("modality '" + field + "' is not a number >= 1");
            row.modality = static_cast<std::size_t>(m);
            while (std::getline(fields, field, ',')) {
                row.features.push_back(std::stod(field, &used));
                if (used != field.size()) throw fail("feature '" + field + "' is not a number");
            }
        } catch (const std::logic_error&) {  // std::stol / std::stod on a non-number
            throw fail("'" + field + "' is not a number");
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

/// The image ids of modality `m`, in file order. argument_error when none has it.
inline std::vector<std::string> ids_of_modality(const std::vector<modality_row>& rows, std::size_t m) {
    std::vector<std::string> ids;
    for (const auto& row : rows)
        if (row.modality == m) ids.push_back(row.image_id);
    if (ids.empty()) throw argument_error("no image has modality " + std::to_string(m));
    return ids;
}

}  // namespace isinggan::io
