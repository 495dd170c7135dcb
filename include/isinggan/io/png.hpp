#pragma once
// PNG reading and writing through libpng. Include only from code that links
// isinggan::io.
//
// Reading accepts every PNG colour type: palette images become RGB (RGBA with
// a tRNS chunk), grey below 8 bits is widened, and the result has 1 (grey),
// 2 (grey+alpha), 3 (RGB) or 4 (RGBA) channels. read_png gives 8-bit samples
// (16-bit files are scaled with rounding), read_png16 gives 16-bit samples
// (8-bit files are scaled by 257, so 255 becomes 65535).
//
// Errors: a missing file, a file that is not a PNG, a truncated or corrupt
// one all raise io_error whose message starts with the file's path. libpng
// reports errors by longjmp; the only frame it jumps over is libpng's own
// (see decode_into), so no C++ destructor is ever skipped.
#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/io/image.hpp"

namespace isinggan::io {

/// Reads the whole contents of a file into `bytes` (reusing its memory);
/// io_error naming the path when it cannot be read.
inline void read_file_bytes(const std::filesystem::path& path, std::vector<unsigned char>& bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::error_code ec;
        const char* why = std::filesystem::exists(path, ec) ? "cannot open file" : "file does not exist";
        throw io_error(path.string() + ": " + why);
    }
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size < 0) throw io_error(path.string() + ": cannot determine the file's size");
    in.seekg(0, std::ios::beg);
    bytes.resize(static_cast<std::size_t>(size));
    if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
        throw io_error(path.string() + ": read failed");
}
inline std::vector<unsigned char> read_file_bytes(const std::filesystem::path& path) {
    std::vector<unsigned char> bytes;
    read_file_bytes(path, bytes);
    return bytes;
}

/// Writes `bytes` as the whole contents of a file; io_error naming the path on failure.
inline void write_file_bytes(const std::filesystem::path& path, std::span<const unsigned char> bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw io_error(path.string() + ": cannot open for writing");
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) throw io_error(path.string() + ": write failed");
}

namespace png_detail {

/// Largest width or height accepted, and largest decoded size in bytes: a
/// hostile header cannot make the reader allocate without bound.
inline constexpr std::uint32_t max_dimension = 1u << 15;
inline constexpr std::size_t max_decoded_bytes = std::size_t{1} << 30;

struct error_state {
    std::jmp_buf jump;
    char message[256] = {};
};

struct memory_reader {
    const unsigned char* data;
    std::size_t size;
    std::size_t pos;
};

extern "C" inline void on_error(png_structp png, png_const_charp msg) {
    auto* state = static_cast<error_state*>(png_get_error_ptr(png));
    std::snprintf(state->message, sizeof state->message, "%s", msg ? msg : "unknown libpng error");
    std::longjmp(state->jump, 1);
}

extern "C" inline void on_warning(png_structp, png_const_charp) {}  // benign (e.g. an unknown sRGB profile)

extern "C" inline void read_from_memory(png_structp png, png_bytep out, png_size_t count) {
    auto* reader = static_cast<memory_reader*>(png_get_io_ptr(png));
    if (count > reader->size - reader->pos) png_error(png, "unexpected end of data (file truncated)");
    std::memcpy(out, reader->data + reader->pos, count);
    reader->pos += count;
}

/// Destroys the libpng structures on every exit from decode_into. It is
/// constructed before setjmp, so the longjmp leaves it alive and in scope.
struct read_guard {
    png_structp png = nullptr;
    png_infop info = nullptr;
    ~read_guard() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }
};

/// Decodes into `out`; returns false with state.message set on a libpng error.
/// Everything with a destructor is declared before setjmp.
template <class Sample>
bool decode_into(std::span<const unsigned char> bytes, image_buffer<Sample>& out, std::vector<unsigned char*>& rows,
                 error_state& state) {
    memory_reader reader{bytes.data(), bytes.size(), 0};
    read_guard guard;
    guard.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
    if (!guard.png) {
        std::snprintf(state.message, sizeof state.message, "libpng could not allocate its reader");
        return false;
    }
    guard.info = png_create_info_struct(guard.png);
    if (!guard.info) {
        std::snprintf(state.message, sizeof state.message, "libpng could not allocate its info structure");
        return false;
    }
    if (setjmp(state.jump)) return false;

    png_structp png = guard.png;
    png_infop info = guard.info;
    png_set_read_fn(png, &reader, read_from_memory);
    png_set_user_limits(png, max_dimension, max_dimension);
#if defined(PNG_IGNORE_ADLER32)
    // Every chunk's CRC is still checked, which already covers the compressed
    // data; skipping zlib's second checksum saves close to a tenth of decoding.
    png_set_option(png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
#endif
    png_read_info(png, info);

    const int bit_depth = png_get_bit_depth(png, info);
    png_set_expand(png);  // palette -> RGB, grey < 8 bits -> 8 bits, tRNS -> alpha
    if constexpr (sizeof(Sample) == 1) {
        if (bit_depth == 16) png_set_scale_16(png);
    } else {
        if (bit_depth < 16) png_set_expand_16(png);
        const std::uint16_t probe = 1;
        if (*reinterpret_cast<const unsigned char*>(&probe) == 1) png_set_swap(png);  // PNG stores big-endian
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    const std::size_t width = png_get_image_width(png, info);
    const std::size_t height = png_get_image_height(png, info);
    const std::size_t channels = png_get_channels(png, info);
    const std::size_t row_bytes = png_get_rowbytes(png, info);
    if (row_bytes != width * channels * sizeof(Sample) || channels < 1 || channels > 4)
        png_error(png, "unexpected decoded row layout");
    if (row_bytes * height > max_decoded_bytes) png_error(png, "image too large to decode");

    out.width = width;
    out.height = height;
    out.channels = channels;
    out.samples.resize(width * height * channels);
    rows.resize(height);
    for (std::size_t y = 0; y < height; ++y)
        rows[y] = reinterpret_cast<unsigned char*>(out.samples.data() + y * width * channels);
    png_read_image(png, rows.data());
    png_read_end(png, nullptr);
    return true;
}

template <class Sample>
void decode(std::span<const unsigned char> bytes, const std::string& name, image_buffer<Sample>& out) {
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (bytes.size() < 8 || std::memcmp(bytes.data(), signature, 8) != 0)
        throw io_error(name + ": not a PNG file (bad signature)");
    std::vector<unsigned char*> rows;
    error_state state;
    if (!decode_into(bytes, out, rows, state))
        throw io_error(name + ": cannot decode PNG: " + state.message);
}

extern "C" inline void write_to_memory(png_structp png, png_bytep data, png_size_t count) {
    auto* sink = static_cast<std::vector<unsigned char>*>(png_get_io_ptr(png));
    try {
        sink->insert(sink->end(), data, data + count);
    } catch (...) {
        png_error(png, "out of memory while encoding");
    }
}
extern "C" inline void flush_memory(png_structp) {}

struct write_guard {
    png_structp png = nullptr;
    png_infop info = nullptr;
    ~write_guard() { png_destroy_write_struct(&png, info ? &info : nullptr); }
};

template <class Sample>
bool encode_into(const image_buffer<Sample>& img, std::vector<unsigned char>& sink, std::vector<unsigned char*>& rows,
                 error_state& state) {
    write_guard guard;
    guard.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
    if (!guard.png) {
        std::snprintf(state.message, sizeof state.message, "libpng could not allocate its writer");
        return false;
    }
    guard.info = png_create_info_struct(guard.png);
    if (!guard.info) {
        std::snprintf(state.message, sizeof state.message, "libpng could not allocate its info structure");
        return false;
    }
    rows.resize(img.height);
    for (std::size_t y = 0; y < img.height; ++y)
        rows[y] = const_cast<unsigned char*>(reinterpret_cast<const unsigned char*>(img.samples.data() + y * img.row_size()));
    if (setjmp(state.jump)) return false;

    png_structp png = guard.png;
    png_infop info = guard.info;
    static constexpr int colour_types[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                           PNG_COLOR_TYPE_RGB_ALPHA};
    png_set_write_fn(png, &sink, write_to_memory, flush_memory);
    png_set_IHDR(png, info, static_cast<png_uint_32>(img.width), static_cast<png_uint_32>(img.height),
                 sizeof(Sample) * 8, colour_types[img.channels - 1], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    if constexpr (sizeof(Sample) == 2) {
        const std::uint16_t probe = 1;
        if (*reinterpret_cast<const unsigned char*>(&probe) == 1) png_set_swap(png);
    }
    png_write_image(png, rows.data());
    png_write_end(png, nullptr);
    return true;
}

template <class Sample>
std::vector<unsigned char> encode(const image_buffer<Sample>& img, const std::string& name) {
    if (img.width == 0 || img.height == 0 || img.channels < 1 || img.channels > 4)
        throw argument_error(name + ": cannot encode a " + img.size_str() + " image with " +
                             std::to_string(img.channels) + " channels as PNG (need 1 to 4 channels, nonzero size)");
    if (img.width > max_dimension || img.height > max_dimension)
        throw argument_error(name + ": image " + img.size_str() + " is too large to encode");
    if (img.samples.size() != img.width * img.height * img.channels)
        throw argument_error(name + ": image holds " + std::to_string(img.samples.size()) + " samples, expected " +
                             std::to_string(img.width * img.height * img.channels));
    std::vector<unsigned char> sink;
    std::vector<unsigned char*> rows;
    error_state state;
    if (!encode_into(img, sink, rows, state)) throw io_error(name + ": cannot encode PNG: " + state.message);
    return sink;
}

}  // namespace png_detail

/// Decodes PNG bytes held in memory; `name` starts any error message.
inline image8 decode_png(std::span<const unsigned char> bytes, const std::string& name = "<memory>") {
    image8 out;
    png_detail::decode(bytes, name, out);
    return out;
}
inline image16 decode_png16(std::span<const unsigned char> bytes, const std::string& name = "<memory>") {
    image16 out;
    png_detail::decode(bytes, name, out);
    return out;
}

/// Reads a PNG file into `out`, reusing its memory and `file_buffer`'s: decoding
/// thousands of files in a loop then allocates (and page-faults) almost nothing.
inline void read_png_into(const std::filesystem::path& path, image8& out, std::vector<unsigned char>& file_buffer) {
    read_file_bytes(path, file_buffer);
    png_detail::decode(std::span<const unsigned char>(file_buffer), path.string(), out);
}

/// Reads a PNG file with 8-bit samples.
inline image8 read_png(const std::filesystem::path& path) {
    const auto bytes = read_file_bytes(path);
    return decode_png(bytes, path.string());
}
/// Reads a PNG file with 16-bit samples.
inline image16 read_png16(const std::filesystem::path& path) {
    const auto bytes = read_file_bytes(path);
    return decode_png16(bytes, path.string());
}

/// Encodes an image (1 to 4 channels, 8 or 16 bits) as PNG bytes.
inline std::vector<unsigned char> encode_png(const image8& img) { return png_detail::encode(img, "<memory>"); }
inline std::vector<unsigned char> encode_png(const image16& img) { return png_detail::encode(img, "<memory>"); }

/// Writes a PNG file: grey, grey+alpha, RGB or RGBA by the channel count.
inline void write_png(const std::filesystem::path& path, const image8& img) {
    write_file_bytes(path, png_detail::encode(img, path.string()));
}
inline void write_png(const std::filesystem::path& path, const image16& img) {
    write_file_bytes(path, png_detail::encode(img, path.string()));
}

}  // namespace isinggan::io
