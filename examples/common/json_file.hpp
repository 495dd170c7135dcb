#pragma once
// The programs' JSON files (config.json, metrics.json, evaluation.json),
// written with nlohmann-json: members in the order given, two-space indent.
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "isinggan/core/error.hpp"

namespace isinggan::examples {

using json = nlohmann::ordered_json;

/// A setting's text as JSON: numbers, true, false and null bare, anything else a string.
inline json setting_value(const std::string& text) {
    try {
        json v = json::parse(text);
        if (v.is_number() || v.is_boolean() || v.is_null()) return v;
    } catch (const json::parse_error&) {
    }
    return text;
}

/// Writes `j` to `path` through a temporary beside it, renamed when complete,
/// so that the file is whole or absent. Text that is not valid UTF-8 (a path
/// with other bytes) is written with U+FFFD in their place.
inline void write_json_file(const std::filesystem::path& path, const json& j) {
    const std::filesystem::path tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out) throw io_error(tmp.string() + ": cannot open for writing");
        out << j.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
        if (!out) throw io_error(tmp.string() + ": write failed");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw io_error(path.string() + ": cannot write (" + ec.message() + ")");
}

}  // namespace isinggan::examples
