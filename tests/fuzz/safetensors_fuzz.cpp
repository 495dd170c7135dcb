// libFuzzer target for the safetensors reader (not part of the doctest suite).
//
// Any input must either parse or throw isinggan::io_error: a crash, a
// sanitizer report or another exception is a bug. An input that parses must
// also survive a round trip through the writer unchanged, tensor by tensor.
//
//   clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Iinclude
//           tests/fuzz/safetensors_fuzz.cpp -o safetensors_fuzz
//   ./safetensors_fuzz -max_total_time=60 corpus/   (seed it with any .safetensors files)
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "isinggan/io/safetensors.hpp"

namespace st = isinggan::safetensors;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::byte> bytes(size);
    if (size) std::memcpy(bytes.data(), data, size);
    try {
        const st::file f = st::file::parse(std::move(bytes), "fuzz");
        st::writer w;
        for (const auto& e : f.tensors()) {
            if (st::is_real(e.type)) {
                std::vector<double> values(static_cast<std::size_t>(e.elements()));
                f.read(e, std::span<double>(values));
            }
            w.add(e.name, e.type, e.shape, f.bytes(e));
        }
        for (const auto& [k, v] : f.metadata()) w.set_metadata(k, v);
        const st::file again = st::file::parse(w.serialize(), "fuzz round trip");
        if (again.tensors().size() != f.tensors().size()) __builtin_trap();
        for (const auto& e : f.tensors()) {
            const auto& r = again.at(e.name);
            const auto a = f.bytes(e), b = again.bytes(r);
            if (r.type != e.type || r.shape != e.shape || a.size() != b.size() ||
                (a.size() && std::memcmp(a.data(), b.data(), a.size()) != 0))
                __builtin_trap();
        }
    } catch (const isinggan::io_error&) {
        // rejected: the expected outcome for most inputs
    }
    return 0;
}
