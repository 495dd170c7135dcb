#pragma once
// Writing safetensors files.
//
// The writer lays a file out as the official writer does (metadata first,
// tensors by descending dtype then name, header padded with spaces to a
// multiple of 8), so a file it writes from the same tensors is byte for byte
// the official writer's. Saves are atomic: a temporary file in the same
// directory, flushed to disk, then renamed over the target.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#if __has_include(<unistd.h>)
#include <fcntl.h>
#include <unistd.h>
#endif

#include "isinggan/core/error.hpp"
#include "isinggan/io/safetensors.hpp"
#include "isinggan/io/safetensors_dtype.hpp"
#include "isinggan/io/safetensors_json.hpp"

namespace isinggan::safetensors {

/// Writes `bytes` to `path` atomically: into a temporary file beside it,
/// flushed to disk, then renamed over `path`. A crash leaves the old file.
inline void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> bytes) {
    static std::atomic<unsigned> counter{0};
    const std::string name = path.string();
#if __has_include(<unistd.h>)
    const std::string pid = std::to_string(::getpid());
#else
    const std::string pid = "0";
#endif
    std::filesystem::path tmp = path;
    tmp += ".tmp-" + pid + "-" + std::to_string(counter++);
    bool ok = false;
#if __has_include(<unistd.h>)
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) throw io_error(name + ": cannot create the temporary file " + tmp.string());
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ::ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (w <= 0) break;
        done += static_cast<std::size_t>(w);
    }
    ok = done == bytes.size() && ::fsync(fd) == 0;
    ok = (::close(fd) == 0) && ok;
#else
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        ok = static_cast<bool>(out);
    }
#endif
    std::error_code ec;
    if (ok) std::filesystem::rename(tmp, path, ec);
    if (!ok || ec) {
        std::filesystem::remove(tmp, ec);
        throw io_error(name + ": writing failed (the previous file, if any, is unchanged)");
    }
#if __has_include(<unistd.h>)
    // Make the rename itself durable: flush the directory entry.
    const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
#endif
}

/// Collects tensors and metadata, then serializes them as one safetensors file.
class writer {
public:
    /// Adds a tensor of raw little-endian bytes; `data` must hold exactly
    /// prod(shape) elements of `type`. Throws argument_error on a duplicate
    /// or reserved name.
    void add(std::string name, dtype type, std::vector<std::uint64_t> shape, std::span<const std::byte> data) {
        if (name == "__metadata__") throw argument_error("safetensors::writer: \"__metadata__\" is reserved");
        if (!names_.insert(name).second) throw argument_error("safetensors::writer: duplicate tensor \"" + name + "\"");
        std::uint64_t count = 1;
        for (auto d : shape) {
            if (d != 0 && count > UINT64_MAX / d)
                throw argument_error("safetensors::writer: \"" + name + "\": shape overflows");
            count *= d;
        }
        if (count > UINT64_MAX / dtype_size(type) || data.size() != count * dtype_size(type))
            throw argument_error("safetensors::writer: \"" + name + "\": " + std::to_string(data.size()) +
                                 " bytes for " + std::string(dtype_name(type)) + " " + shape_string(shape));
        pending_.push_back({std::move(name), type, std::move(shape), std::vector<std::byte>(data.begin(), data.end())});
    }
    /// Adds float32 values.
    void add(std::string name, std::vector<std::uint64_t> shape, std::span<const float> values) {
        std::vector<std::byte> raw(values.size() * 4);
        store_f32(values, raw);
        add(std::move(name), dtype::F32, std::move(shape), raw);
    }
    /// Sets one `__metadata__` entry (kept sorted by key, so output is deterministic).
    void set_metadata(std::string key, std::string value) { metadata_[std::move(key)] = std::move(value); }

    /// The whole file as bytes.
    std::vector<std::byte> serialize() const {
        std::vector<const item*> order;
        for (const auto& p : pending_) order.push_back(&p);
        std::sort(order.begin(), order.end(), [](const item* a, const item* b) {
            if (a->type != b->type) return a->type > b->type;
            return a->name < b->name;
        });
        using safetensors_detail::append_json_string;
        std::string header = "{";
        if (!metadata_.empty()) {
            header += "\"__metadata__\":{";
            bool first = true;
            for (const auto& [k, v] : metadata_) {
                if (!first) header += ',';
                first = false;
                append_json_string(header, k);
                header += ':';
                append_json_string(header, v);
            }
            header += '}';
        }
        std::uint64_t offset = 0;
        for (const item* p : order) {
            if (header.size() > 1) header += ',';
            append_json_string(header, p->name);
            header += ":{\"dtype\":\"" + std::string(dtype_name(p->type)) + "\",\"shape\":[";
            for (std::size_t i = 0; i < p->shape.size(); ++i) header += (i ? "," : "") + std::to_string(p->shape[i]);
            header +=
                "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + p->data.size()) + "]}";
            offset += p->data.size();
        }
        header += '}';  // names and metadata not valid UTF-8 were refused by append_json_string
        header.append((8 - header.size() % 8) % 8, ' ');

        std::vector<std::byte> out(8 + header.size() + offset);
        for (int i = 0; i < 8; ++i) out[i] = static_cast<std::byte>((header.size() >> (8 * i)) & 0xFFu);
        std::memcpy(out.data() + 8, header.data(), header.size());
        std::size_t at = 8 + header.size();
        for (const item* p : order) {
            if (!p->data.empty()) std::memcpy(out.data() + at, p->data.data(), p->data.size());
            at += p->data.size();
        }
        return out;
    }

    /// Serializes and writes atomically to `path`.
    void save(const std::filesystem::path& path) const { write_file_atomically(path, serialize()); }

private:
    struct item {
        std::string name;
        dtype type;
        std::vector<std::uint64_t> shape;
        std::vector<std::byte> data;
    };
    std::vector<item> pending_;
    std::set<std::string> names_;
    std::map<std::string, std::string> metadata_;
};

}  // namespace isinggan::safetensors
