#pragma once
// The numbers of the programs' flags, read one way everywhere: a whole number
// that fits its type (out of range is refused, never wrapped) and a finite real.
// `Error` is the program's usage error (exit status 2).
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace isinggan::examples {

template <class Error, class T = std::uint64_t>
T parse_whole_number(const std::string& flag, const std::string& text) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
        throw Error(flag + " needs a non-negative whole number, got '" + text + "'");
    std::uint64_t v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    constexpr auto most = static_cast<std::uint64_t>(std::numeric_limits<T>::max());
    if (r.ec == std::errc::result_out_of_range || v > most)
        throw Error(flag + " is out of range: '" + text + "' (at most " + std::to_string(most) + ")");
    return static_cast<T>(v);
}

template <class Error>
double parse_real_number(const std::string& flag, const std::string& text) {
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size() || !std::isfinite(v))
        throw Error(flag + " needs a number, got '" + text + "'");
    return v;
}

}  // namespace isinggan::examples
