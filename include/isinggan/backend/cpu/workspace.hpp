#pragma once
// Scratch memory for the CPU kernels (im2col columns, gathered batches).
// A workspace grows to the largest request it has seen and then stays put,
// so a training loop that reuses one workspace allocates only in its first step.
#include <array>
#include <cstddef>

#include "isinggan/core/aligned_buffer.hpp"

namespace isinggan {

class cpu_workspace {
public:
    enum slot : std::size_t { columns = 0, gathered = 1, scratch = 2, slot_count = 3 };

    /// At least `n` floats for `s`, valid until the next request for the same slot.
    float* get(slot s, std::size_t n) {
        auto& b = buffers_[s];
        if (b.size() < n) b.resize(n);
        return b.data();
    }

    std::size_t bytes() const noexcept {
        std::size_t total = 0;
        for (const auto& b : buffers_) total += b.capacity() * sizeof(float);
        return total;
    }

private:
    std::array<aligned_buffer<float>, slot_count> buffers_;
};

}  // namespace isinggan
