#pragma once
// tensor<Backend, T>: an NCHW array of T that owns its memory.
//
// The host tensor (`tensor<cpu>`) keeps its elements in a 64-byte aligned
// buffer. xtensor and Eigen work on the same memory without copies: see
// `as_xtensor` (core/xtensor_interop.hpp) and `as_matrix` (core/eigen_interop.hpp),
// kept out of this header so code that needs neither does not pay for them
// at compile time. The device tensor (`tensor<cuda>`) is in backend/cuda.
#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>

#include "isinggan/core/aligned_buffer.hpp"
#include "isinggan/core/backend.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/core/shape.hpp"

namespace isinggan {

template <class Backend, class T = float>
class tensor;

template <class T>
class tensor<cpu, T> {
public:
    using value_type = T;
    using backend_type = cpu;

    tensor() = default;
    /// A zero-filled tensor of the given shape.
    explicit tensor(shape4 s) { resize(s); }
    tensor(shape4 s, T fill) {
        resize(s);
        this->fill(fill);
    }
    /// A tensor holding a copy of `values`, which must have s.size() elements.
    tensor(shape4 s, std::span<const T> values) {
        if (values.size() != s.size())
            throw shape_error("tensor of shape " + s.str() + " needs " + std::to_string(s.size()) +
                              " values, got " + std::to_string(values.size()));
        resize(s);
        std::copy(values.begin(), values.end(), data_.data());
    }
    tensor(shape4 s, std::initializer_list<T> values) : tensor(s, std::span<const T>(values.begin(), values.size())) {}

    /// Changes the shape. The memory is reused when it is large enough, so
    /// resizing a layer's buffers to the same (or a smaller) shape at every
    /// step never allocates. Element values are unspecified afterwards except
    /// that newly grown memory is zero.
    void resize(shape4 s) {
        shape_ = s;
        data_.resize(s.size());
    }

    const shape4& shape() const noexcept { return shape_; }
    std::size_t n() const noexcept { return shape_.n; }
    std::size_t c() const noexcept { return shape_.c; }
    std::size_t h() const noexcept { return shape_.h; }
    std::size_t w() const noexcept { return shape_.w; }
    std::size_t size() const noexcept { return shape_.size(); }
    bool empty() const noexcept { return shape_.size() == 0; }

    T* data() noexcept { return data_.data(); }
    const T* data() const noexcept { return data_.data(); }
    std::span<T> values() noexcept { return {data_.data(), size()}; }
    std::span<const T> values() const noexcept { return {data_.data(), size()}; }
    T* begin() noexcept { return data(); }
    T* end() noexcept { return data() + size(); }
    const T* begin() const noexcept { return data(); }
    const T* end() const noexcept { return data() + size(); }

    /// Pointer to sample n, or to channel plane (n, c).
    T* sample(std::size_t n) noexcept { return data() + n * shape_.sample_size(); }
    const T* sample(std::size_t n) const noexcept { return data() + n * shape_.sample_size(); }
    T* plane(std::size_t n, std::size_t c) noexcept { return sample(n) + c * shape_.plane_size(); }
    const T* plane(std::size_t n, std::size_t c) const noexcept { return sample(n) + c * shape_.plane_size(); }

    std::size_t offset(std::size_t n, std::size_t c, std::size_t y, std::size_t x) const noexcept {
        return ((n * shape_.c + c) * shape_.h + y) * shape_.w + x;
    }
    /// Unchecked element access.
    T& operator()(std::size_t n, std::size_t c, std::size_t y, std::size_t x) noexcept {
        return data_[offset(n, c, y, x)];
    }
    const T& operator()(std::size_t n, std::size_t c, std::size_t y, std::size_t x) const noexcept {
        return data_[offset(n, c, y, x)];
    }
    /// Bounds-checked element access; throws shape_error naming the index and shape.
    T& at(std::size_t n, std::size_t c, std::size_t y, std::size_t x) {
        check_index(n, c, y, x);
        return (*this)(n, c, y, x);
    }
    const T& at(std::size_t n, std::size_t c, std::size_t y, std::size_t x) const {
        check_index(n, c, y, x);
        return (*this)(n, c, y, x);
    }

    void fill(T v) noexcept { std::fill(begin(), end(), v); }
    void zero() noexcept { fill(T{}); }

private:
    void check_index(std::size_t n, std::size_t c, std::size_t y, std::size_t x) const {
        if (n >= shape_.n || c >= shape_.c || y >= shape_.h || x >= shape_.w)
            throw shape_error("index [" + std::to_string(n) + ", " + std::to_string(c) + ", " + std::to_string(y) +
                              ", " + std::to_string(x) + "] is outside shape " + shape_.str());
    }

    shape4 shape_{};
    aligned_buffer<T> data_;
};

template <class T = float>
using host_tensor = tensor<cpu, T>;

/// Throws shape_error unless both tensors have the same shape.
template <class A, class B>
void require_same_shape(const A& a, const B& b, const char* what) {
    if (a.shape() != b.shape())
        throw shape_error(std::string(what) + ": shapes " + a.shape().str() + " and " + b.shape().str() +
                          " differ");
}

}  // namespace isinggan
