#pragma once
// Scratch memory on the GPU for cuDNN's convolution algorithms. Like
// cpu_workspace it grows to the largest request it has seen and then stays
// put, so a training loop that reuses one workspace calls cudaMalloc only in
// its first step. Requests are served in stream order: the memory handed out
// by get() may be reused by the next op once this one has been enqueued.
#include <cstddef>

#include "isinggan/backend/cuda/device_buffer.hpp"
#include "isinggan/core/backend.hpp"

namespace isinggan {

class cuda_workspace {
public:
    /// Largest workspace an algorithm may ask for; algorithms that need more
    /// are passed over when one is chosen for a convolution. 4 GiB lets the
    /// FFT-based algorithms of large batches compete; the workspace holds
    /// only what the chosen algorithms need.
    static constexpr std::size_t default_limit = std::size_t(4) << 30;

    explicit cuda_workspace(std::size_t limit_bytes = default_limit) : limit_(limit_bytes) {}

    /// At least `bytes` bytes of device memory (null for 0), valid until the next get().
    void* get(std::size_t bytes) {
        if (bytes == 0) return nullptr;
        if (bytes > buffer_.capacity()) {
            // Round up to 1 MiB so slightly larger requests do not each reallocate.
            constexpr std::size_t mib = std::size_t(1) << 20;
            buffer_.resize((bytes + mib - 1) / mib * mib);
            ++allocations_;
        }
        return buffer_.data();
    }

    std::size_t limit() const noexcept { return limit_; }
    /// Bytes currently held on the device.
    std::size_t bytes() const noexcept { return buffer_.capacity(); }
    /// How many times the workspace has had to allocate (for tests and profiling).
    std::size_t allocations() const noexcept { return allocations_; }

private:
    std::size_t limit_;
    device_buffer<unsigned char> buffer_;
    std::size_t allocations_ = 0;
};

template <>
struct workspace_for<cuda> {
    using type = cuda_workspace;
};

/// The cuDNN workspace all layers of a thread share (as thread_workspace(cpu)).
inline cuda_workspace& thread_workspace(cuda) {
    thread_local cuda_workspace ws;
    return ws;
}

}  // namespace isinggan
