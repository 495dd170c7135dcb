#pragma once
// Numbers in a checkpoint's metadata (text entries, the safetensors header's
// "__metadata__") and in config.json.
#include <charconv>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include "isinggan/core/error.hpp"

namespace isinggan::examples {

/// A numeric metadata entry of a checkpoint; io_error naming the file when absent or malformed.
inline double metadata_number(const std::map<std::string, std::string>& meta, const std::string& key,
                              const std::filesystem::path& path) {
    const auto it = meta.find(key);
    std::size_t used = 0;
    double v = 0;
    if (it != meta.end()) {
        try {
            v = std::stod(it->second, &used);
        } catch (const std::exception&) {
            used = 0;
        }
    }
    if (it == meta.end() || used == 0 || used != it->second.size())
        throw io_error(path.string() + ": checkpoint entry \"" + key + "\" is missing or not a number");
    return v;
}

/// A number as metadata: the shortest text that reads back as the same double.
inline std::string exact_text(double v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

/// A number for people (messages, config.json): six significant digits.
inline std::string short_text(double v) {
    std::ostringstream s;
    s.precision(6);
    s << v;
    return s.str();
}

}  // namespace isinggan::examples
