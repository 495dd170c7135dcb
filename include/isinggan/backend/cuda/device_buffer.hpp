#pragma once
// RAII ownership of GPU memory. Like aligned_buffer it grows only when asked
// for more than its capacity, so buffers sized by a first step are reused.
#include <cstddef>
#include <cstdint>
#include <utility>

#include "isinggan/backend/cuda/check.hpp"
#include "isinggan/backend/cuda/stream.hpp"
#include "isinggan/core/backend.hpp"

namespace isinggan {

template <class T>
class device_buffer {
public:
    device_buffer() = default;
    explicit device_buffer(std::size_t n) { resize(n); }
    device_buffer(const device_buffer&) = delete;
    device_buffer& operator=(const device_buffer&) = delete;
    device_buffer(device_buffer&& o) noexcept
        : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)),
          capacity_(std::exchange(o.capacity_, 0)) {}
    device_buffer& operator=(device_buffer&& o) noexcept {
        if (this != &o) {
            release();
            data_ = std::exchange(o.data_, nullptr);
            size_ = std::exchange(o.size_, 0);
            capacity_ = std::exchange(o.capacity_, 0);
        }
        return *this;
    }
    ~device_buffer() { release(); }

    /// Sets the size; contents are not preserved when the buffer must grow.
    void resize(std::size_t n) {
        if (n > capacity_) {
            release();
            void* p = nullptr;
            ISINGGAN_CUDA_CHECK(cudaMalloc(&p, n * sizeof(T)));
            data_ = static_cast<T*>(p);
            capacity_ = n;
        }
        size_ = n;
    }

    /// Host copies are stream-ordered on current_stream() and wait for it,
    /// so the host memory may be reused, and read, as soon as they return.
    void copy_from_host(const T* src, std::size_t n) {
        resize(n);
        if (!n) return;
        ISINGGAN_CUDA_CHECK(cudaMemcpyAsync(data_, src, n * sizeof(T), cudaMemcpyHostToDevice, current_stream()));
        ISINGGAN_CUDA_CHECK(cudaStreamSynchronize(current_stream()));
    }
    void copy_from_device(const T* src, std::size_t n) {
        resize(n);
        if (n && src != data_)
            ISINGGAN_CUDA_CHECK(
                cudaMemcpyAsync(data_, src, n * sizeof(T), cudaMemcpyDeviceToDevice, current_stream()));
    }
    void copy_to_host(T* dst) const {
        if (!size_) return;
        ISINGGAN_CUDA_CHECK(cudaMemcpyAsync(dst, data_, size_ * sizeof(T), cudaMemcpyDeviceToHost, current_stream()));
        ISINGGAN_CUDA_CHECK(cudaStreamSynchronize(current_stream()));
    }
    void zero() {
        if (size_) ISINGGAN_CUDA_CHECK(cudaMemsetAsync(data_, 0, size_ * sizeof(T), current_stream()));
    }

    T* data() noexcept { return data_; }
    const T* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    std::size_t capacity() const noexcept { return capacity_; }

private:
    void release() noexcept {
        if (data_) cudaFree(data_);  // errors on free cannot be reported from a destructor
        data_ = nullptr;
        size_ = capacity_ = 0;
    }

    T* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

template <>
struct index_buffer_for<cuda> {
    using type = device_buffer<std::int32_t>;
};

}  // namespace isinggan
