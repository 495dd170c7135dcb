#pragma once
// Reader for the golden fixture files written by tests/reference/*.py.
//
// Format (little-endian): "IGFX", uint32 tensor count, then per tensor:
// uint16 name length, name bytes, uint8 rank (1..4), rank x uint32 dims,
// float32 values. Ranks below 4 are padded on the left to NCHW with ones.
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/core/tensor.hpp"

#ifndef ISINGGAN_TEST_FIXTURES
#error "ISINGGAN_TEST_FIXTURES must name the tests/fixtures directory"
#endif

namespace isinggan::testing {

class fixture {
public:
    /// Loads tests/fixtures/<relative>.
    explicit fixture(const std::string& relative) : path_(std::string(ISINGGAN_TEST_FIXTURES) + "/" + relative) {
        std::ifstream in(path_, std::ios::binary);
        if (!in) throw io_error(path_ + ": cannot open fixture");
        const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::size_t at = 0;
        auto take = [&](void* dst, std::size_t n) {
            if (bytes.size() - at < n) throw io_error(path_ + ": truncated fixture");
            std::memcpy(dst, bytes.data() + at, n);
            at += n;
        };
        char magic[4];
        take(magic, 4);
        if (std::memcmp(magic, "IGFX", 4) != 0) throw io_error(path_ + ": not a fixture file");
        std::uint32_t count;
        take(&count, 4);
        for (std::uint32_t t = 0; t < count; ++t) {
            std::uint16_t len;
            take(&len, 2);
            std::string name(len, '\0');
            take(name.data(), len);
            std::uint8_t rank;
            take(&rank, 1);
            if (rank < 1 || rank > 4) throw io_error(path_ + ": bad rank for " + name);
            std::size_t dims[4] = {1, 1, 1, 1};
            for (int i = 0; i < rank; ++i) {
                std::uint32_t d;
                take(&d, 4);
                dims[4 - rank + i] = d;
            }
            tensor<cpu> value(shape4{dims[0], dims[1], dims[2], dims[3]});
            take(value.data(), value.size() * sizeof(float));
            tensors_.emplace(std::move(name), std::move(value));
        }
    }

    const tensor<cpu>& operator[](const std::string& name) const {
        const auto it = tensors_.find(name);
        if (it == tensors_.end()) throw io_error(path_ + ": no tensor named " + name);
        return it->second;
    }
    bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::map<std::string, tensor<cpu>> tensors_;
};

}  // namespace isinggan::testing
