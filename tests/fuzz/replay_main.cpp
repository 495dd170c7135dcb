// A driver that feeds files to a libFuzzer target without libFuzzer, so the
// fuzz targets run under CTest with any compiler. For every file under the
// given paths it runs the file itself, every prefix length in a coarse
// ladder (truncations), and a fixed number of seeded byte mutations: a
// bounded, reproducible fuzzing pass. A crash fails the test; the target's
// own contract is "any input gives a result or an isinggan error".
//
// usage: <target>_replay [--mutations N] PATH...
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void run(const std::vector<std::uint8_t>& bytes) { LLVMFuzzerTestOneInput(bytes.data(), bytes.size()); }

std::size_t replay_file(const std::filesystem::path& path, int mutations, std::mt19937_64& gen) {
    std::ifstream in(path, std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t runs = 0;
    run(bytes), ++runs;
    for (std::size_t cut = 0; cut < bytes.size(); cut = cut < 64 ? cut + 1 : cut * 2) {
        run(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + std::ptrdiff_t(cut)));
        ++runs;
    }
    for (int m = 0; m < mutations && !bytes.empty(); ++m) {
        auto mutated = bytes;
        const int flips = 1 + int(gen() % 8);
        for (int f = 0; f < flips; ++f) {
            const std::size_t at = gen() % mutated.size();
            switch (gen() % 3) {
                case 0: mutated[at] ^= std::uint8_t(1u << (gen() % 8)); break;
                case 1: mutated[at] = std::uint8_t(gen()); break;
                default: mutated[at] = (gen() & 1) ? 0xff : 0x00; break;
            }
        }
        run(mutated);
        ++runs;
    }
    return runs;
}

}  // namespace

int main(int argc, char** argv) {
    int mutations = 200;
    std::vector<std::filesystem::path> paths;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--mutations") && i + 1 < argc) mutations = std::atoi(argv[++i]);
        else paths.emplace_back(argv[i]);
    }
    std::mt19937_64 gen(20261125);
    std::size_t files = 0, runs = 0;
    for (const auto& root : paths) {
        if (std::filesystem::is_regular_file(root)) {
            runs += replay_file(root, mutations, gen), ++files;
            continue;
        }
        if (!std::filesystem::is_directory(root)) continue;  // an absent corpus (../shared) is not an error
        for (const auto& entry : std::filesystem::recursive_directory_iterator(root))
            if (entry.is_regular_file()) runs += replay_file(entry.path(), mutations, gen), ++files;
    }
    if (files == 0) {
        std::fprintf(stderr, "replay: no input files found\n");
        return 1;
    }
    std::printf("replay: %zu files, %zu inputs, no crash\n", files, runs);
    return 0;
}
