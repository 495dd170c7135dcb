// libFuzzer target for the .npz reader: the zip container (local and central
// headers, stored and deflated members, CRCs) and the .npy arrays in it.
// Any input must give its arrays or an io_error, never a crash, a leak or an
// out-of-bounds access. An array that parses must survive a round trip
// through the .npy writer unchanged.
//
//   clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Iinclude
//           tests/fuzz/npz_fuzz.cpp -lz -o npz_fuzz
//   ./npz_fuzz -max_total_time=60 corpus/   (seed it with tests/fixtures/fid/*.npz)
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "isinggan/io/npz.hpp"

namespace npz = isinggan::npz;
namespace npy = isinggan::npy;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<unsigned char> bytes(data, data + size);
    try {
        for (const auto& [name, a] : npz::parse(std::move(bytes), "fuzz")) {
            const npy::array again = npy::parse(npy::serialize(a), "fuzz round trip");
            if (again.shape != a.shape || again.values.size() != a.values.size() ||
                (!a.values.empty() &&
                 std::memcmp(again.values.data(), a.values.data(), a.values.size() * sizeof(double)) != 0))
                __builtin_trap();
        }
    } catch (const isinggan::io_error&) {
        // rejected: the expected outcome for most inputs
    }
    return 0;
}
