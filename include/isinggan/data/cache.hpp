#pragma once
// An on-disk cache of a preprocessed image_mask_set, so a second run with the
// same settings starts in seconds instead of decoding thousands of PNGs.
//
// The caller supplies a 64-bit key summarising everything the tensors depend
// on (files, their sizes and times, the side S, options); the key is in the
// file name and in the header. A cache file that is missing, stale, truncated
// or corrupt is simply not used (load returns nothing), never an error: the
// data is rebuilt from the source and the cache rewritten. Writing goes to a
// temporary file renamed into place, so a crash never leaves half a cache.
//
// Format (little-endian): "IGDSCACH", u32 version, u64 key, u64 N, u64 S,
// u64 skipped, u64 warning count, then strings (u32 length + bytes) for the
// warnings and the N ids, N*3*S*S float32 image values, N*S*S mask bytes (0/1).
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

#include "isinggan/core/error.hpp"
#include "isinggan/data/image_mask_set.hpp"

namespace isinggan::data {

/// What a cache holds: the samples, and what loading them reported.
struct cached_set {
    image_mask_set set;
    std::size_t skipped = 0;
    std::vector<std::string> warnings;
};

/// FNV-1a, 64 bit: a stable hash for building cache keys.
class key_hasher {
public:
    key_hasher& add(const void* data, std::size_t n) {
        const auto* p = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < n; ++i) {
            h_ ^= p[i];
            h_ *= 0x100000001b3ULL;
        }
        return *this;
    }
    key_hasher& add(const std::string& s) {
        add(static_cast<std::uint64_t>(s.size()));
        return add(s.data(), s.size());
    }
    key_hasher& add(std::uint64_t v) { return add(&v, sizeof v); }
    std::uint64_t value() const noexcept { return h_; }

private:
    std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

namespace cache_detail {

inline constexpr char magic[8] = {'I', 'G', 'D', 'S', 'C', 'A', 'C', 'H'};
inline constexpr std::uint32_t version = 1;
static_assert(std::endian::native == std::endian::little, "the cache format is written little-endian");

template <class T>
void put(std::ofstream& out, const T& v) {
    out.write(reinterpret_cast<const char*>(&v), sizeof v);
}
inline void put_string(std::ofstream& out, const std::string& s) {
    put(out, static_cast<std::uint32_t>(s.size()));
    out.write(s.data(), static_cast<std::streamsize>(s.size()));
}

/// Reads from a file of known size, reporting failure instead of reading past
/// its end: no count from the file is trusted before it is checked against
/// the bytes that remain.
struct reader {
    std::ifstream& in;
    std::uint64_t remaining;
    bool ok = true;

    bool take(void* dst, std::uint64_t n) {
        if (!ok || n > remaining || !in.read(static_cast<char*>(dst), static_cast<std::streamsize>(n))) return ok = false;
        remaining -= n;
        return true;
    }
    template <class T>
    T get() {
        T v{};
        take(&v, sizeof v);
        return v;
    }
    std::string get_string() {
        const auto n = get<std::uint32_t>();
        if (!ok || n > remaining) {
            ok = false;
            return {};
        }
        std::string s(n, '\0');
        take(s.data(), n);
        return s;
    }
};

}  // namespace cache_detail

/// The cache file for `key` inside `dir`.
inline std::filesystem::path cache_file(const std::filesystem::path& dir, std::uint64_t key) {
    char name[40];
    std::snprintf(name, sizeof name, "dataset-%016llx.bin", static_cast<unsigned long long>(key));
    return dir / name;
}

/// Writes the cache for `key` into `dir` (created when missing). Throws io_error naming the file on failure.
inline std::filesystem::path save_cache(const std::filesystem::path& dir, std::uint64_t key, const image_mask_set& set,
                                        std::size_t skipped = 0, const std::vector<std::string>& warnings = {}) {
    using namespace cache_detail;
    require_consistent(set, "save_cache");
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw io_error(dir.string() + ": cannot create cache folder: " + ec.message());
    const auto path = cache_file(dir, key);
    auto tmp = path;
    tmp += ".tmp" + std::to_string(::getpid());  // two processes never write the same temporary
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw io_error(tmp.string() + ": cannot open for writing");
        const std::uint64_t n = set.size(), s = set.side();
        out.write(magic, sizeof magic);
        put(out, version);
        put(out, key);
        put(out, n);
        put(out, s);
        put(out, static_cast<std::uint64_t>(skipped));
        put(out, static_cast<std::uint64_t>(warnings.size()));
        for (const auto& w : warnings) put_string(out, w);
        for (const auto& id : set.ids) put_string(out, id);
        out.write(reinterpret_cast<const char*>(set.images.data()),
                  static_cast<std::streamsize>(set.images.size() * sizeof(float)));
        std::vector<char> mask_bytes(set.masks.size());
        for (std::size_t i = 0; i < mask_bytes.size(); ++i) mask_bytes[i] = set.masks.data()[i] >= 0.5f ? 1 : 0;
        out.write(mask_bytes.data(), static_cast<std::streamsize>(mask_bytes.size()));
        out.close();
        if (!out) {
            std::filesystem::remove(tmp, ec);
            throw io_error(tmp.string() + ": write failed");
        }
    }
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::filesystem::remove(tmp, ec);
        throw io_error(path.string() + ": cannot move the cache into place");
    }
    return path;
}

/// The cached set for `key` in `dir`, or nothing when there is no valid one.
inline std::optional<cached_set> load_cache(const std::filesystem::path& dir, std::uint64_t key) {
    using namespace cache_detail;
    const auto path = cache_file(dir, key);
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return std::nullopt;
    reader r{in, size};
    char m[8];
    if (!r.take(m, sizeof m) || std::memcmp(m, magic, sizeof m) != 0) return std::nullopt;
    if (r.get<std::uint32_t>() != version || r.get<std::uint64_t>() != key) return std::nullopt;
    const auto n = r.get<std::uint64_t>();
    const auto s = r.get<std::uint64_t>();
    const auto skipped = r.get<std::uint64_t>();
    const auto n_warnings = r.get<std::uint64_t>();
    // Every count must fit in what is left of the file before anything is allocated.
    if (!r.ok || s == 0 || s > (1u << 15) || n == 0 || n > r.remaining / (s * s) || n_warnings > r.remaining)
        return std::nullopt;
    cached_set c;
    c.skipped = skipped;
    for (std::uint64_t i = 0; i < n_warnings && r.ok; ++i) c.warnings.push_back(r.get_string());
    for (std::uint64_t i = 0; i < n && r.ok; ++i) c.set.ids.push_back(r.get_string());
    if (!r.ok || r.remaining != n * s * s * (3 * sizeof(float) + 1)) return std::nullopt;
    c.set.images.resize({n, 3, s, s});
    c.set.masks.resize({n, 1, s, s});
    std::vector<char> mask_bytes(c.set.masks.size());
    if (!r.take(c.set.images.data(), c.set.images.size() * sizeof(float)) ||
        !r.take(mask_bytes.data(), mask_bytes.size()))
        return std::nullopt;
    for (std::size_t i = 0; i < mask_bytes.size(); ++i) {
        if (mask_bytes[i] != 0 && mask_bytes[i] != 1) return std::nullopt;
        c.set.masks.data()[i] = static_cast<float>(mask_bytes[i]);
    }
    for (float v : c.set.images)
        if (!(v >= -1.0f && v <= 1.0f)) return std::nullopt;
    return c;
}

}  // namespace isinggan::data
