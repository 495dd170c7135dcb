#pragma once
// The small, strict JSON reader and writer behind the safetensors header.
//
// A safetensors header is one JSON object of objects, arrays of integers and
// strings, read from a file that may be hostile. So the reader checks
// everything RFC 8259 asks (UTF-8, escapes, no trailing garbage), bounds its
// nesting depth (no stack exhaustion), keeps members in file order and
// reports duplicate keys instead of silently keeping one. Numbers are kept
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
        json_reader r(text, file);
        r.skip_space();
        json_value v = r.value(0);
        r.skip_space();
        if (r.pos_ != r.text_.size()) r.fail("unexpected text after the JSON value");
        return v;
    }

private:
    json_reader(std::string_view text, const std::string& file) : text_(text), file_(file) {}

    [[noreturn]] void fail(const std::string& what) const {
        throw io_error(file_ + ": malformed safetensors header: " + what + " at header byte " + std::to_string(pos_));
    }
    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return at_end() ? '\0' : text_[pos_]; }
    void expect(char c) {
        if (peek() != c || at_end()) fail(std::string("expected '") + c + "'");
        ++pos_;
    }
    void skip_space() {
        while (!at_end() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
            ++pos_;
    }
    void literal(std::string_view word) {
        if (text_.substr(pos_, word.size()) != word) fail("invalid literal");
        pos_ += word.size();
    }

    json_value value(int depth) {
        if (depth > max_depth) fail("nesting deeper than " + std::to_string(max_depth) + " levels");
        json_value v;
        switch (peek()) {
            case '{':
                v.type = json_value::kind::object;
                object(v, depth);
                break;
            case '[':
                v.type = json_value::kind::array;
                array(v, depth);
                break;
            case '"':
                v.type = json_value::kind::string;
                v.text = string();
                break;
            case 't':
                v.type = json_value::kind::boolean;
                v.boolean = true;
                literal("true");
                break;
            case 'f':
                v.type = json_value::kind::boolean;
                literal("false");
                break;
            case 'n':
                literal("null");
                break;
            default:
                if (peek() == '-' || (peek() >= '0' && peek() <= '9')) {
                    v.type = json_value::kind::number;
                    number(v);
                } else {
                    fail(at_end() ? "unexpected end of the header" : "unexpected character");
                }
        }
        return v;
    }

    void object(json_value& v, int depth) {
        expect('{');
        skip_space();
        if (peek() == '}') {
            ++pos_;
            return;
        }
        std::set<std::string, std::less<>> seen;  // a set, so many keys cost n log n, not n^2
        for (;;) {
            skip_space();
            if (peek() != '"') fail("expected a string key");
            std::string key = string();
            if (!seen.insert(key).second) fail("duplicate key \"" + key + "\"");
            skip_space();
            expect(':');
            skip_space();
            v.members.push_back(json_member{std::move(key), value(depth + 1)});
            skip_space();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            expect('}');
            return;
        }
    }

    void array(json_value& v, int depth) {
        expect('[');
        skip_space();
        if (peek() == ']') {
            ++pos_;
            return;
        }
        for (;;) {
            skip_space();
            v.items.push_back(value(depth + 1));
            skip_space();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            expect(']');
            return;
        }
    }

    void number(json_value& v) {
        bool negative = false, integral = true, overflow = false;
        std::uint64_t acc = 0;
        if (peek() == '-') {
            negative = true;
            ++pos_;
        }
        if (peek() == '0') {
            ++pos_;
        } else if (peek() >= '1' && peek() <= '9') {
            while (!at_end() && peek() >= '0' && peek() <= '9') {
                const std::uint64_t d = static_cast<std::uint64_t>(peek() - '0');
                if (acc > (UINT64_MAX - d) / 10) overflow = true;
                acc = acc * 10 + d;
                ++pos_;
            }
        } else {
            fail("malformed number");
        }
        if (peek() == '.') {
            integral = false;
            ++pos_;
            if (!(peek() >= '0' && peek() <= '9')) fail("malformed number");
            while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
        }
        if (peek() == 'e' || peek() == 'E') {
            integral = false;
            ++pos_;
            if (peek() == '+' || peek() == '-') ++pos_;
            if (!(peek() >= '0' && peek() <= '9')) fail("malformed number");
            while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
        }
        v.is_uint = integral && !overflow && (!negative || acc == 0);
        v.uint = v.is_uint ? acc : 0;
    }

    unsigned hex4() {
        if (text_.size() - pos_ < 4) fail("truncated \\u escape");
        unsigned cp = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = text_[pos_++];
            cp <<= 4;
            if (c >= '0' && c <= '9')
                cp |= static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f')
                cp |= static_cast<unsigned>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                cp |= static_cast<unsigned>(c - 'A' + 10);
            else
                fail("bad hex digit in \\u escape");
        }
        return cp;
    }

    static void append_utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    // One raw UTF-8 sequence starting at pos_, validated (no overlongs, no surrogates).
    void utf8_sequence(std::string& out) {
        const auto b0 = static_cast<unsigned char>(text_[pos_]);
        std::size_t len;
        unsigned cp, min;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            len = 2;
            cp = b0 & 0x1Fu;
            min = 0x80;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            len = 3;
            cp = b0 & 0x0Fu;
            min = 0x800;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            len = 4;
            cp = b0 & 0x07u;
            min = 0x10000;
        } else
            fail("invalid UTF-8");
        if (text_.size() - pos_ < len) fail("truncated UTF-8");
        for (std::size_t i = 1; i < len; ++i) {
            const auto b = static_cast<unsigned char>(text_[pos_ + i]);
            if ((b & 0xC0) != 0x80) fail("invalid UTF-8");
            cp = (cp << 6) | (b & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail("invalid UTF-8");
        out.append(text_.substr(pos_, len));
        pos_ += len;
    }

    std::string string() {
        expect('"');
        std::string out;
        for (;;) {
            if (at_end()) fail("unterminated string");
            const auto c = static_cast<unsigned char>(text_[pos_]);
            if (c == '"') {
                ++pos_;
                return out;
            }
            if (c < 0x20) fail("control character in a string");
            if (c >= 0x80) {
                utf8_sequence(out);
                continue;
            }
            ++pos_;
            if (c != '\\') {
                out += static_cast<char>(c);
                continue;
            }
            if (at_end()) fail("unterminated string");
            const char e = text_[pos_++];
            switch (e) {
                case '"':
                    out += '"';
                    break;
                case '\\':
                    out += '\\';
                    break;
                case '/':
                    out += '/';
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    unsigned cp = hex4();
                    if (cp >= 0xDC00 && cp <= 0xDFFF) fail("lone low surrogate in \\u escape");
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        if (text_.substr(pos_, 2) != "\\u") fail("high surrogate without its pair");
                        pos_ += 2;
                        const unsigned lo = hex4();
                        if (lo < 0xDC00 || lo > 0xDFFF) fail("high surrogate without its pair");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    }
                    append_utf8(out, cp);
                    break;
                }
                default:
                    fail("invalid escape");
            }
        }
    }

    std::string_view text_;
    const std::string& file_;
    std::size_t pos_ = 0;
};

/// Appends `s` as a JSON string the way serde_json writes it (the official
/// writer), so a header written here matches one written there byte for byte.
inline void append_json_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 0xF];
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

}  // namespace isinggan::safetensors_detail
