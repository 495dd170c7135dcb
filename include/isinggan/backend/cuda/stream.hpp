#pragma once
// Which CUDA stream the library's GPU work goes to. Every kernel, cuDNN and
// cuBLAS call, and device copy of isinggan is issued on the calling thread's
// current stream: the legacy default stream unless a stream_scope says
// otherwise. Work on one stream runs in issue order; copies to the host, and
// the scalar losses, synchronise with that stream only.
//
//     isinggan::cuda_stream s;                 // a stream of one's own
//     {
//         isinggan::stream_scope on(s.get());  // this thread's isinggan work goes to s
//         trainer.step(data);                  // other streams (another model,
//     }                                        // another thread) run alongside
#include <cuda_runtime.h>

#include "isinggan/backend/cuda/check.hpp"

namespace isinggan {

namespace cuda_detail {

inline cudaStream_t& thread_stream_slot() {
    thread_local cudaStream_t stream = nullptr;  // the legacy default stream
    return stream;
}

}  // namespace cuda_detail

/// The stream the calling thread's isinggan GPU work is issued on.
inline cudaStream_t current_stream() noexcept { return cuda_detail::thread_stream_slot(); }

/// While alive, the calling thread's isinggan GPU work goes to `stream`.
class stream_scope {
public:
    explicit stream_scope(cudaStream_t stream) : previous_(current_stream()) {
        cuda_detail::thread_stream_slot() = stream;
    }
    stream_scope(const stream_scope&) = delete;
    stream_scope& operator=(const stream_scope&) = delete;
    ~stream_scope() { cuda_detail::thread_stream_slot() = previous_; }

private:
    cudaStream_t previous_;
};

/// An owned stream that does not synchronise with the legacy default stream.
class cuda_stream {
public:
    cuda_stream() { ISINGGAN_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }
    cuda_stream(const cuda_stream&) = delete;
    cuda_stream& operator=(const cuda_stream&) = delete;
    ~cuda_stream() {
        if (stream_) cudaStreamDestroy(stream_);
    }
    cudaStream_t get() const noexcept { return stream_; }
    /// Waits until everything issued on the stream has finished.
    void synchronize() const { ISINGGAN_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

private:
    cudaStream_t stream_ = nullptr;
};

}  // namespace isinggan
