#pragma once
// Scratch memory for the CPU kernels (im2col columns, gathered batches,
// per-thread partial sums, repacked weights). A workspace grows to the largest request it has
// seen and then stays put, so a training loop that reuses one workspace
// allocates only in its first step. Each thread has its own set of slots.
#include <array>
#include <cstddef>
#include <vector>

#include "isinggan/core/aligned_buffer.hpp"
#include "isinggan/core/backend.hpp"

namespace isinggan {

class cpu_workspace {
public:
    enum slot : std::size_t { columns = 0, gathered = 1, partial = 2, packed = 3, slot_count = 4 };

    /// At least `n` floats for slot `s` of thread `thread`, valid until the
    /// next request for the same slot and thread. Not thread-safe for the
    /// first request of a thread index: call reserve_threads() before a parallel region.
    float* get(slot s, std::size_t n, int thread = 0) {
        if (std::size_t(thread) >= per_thread_.size()) per_thread_.resize(std::size_t(thread) + 1);
        auto& b = per_thread_[std::size_t(thread)][s];
        if (b.size() < n) b.resize(n);
        return b.data();
    }

    /// Makes sure slots exist for `threads` threads, so that get() from inside a
    /// parallel region only ever touches its own thread's buffers.
    void reserve_threads(int threads) {
        if (per_thread_.size() < std::size_t(threads)) per_thread_.resize(std::size_t(threads));
    }

    std::size_t bytes() const noexcept {
        std::size_t total = 0;
        for (const auto& set : per_thread_)
            for (const auto& b : set) total += b.capacity() * sizeof(float);
        return total;
    }

private:
    std::vector<std::array<aligned_buffer<float>, slot_count>> per_thread_;
};

template <>
struct workspace_for<cpu> {
    using type = cpu_workspace;
};

/// The workspace all layers of a thread share: a layer needs scratch memory
/// only during one forward or backward call, so one workspace that grows to
/// the largest request serves a whole network.
inline cpu_workspace& thread_workspace(cpu) {
    thread_local cpu_workspace ws;
    return ws;
}

}  // namespace isinggan
