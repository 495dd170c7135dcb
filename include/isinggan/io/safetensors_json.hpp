#pragma once
// The strict JSON reading and writing behind the safetensors header, on
// nlohmann-json.
//
// A safetensors header is one JSON object of objects, arrays of integers and
// strings, read from a file that may be hostile. nlohmann-json's parser checks
// what RFC 8259 asks (UTF-8, escapes, surrogate pairs, no trailing garbage)
// without recursion; its SAX interface lets the reader below add what a DOM
// parse would lose: it bounds the nesting depth, keeps members in file order
// and reports duplicate keys instead of silently keeping one. Numbers are kept
// only as non-negative 64-bit integers, the one kind a header holds; any other
// number parses (the text is well-formed) but is marked as not an integer.
// Every error is an io_error whose message starts with the file's name.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "isinggan/core/error.hpp"

namespace isinggan::safetensors_detail {

struct json_member;

struct json_value {
    enum class kind { null, boolean, number, string, array, object };
    kind type = kind::null;
    bool boolean = false;
    bool is_uint = false;  // a number that is a non-negative integer fitting 64 bits
    std::uint64_t uint = 0;
    std::string text;                  // a string's decoded UTF-8
    std::vector<json_value> items;     // array
    std::vector<json_member> members;  // object, in file order
};

struct json_member {
    std::string key;
    json_value value;
};

class json_reader {
public:
    static constexpr int max_depth = 32;

    /// Parses `text` as one JSON value followed only by whitespace; `file` prefixes errors.
    static json_value parse(std::string_view text, const std::string& file) {
        json_reader r(file);
        const bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), &r);
        if (!ok || r.stack_.size() != 1 || r.root_.size() != 1) r.fail(r.error_.empty() ? "incomplete" : r.error_);
        return std::move(r.root_.front());
    }

    // The SAX events (nlohmann::json_sax); each returns false to stop the parse.
    using number_integer_t = nlohmann::json::number_integer_t;
    using number_unsigned_t = nlohmann::json::number_unsigned_t;
    using number_float_t = nlohmann::json::number_float_t;
    using string_t = nlohmann::json::string_t;
    using binary_t = nlohmann::json::binary_t;

    bool null() { return add(json_value{}); }
    bool boolean(bool b) {
        json_value v;
        v.type = json_value::kind::boolean;
        v.boolean = b;
        return add(std::move(v));
    }
    bool number_integer(number_integer_t n) { return number(n == 0, 0); }  // negative, or -0
    bool number_unsigned(number_unsigned_t n) { return number(true, n); }
    bool number_float(number_float_t, const string_t&) { return number(false, 0); }  // fractions, exponents, overflow
    bool string(string_t& s) {
        json_value v;
        v.type = json_value::kind::string;
        v.text = std::move(s);
        return add(std::move(v));
    }
    bool binary(binary_t&) { return stop("binary value"); }
    bool start_object(std::size_t) { return open(json_value::kind::object); }
    bool key(string_t& k) {
        frame& f = stack_.back();
        if (!f.keys.insert(k).second) return stop("duplicate key \"" + k + "\"");
        f.key = std::move(k);
        return true;
    }
    bool end_object() { return close(); }
    bool start_array(std::size_t) { return open(json_value::kind::array); }
    bool end_array() { return close(); }
    bool parse_error(std::size_t position, const std::string&, const nlohmann::json::exception& e) {
        error_ = describe(e.what()) + " at header byte " + std::to_string(position == 0 ? 0 : position - 1);
        return false;
    }

private:
    struct frame {
        json_value value;
        std::set<std::string, std::less<>> keys;  // a set, so many keys cost n log n, not n^2
        std::string key;                          // the key of the member being read
    };

    explicit json_reader(const std::string& file) : file_(file) { stack_.emplace_back(); }

    [[noreturn]] void fail(const std::string& what) const {
        throw io_error(file_ + ": malformed safetensors header: " + what);
    }
    bool stop(std::string what) {
        error_ = std::move(what);
        return false;
    }

    /// nlohmann-json's message in this reader's words, where a caller may look for them.
    static std::string describe(std::string_view what) {
        const auto has = [&](std::string_view s) { return what.find(s) != std::string_view::npos; };
        std::string detail(what);
        if (const auto dash = detail.find(" - "); dash != std::string::npos) detail = detail.substr(dash + 3);
        if (has("ill-formed UTF-8")) return "invalid UTF-8 (" + detail + ")";
        if (has("forbidden character after backslash")) return "invalid escape (" + detail + ")";
        if (has("unexpected end of input")) return "unexpected end of the header (" + detail + ")";
        if (has("expected end of input")) return "unexpected text after the JSON value (" + detail + ")";
        return detail;
    }

    bool number(bool is_uint, std::uint64_t n) {
        json_value v;
        v.type = json_value::kind::number;
        v.is_uint = is_uint;
        v.uint = n;
        return add(std::move(v));
    }
    bool open(json_value::kind type) {
        if (stack_.size() > std::size_t(max_depth) + 1)  // the sentinel, then depths 0..max_depth
            return stop("nesting deeper than " + std::to_string(max_depth) + " levels");
        stack_.emplace_back();
        stack_.back().value.type = type;
        return true;
    }
    bool close() {
        json_value v = std::move(stack_.back().value);
        stack_.pop_back();
        return add(std::move(v));
    }
    /// Appends a finished value to the innermost open array or object (or makes it the root).
    bool add(json_value v) {
        if (stack_.size() == 1) {
            root_.push_back(std::move(v));
            return true;
        }
        frame& f = stack_.back();
        if (f.value.type == json_value::kind::array)
            f.value.items.push_back(std::move(v));
        else
            f.value.members.push_back(json_member{std::move(f.key), std::move(v)});
        return true;
    }

    const std::string& file_;
    std::vector<frame> stack_;  // stack_[0] is a sentinel; the open arrays and objects follow
    std::vector<json_value> root_;
    std::string error_;
};

/// Appends `s` as a JSON string the way serde_json writes it (the official
/// writer), so a header written here matches one written there byte for byte:
/// nlohmann-json escapes the same characters in the same way (\", \\, \b,
/// \f, \n, \r, \t, other controls as \u00xx) and passes UTF-8 through.
/// Text that is not valid UTF-8 is refused: no reader would accept it.
inline void append_json_string(std::string& out, std::string_view s) {
    try {
        out += nlohmann::json(s).dump();
    } catch (const nlohmann::json::type_error& e) {
        throw argument_error(std::string("a tensor name or metadata entry is not valid UTF-8: ") + e.what());
    }
}

}  // namespace isinggan::safetensors_detail
