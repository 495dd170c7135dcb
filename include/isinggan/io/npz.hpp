#pragma once
// numpy .npz archives of real arrays, as pytorch-fid stores its statistics
// (arrays `mu`, float64 [d], and `sigma`, float64 [d, d];
// metrics/fid_statistics_npz.hpp reads and writes those).
//
// A .npz file is a ZIP archive with one .npy file per array. np.savez stores
// the members uncompressed, np.savez_compressed deflates them; numpy writes
// ZIP64 extra fields, so those are read too. Members are found through the
// central directory, inflated with zlib and checked against their CRC-32.
// The file is treated as untrusted: every offset and size is checked, and
// any inconsistency is an io_error whose message starts with the path.
//
// Arrays are read as float64 whatever their stored real type (<f8, <f4, <f2
// is refused) and must be C-ordered or Fortran-ordered; both are returned
// in C order. The writer stores float64 arrays uncompressed, as np.savez does.
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/io/npy.hpp"
#include "isinggan/io/png.hpp"

namespace isinggan::npz {

/// Members larger than this (uncompressed) are refused, so a hostile size
/// cannot make the reader allocate without bound.
inline constexpr std::uint64_t max_member_bytes = std::uint64_t{1} << 32;

namespace detail {

inline std::uint64_t le(const unsigned char* p, int bytes) {
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

inline void put_le(std::vector<unsigned char>& out, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<unsigned char>(v >> (8 * i)));
}

/// One member as the central directory describes it.
struct zip_member {
    std::string name;
    std::uint32_t method = 0, crc = 0;
    std::uint64_t compressed = 0, uncompressed = 0, local_offset = 0;
};

class zip_reader {
public:
    zip_reader(std::vector<unsigned char> bytes, std::string path) : bytes_(std::move(bytes)), path_(std::move(path)) {
        read_directory();
    }

    const std::vector<zip_member>& members() const noexcept { return members_; }

    std::vector<unsigned char> extract(const zip_member& m) const {
        const std::string what = "member \"" + m.name + "\": ";
        require(m.local_offset, 30, what + "local header outside the file");
        const unsigned char* h = bytes_.data() + m.local_offset;
        if (le(h, 4) != 0x04034b50) fail(what + "bad local header signature");
        if (le(h + 6, 2) & 1) fail(what + "is encrypted");
        const std::uint64_t start = m.local_offset + 30 + le(h + 26, 2) + le(h + 28, 2);
        require(start, m.compressed, what + "data runs past the end of the file");
        if (m.uncompressed > max_member_bytes) fail(what + "is larger than the limit");
        std::vector<unsigned char> out(static_cast<std::size_t>(m.uncompressed));
        const unsigned char* data = bytes_.data() + start;
        if (m.method == 0) {
            if (m.compressed != m.uncompressed) fail(what + "stored member with differing sizes");
            std::copy(data, data + m.compressed, out.begin());
        } else if (m.method == 8) {
            inflate_raw(data, m.compressed, out, what);
        } else {
            fail(what + "compression method " + std::to_string(m.method) + " is not supported (only stored and deflate)");
        }
        // crc32 takes a uInt length; members are below 4 GiB, checked above.
        uLong crc = crc32(0L, Z_NULL, 0);
        for (std::size_t at = 0; at < out.size();) {
            const auto n = static_cast<uInt>(std::min<std::size_t>(out.size() - at, 1u << 30));
            crc = crc32(crc, out.data() + at, n);
            at += n;
        }
        if (static_cast<std::uint32_t>(crc) != m.crc) fail(what + "CRC-32 mismatch (corrupt archive)");
        return out;
    }

private:
    [[noreturn]] void fail(const std::string& why) const { throw io_error(path_ + ": " + why); }

    void require(std::uint64_t offset, std::uint64_t size, const std::string& why) const {
        if (offset > bytes_.size() || size > bytes_.size() - offset) fail(why);
    }

    void read_directory() {
        const std::size_t n = bytes_.size();
        if (n < 22) fail("not a .npz (ZIP) archive: too short");
        // The end-of-central-directory record is followed by a comment of at most 64 KiB.
        std::size_t eocd = n - 22;
        const std::size_t lowest = n - 22 > 65535 ? n - 22 - 65535 : 0;
        while (le(bytes_.data() + eocd, 4) != 0x06054b50) {
            if (eocd == lowest) fail("not a .npz (ZIP) archive: no end-of-central-directory record");
            --eocd;
        }
        const unsigned char* e = bytes_.data() + eocd;
        std::uint64_t entries = le(e + 10, 2), dir_size = le(e + 12, 4), dir_offset = le(e + 16, 4);
        if (entries == 0xFFFF || dir_size == 0xFFFFFFFF || dir_offset == 0xFFFFFFFF) {
            if (eocd < 20 || le(e - 20, 4) != 0x07064b50) fail("ZIP64 locator missing");
            const std::uint64_t z = le(e - 20 + 8, 8);
            require(z, 56, "ZIP64 end record outside the file");
            const unsigned char* z64 = bytes_.data() + z;
            if (le(z64, 4) != 0x06064b50) fail("bad ZIP64 end record signature");
            entries = le(z64 + 32, 8);
            dir_size = le(z64 + 40, 8);
            dir_offset = le(z64 + 48, 8);
        }
        require(dir_offset, dir_size, "central directory outside the file");
        std::uint64_t at = dir_offset;
        for (std::uint64_t i = 0; i < entries; ++i) {
            require(at, 46, "central directory truncated");
            const unsigned char* c = bytes_.data() + at;
            if (le(c, 4) != 0x02014b50) fail("bad central directory signature");
            zip_member m;
            m.method = static_cast<std::uint32_t>(le(c + 10, 2));
            m.crc = static_cast<std::uint32_t>(le(c + 16, 4));
            m.compressed = le(c + 20, 4);
            m.uncompressed = le(c + 24, 4);
            m.local_offset = le(c + 42, 4);
            const std::uint64_t name_len = le(c + 28, 2), extra_len = le(c + 30, 2), comment_len = le(c + 32, 2);
            require(at + 46, name_len + extra_len + comment_len, "central directory entry truncated");
            m.name.assign(reinterpret_cast<const char*>(c + 46), static_cast<std::size_t>(name_len));
            read_zip64_extra(m, c + 46 + name_len, extra_len);
            members_.push_back(std::move(m));
            at += 46 + name_len + extra_len + comment_len;
        }
    }

    /// Replaces the 32-bit fields saturated at 0xFFFFFFFF with their 64-bit values.
    void read_zip64_extra(zip_member& m, const unsigned char* p, std::uint64_t len) const {
        std::uint64_t at = 0;
        while (at + 4 <= len) {
            const std::uint64_t id = le(p + at, 2), size = le(p + at + 2, 2);
            if (at + 4 + size > len) fail("member \"" + m.name + "\": extra field truncated");
            if (id == 0x0001) {
                const unsigned char* f = p + at + 4;
                std::uint64_t used = 0;
                auto take = [&](std::uint64_t& field) {
                    if (field != 0xFFFFFFFF) return;
                    if (used + 8 > size) fail("member \"" + m.name + "\": ZIP64 extra field truncated");
                    field = le(f + used, 8);
                    used += 8;
                };
                take(m.uncompressed);
                take(m.compressed);
                take(m.local_offset);
            }
            at += 4 + size;
        }
    }

    void inflate_raw(const unsigned char* data, std::uint64_t size, std::vector<unsigned char>& out,
                     const std::string& what) const {
        z_stream zs{};
        if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) fail(what + "zlib could not start inflating");
        zs.next_in = const_cast<Bytef*>(data);
        zs.avail_in = static_cast<uInt>(std::min<std::uint64_t>(size, 0xFFFFFFFFu));
        zs.next_out = out.data();
        zs.avail_out = static_cast<uInt>(out.size());
        const int rc = inflate(&zs, Z_FINISH);
        const auto produced = zs.total_out;
        inflateEnd(&zs);
        if (rc != Z_STREAM_END || produced != out.size())
            fail(what + "deflate data is corrupt or does not match the recorded size");
    }

    std::vector<unsigned char> bytes_;
    std::string path_;
    std::vector<zip_member> members_;
};

inline std::uint32_t crc_of(std::span<const unsigned char> bytes) {
    return static_cast<std::uint32_t>(crc32(crc32(0L, Z_NULL, 0), bytes.data(), static_cast<uInt>(bytes.size())));
}

}  // namespace detail

/// All arrays of a .npz archive held in memory, by name (the member name
/// without ".npy"); `name` is the file name its errors give.
inline std::map<std::string, npy::array> parse(std::vector<unsigned char> bytes, const std::string& name) {
    detail::zip_reader zip(std::move(bytes), name);
    std::map<std::string, npy::array> arrays;
    for (const auto& m : zip.members()) {
        if (m.name.size() < 4 || m.name.compare(m.name.size() - 4, 4, ".npy") != 0) continue;
        const std::string key = m.name.substr(0, m.name.size() - 4);
        arrays[key] = npy::parse(zip.extract(m), name + " (" + m.name + ")");
    }
    return arrays;
}

/// All arrays of a .npz file, by name (the member name without ".npy").
inline std::map<std::string, npy::array> read(const std::filesystem::path& path) {
    return parse(io::read_file_bytes(path), path.string());
}

/// Writes float64 arrays as an uncompressed .npz (what np.savez writes).
inline void write(const std::filesystem::path& path, const std::map<std::string, npy::array>& arrays) {
    using detail::put_le;
    std::vector<unsigned char> out, directory;
    std::uint64_t count = 0;
    for (const auto& [key, a] : arrays) {
        const std::vector<unsigned char> member = npy::serialize(a);
        if (member.size() >= 0xFFFFFFFFu || out.size() >= 0xFFFFFFFFu)
            throw io_error(path.string() + ": array \"" + key + "\" is too large for this writer");
        const std::string name = key + ".npy";
        const std::uint32_t crc = detail::crc_of(member);
        const std::uint64_t offset = out.size();
        for (auto* rec : {&out, &directory}) {
            const bool central = rec == &directory;
            put_le(*rec, central ? 0x02014b50 : 0x04034b50, 4);
            if (central) put_le(*rec, 20, 2);  // version made by
            put_le(*rec, 20, 2);               // version needed
            put_le(*rec, 0, 2);                // flags
            put_le(*rec, 0, 2);                // stored
            put_le(*rec, 0, 2);                // time
            put_le(*rec, (1980 - 1980) << 9 | 1 << 5 | 1, 2);  // date 1980-01-01
            put_le(*rec, crc, 4);
            put_le(*rec, member.size(), 4);
            put_le(*rec, member.size(), 4);
            put_le(*rec, name.size(), 2);
            put_le(*rec, 0, 2);  // extra
            if (central) {
                put_le(*rec, 0, 2);  // comment
                put_le(*rec, 0, 2);  // disk
                put_le(*rec, 0, 2);  // internal attributes
                put_le(*rec, 0, 4);  // external attributes
                put_le(*rec, offset, 4);
            }
            rec->insert(rec->end(), name.begin(), name.end());
        }
        out.insert(out.end(), member.begin(), member.end());
        ++count;
    }
    const std::uint64_t dir_offset = out.size();
    out.insert(out.end(), directory.begin(), directory.end());
    put_le(out, 0x06054b50, 4);
    put_le(out, 0, 2);
    put_le(out, 0, 2);
    put_le(out, count, 2);
    put_le(out, count, 2);
    put_le(out, directory.size(), 4);
    put_le(out, dir_offset, 4);
    put_le(out, 0, 2);
    io::write_file_bytes(path, out);
}

}  // namespace isinggan::npz
