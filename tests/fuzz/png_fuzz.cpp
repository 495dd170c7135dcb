// libFuzzer target for the dataset loader's path from untrusted bytes to
// tensors: PNG decoding (8 and 16 bit), preprocessing of image and mask, and
// the modality features. Any input must give an image or an io_error, never a
// crash, a leak or an out-of-bounds access.
// Build and run:
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude
//       tests/fuzz/png_fuzz.cpp -lpng -o png_fuzz
//   ./png_fuzz -max_len=4096 -max_total_time=60 corpus/
// Seed the corpus with a few small PNGs (tests/fixtures/io/*.png).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "isinggan/data/preprocess.hpp"
#include "isinggan/data/texture_features.hpp"
#include "isinggan/io/png.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const unsigned char> bytes(data, size);
    try {
        const auto img = isinggan::io::decode_png(bytes, "fuzz");
        if (img.width * img.height > (1u << 20)) return 0;  // keep each run fast
        std::vector<float> planes(3 * 16 * 16);
        isinggan::data::preprocess_image(img, 16, planes.data());
        std::vector<std::uint8_t> mask(img.width * img.height);
        for (std::size_t i = 0; i < mask.size(); ++i) mask[i] = img.samples[i * img.channels];
        isinggan::data::preprocess_mask(mask.data(), img.width, img.height, 16, planes.data());
        (void)isinggan::data::modality_features(img);
    } catch (const isinggan::io_error&) {
    }
    try {
        (void)isinggan::io::decode_png16(bytes, "fuzz");
    } catch (const isinggan::io_error&) {
    }
    return 0;
}
