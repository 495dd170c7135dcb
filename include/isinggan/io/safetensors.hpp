#pragma once
// Reading and writing the safetensors format: an 8-byte little-endian header
// length N, N bytes of JSON header
//   {"__metadata__": {"key": "value"}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...}
// and the raw little-endian tensor data, which the offsets index.
//
// The reader treats the file as untrusted. Before any tensor byte is touched
// it checks the header length against the file size, parses the JSON
// strictly, and checks every dtype, shape (product overflow included) and
// offset pair: the byte ranges must tile the data section exactly, so no two
// overlap, none leaves it, and no bytes are left over. Every failure is an
// io_error whose message starts with the file's path and names the tensor.
//
// The writer is in io/safetensors_writer.hpp, included at the end.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/io/safetensors_dtype.hpp"
#include "isinggan/io/safetensors_json.hpp"

namespace isinggan::safetensors {

/// Headers above this size are refused (the official reader's limit), so a
/// hostile length cannot make the reader allocate without bound.
inline constexpr std::uint64_t max_header_size = 100'000'000;

/// One tensor as the header describes it; offsets are relative to the data section.
struct tensor_entry {
    std::string name;
    dtype type = dtype::F32;
    std::vector<std::uint64_t> shape;  // empty for a 0-dim (scalar) tensor
    std::uint64_t begin = 0, end = 0;

    std::uint64_t elements() const {
        std::uint64_t n = 1;
        for (auto d : shape) n *= d;  // validated against overflow when read
        return n;
    }
};

/// "[2, 3]" for messages.
inline std::string shape_string(std::span<const std::uint64_t> shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

/// A parsed, validated safetensors file held in memory.
class file {
public:
    /// Reads and validates the file at `path`.
    static file open(const std::filesystem::path& path) {
        const std::string name = path.string();
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec)) throw io_error(name + ": is a directory, not a safetensors file");
        std::ifstream in(path, std::ios::binary);
        if (!in) throw io_error(name + ": cannot open for reading");
        in.seekg(0, std::ios::end);
        const std::streamoff size = in.tellg();
        if (size < 0) throw io_error(name + ": cannot determine the file size");
        in.seekg(0, std::ios::beg);
        check_header_length(read_prefix(in, static_cast<std::uint64_t>(size), name), static_cast<std::uint64_t>(size),
                            name);
        in.seekg(0, std::ios::beg);
        std::vector<std::byte> bytes(static_cast<std::size_t>(size));
        if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) throw io_error(name + ": read failed");
        return parse(std::move(bytes), name);
    }

    /// Validates `bytes` as a safetensors file; `name` prefixes error messages.
    static file parse(std::vector<std::byte> bytes, std::string name) {
        file f;
        f.name_ = std::move(name);
        f.bytes_ = std::move(bytes);
        f.validate();
        return f;
    }

    const std::string& path() const noexcept { return name_; }
    /// The tensors in data order.
    const std::vector<tensor_entry>& tensors() const noexcept { return tensors_; }
    /// `__metadata__` in file order (empty when absent).
    const std::vector<std::pair<std::string, std::string>>& metadata() const noexcept { return metadata_; }

    const tensor_entry* find(std::string_view tensor) const {
        const auto it = index_.find(tensor);
        return it == index_.end() ? nullptr : &tensors_[it->second];
    }
    const tensor_entry& at(std::string_view tensor) const {
        if (const auto* e = find(tensor)) return *e;
        throw io_error(name_ + ": no tensor named \"" + std::string(tensor) + "\"");
    }
    const std::string* find_metadata(std::string_view key) const {
        for (const auto& [k, v] : metadata_)
            if (k == key) return &v;
        return nullptr;
    }

    /// The tensor's stored bytes (little-endian, possibly unaligned).
    std::span<const std::byte> bytes(const tensor_entry& e) const {
        return std::span<const std::byte>(bytes_).subspan(data_start_ + e.begin, e.end - e.begin);
    }

    /// Converts the tensor's elements to float or double into `out`, which
    /// must have exactly as many elements.
    template <class T>
    void read(const tensor_entry& e, std::span<T> out) const {
        if (out.size() != e.elements())
            throw argument_error(name_ + ": tensor \"" + e.name + "\" has " + std::to_string(e.elements()) +
                                 " elements, the destination " + std::to_string(out.size()));
        if (!is_real(e.type))
            throw io_error(name_ + ": tensor \"" + e.name + "\" is " + std::string(dtype_name(e.type)) +
                           ", which has no real value");
        convert(e.type, bytes(e), out);
    }
    template <class T = float>
    std::vector<T> read(std::string_view tensor) const {
        const auto& e = at(tensor);
        std::vector<T> out(static_cast<std::size_t>(e.elements()));
        read(e, std::span<T>(out));
        return out;
    }

private:
    using json = safetensors_detail::json_value;

    static std::uint64_t read_prefix(std::istream& in, std::uint64_t size, const std::string& name) {
        if (size < 8)
            throw io_error(name + ": truncated: " + std::to_string(size) +
                           " bytes, fewer than the 8-byte header length");
        std::byte len[8];
        if (!in.read(reinterpret_cast<char*>(len), 8)) throw io_error(name + ": read failed");
        return detail::load_le<std::uint64_t>(len);
    }

    static void check_header_length(std::uint64_t n, std::uint64_t size, const std::string& name) {
        if (n > size - 8)
            throw io_error(name + ": header length " + std::to_string(n) + " exceeds the " + std::to_string(size - 8) +
                           " bytes after the length field (truncated or corrupt file)");
        if (n > max_header_size)
            throw io_error(name + ": header length " + std::to_string(n) + " exceeds the limit of " +
                           std::to_string(max_header_size) + " bytes");
    }

    [[noreturn]] void fail(const std::string& what) const { throw io_error(name_ + ": " + what); }

    void validate() {
        const std::uint64_t size = bytes_.size();
        if (size < 8) fail("truncated: " + std::to_string(size) + " bytes, fewer than the 8-byte header length");
        const auto n = detail::load_le<std::uint64_t>(bytes_.data());
        check_header_length(n, size, name_);
        const std::string_view header(reinterpret_cast<const char*>(bytes_.data()) + 8, static_cast<std::size_t>(n));
        if (header.empty() || header.front() != '{') fail("header does not start with '{'");
        const json root = safetensors_detail::json_reader::parse(header, name_);
        if (root.type != json::kind::object) fail("header is not a JSON object");
        data_start_ = 8 + static_cast<std::size_t>(n);
        const std::uint64_t data_size = size - data_start_;

        for (const auto& [key, value] : root.members) {
            if (key == "__metadata__") {
                read_metadata(value);
                continue;
            }
            tensors_.push_back(read_entry(key, value));
        }
        // The byte ranges, in order, must tile [0, data_size) exactly.
        std::sort(tensors_.begin(), tensors_.end(), [](const tensor_entry& a, const tensor_entry& b) {
            return std::pair(a.begin, a.end) < std::pair(b.begin, b.end);
        });
        std::uint64_t expected = 0;
        for (const auto& e : tensors_) {
            if (e.end > data_size)
                fail("tensor \"" + e.name + "\": data_offsets [" + std::to_string(e.begin) + ", " +
                     std::to_string(e.end) + "] run past the data section's " + std::to_string(data_size) + " bytes");
            if (e.begin < expected)
                fail("tensor \"" + e.name + "\": data_offsets [" + std::to_string(e.begin) + ", " +
                     std::to_string(e.end) + "] overlap the previous tensor, which ends at " +
                     std::to_string(expected));
            if (e.begin > expected)
                fail("tensor \"" + e.name + "\": data_offsets start at " + std::to_string(e.begin) +
                     ", leaving a gap after byte " + std::to_string(expected));
            expected = e.end;
        }
        if (expected != data_size)
            fail("the tensors cover " + std::to_string(expected) + " bytes of the " + std::to_string(data_size) +
                 "-byte data section (trailing bytes)");
        for (std::size_t i = 0; i < tensors_.size(); ++i) index_.emplace(tensors_[i].name, i);
    }

    void read_metadata(const json& value) {
        if (value.type != json::kind::object) fail("__metadata__ is not a JSON object");
        for (const auto& [k, v] : value.members) {
            if (v.type != json::kind::string) fail("__metadata__ value of \"" + k + "\" is not a string");
            metadata_.emplace_back(k, v.text);
        }
    }

    tensor_entry read_entry(const std::string& key, const json& value) const {
        const std::string what = "tensor \"" + key + "\": ";
        if (value.type != json::kind::object) fail(what + "header entry is not a JSON object");
        const json *type = nullptr, *shape = nullptr, *offsets = nullptr;
        for (const auto& [k, v] : value.members) {
            if (k == "dtype")
                type = &v;
            else if (k == "shape")
                shape = &v;
            else if (k == "data_offsets")
                offsets = &v;
            else
                fail(what + "unknown field \"" + k + "\"");
        }
        if (!type || !shape || !offsets) fail(what + "needs the fields dtype, shape and data_offsets");
        tensor_entry e;
        e.name = key;
        if (type->type != json::kind::string) fail(what + "dtype is not a string");
        const auto t = parse_dtype(type->text);
        if (!t) fail(what + "unknown or unsupported dtype \"" + type->text + "\"");
        e.type = *t;
        if (shape->type != json::kind::array) fail(what + "shape is not an array");
        std::uint64_t count = 1;
        bool overflow = false;
        for (const auto& d : shape->items) {
            if (d.type != json::kind::number || !d.is_uint)
                fail(what + "shape holds something other than a non-negative integer");
            e.shape.push_back(d.uint);
            if (d.uint != 0 && count > UINT64_MAX / d.uint) overflow = true;
            count *= d.uint;
        }
        if (overflow || count > UINT64_MAX / dtype_size(e.type))
            fail(what + "shape " + shape_string(e.shape) + " has more elements than can be addressed");
        if (offsets->type != json::kind::array || offsets->items.size() != 2)
            fail(what + "data_offsets is not an array of two integers");
        for (const auto& o : offsets->items)
            if (o.type != json::kind::number || !o.is_uint)
                fail(what + "data_offsets holds something other than a non-negative integer");
        e.begin = offsets->items[0].uint;
        e.end = offsets->items[1].uint;
        if (e.end < e.begin)
            fail(what + "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                 "] end before they begin");
        const std::uint64_t nbytes = count * dtype_size(e.type);
        if (e.end - e.begin != nbytes)
            fail(what + "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "] span " +
                 std::to_string(e.end - e.begin) + " bytes, but " + std::string(dtype_name(e.type)) + " " +
                 shape_string(e.shape) + " needs " + std::to_string(nbytes));
        return e;
    }

    std::string name_;
    std::vector<std::byte> bytes_;
    std::size_t data_start_ = 0;
    std::vector<tensor_entry> tensors_;
    std::vector<std::pair<std::string, std::string>> metadata_;
    std::map<std::string, std::size_t, std::less<>> index_;
};

}  // namespace isinggan::safetensors

#include "isinggan/io/safetensors_writer.hpp"
