#pragma once
// A growable, 64-byte aligned array for host memory. Growth is the only
// allocation; shrinking keeps the capacity, so a buffer sized by the first
// training step is reused by every later one.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include "isinggan/core/backend.hpp"

namespace isinggan {

template <class T>
class aligned_buffer {
    static_assert(std::is_trivially_copyable_v<T>, "aligned_buffer holds plain numbers only");

public:
    static constexpr std::size_t alignment = 64;  // one cache line, one AVX-512 register

    aligned_buffer() = default;
    explicit aligned_buffer(std::size_t n) { resize(n); }
    aligned_buffer(const aligned_buffer& o) : aligned_buffer(o.size_) {
        if (size_) std::memcpy(data_, o.data_, size_ * sizeof(T));
    }
    aligned_buffer(aligned_buffer&& o) noexcept
        : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)),
          capacity_(std::exchange(o.capacity_, 0)) {}
    aligned_buffer& operator=(const aligned_buffer& o) {
        if (this != &o) {
            resize(o.size_);
            if (size_) std::memcpy(data_, o.data_, size_ * sizeof(T));
        }
        return *this;
    }
    aligned_buffer& operator=(aligned_buffer&& o) noexcept {
        if (this != &o) {
            release();
            data_ = std::exchange(o.data_, nullptr);
            size_ = std::exchange(o.size_, 0);
            capacity_ = std::exchange(o.capacity_, 0);
        }
        return *this;
    }
    ~aligned_buffer() { release(); }

    /// Sets the size to n. Contents up to min(old, n) are kept; new elements are
    /// zero. Allocates only when n exceeds the capacity.
    void resize(std::size_t n) {
        const std::size_t old_size = size_;
        if (n > capacity_) {
            const std::size_t bytes = round_up(n * sizeof(T));
            T* fresh = static_cast<T*>(::operator new(bytes, std::align_val_t{alignment}));
            if (size_) std::memcpy(fresh, data_, size_ * sizeof(T));
            release();
            data_ = fresh;
            capacity_ = bytes / sizeof(T);
            counter().fetch_add(1, std::memory_order_relaxed);
        }
        if (n > old_size) std::memset(static_cast<void*>(data_ + old_size), 0, (n - old_size) * sizeof(T));
        size_ = n;
    }

    T* data() noexcept { return data_; }
    const T* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    std::size_t capacity() const noexcept { return capacity_; }
    T& operator[](std::size_t i) noexcept { return data_[i]; }
    const T& operator[](std::size_t i) const noexcept { return data_[i]; }
    T* begin() noexcept { return data_; }
    T* end() noexcept { return data_ + size_; }
    const T* begin() const noexcept { return data_; }
    const T* end() const noexcept { return data_ + size_; }

    /// Number of heap allocations made so far by all aligned buffers of this
    /// element type, in every thread; tests use it to prove that a training
    /// step allocates nothing.
    static std::size_t allocation_count() noexcept { return counter().load(std::memory_order_relaxed); }

private:
    static std::atomic<std::size_t>& counter() noexcept {
        static std::atomic<std::size_t> count{0};
        return count;
    }
    static std::size_t round_up(std::size_t bytes) {
        return std::max<std::size_t>(alignment, (bytes + alignment - 1) / alignment * alignment);
    }
    void release() noexcept {
        if (data_) ::operator delete(data_, std::align_val_t{alignment});
        data_ = nullptr;
        capacity_ = 0;
        size_ = 0;
    }

    T* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

template <>
struct index_buffer_for<cpu> {
    using type = aligned_buffer<std::int32_t>;
};

}  // namespace isinggan
