#pragma once
// tensor<cuda, T>: an NCHW tensor in GPU memory. Copies between host and
// device are explicit: to_device(host) and to_host(device).
#include "isinggan/backend/cuda/device_buffer.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan {

template <class T>
class tensor<cuda, T> {
public:
    using value_type = T;
    using backend_type = cuda;

    tensor() = default;
    /// A zero-filled device tensor.
    explicit tensor(shape4 s) {
        resize(s);
        data_.zero();
    }

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
    /// The elements as a span over device memory (what the ops' bias spans take);
    /// not to be dereferenced on the host.
    std::span<T> values() noexcept { return {data_.data(), size()}; }
    std::span<const T> values() const noexcept { return {data_.data(), size()}; }
    void zero() { data_.zero(); }
    /// Sets every element to v (through a host copy: meant for initialisation, not for a training step).
    void fill(T v) {
        tensor<cpu, T> host(shape_);
        host.fill(v);
        copy_from(host);
    }
    /// A device-to-device copy of `other`, shape included.
    void assign(const tensor& other) {
        resize(other.shape_);
        data_.copy_from_device(other.data_.data(), other.size());
    }

    void copy_from(const tensor<cpu, T>& host) {
        shape_ = host.shape();
        data_.copy_from_host(host.data(), host.size());
    }
    void copy_to(tensor<cpu, T>& host) const {
        host.resize(shape_);
        data_.copy_to_host(host.data());
    }

private:
    shape4 shape_{};
    device_buffer<T> data_;
};

template <class T>
tensor<cuda, T> to_device(const tensor<cpu, T>& host) {
    tensor<cuda, T> d;
    d.copy_from(host);
    return d;
}

template <class T>
tensor<cpu, T> to_host(const tensor<cuda, T>& device) {
    tensor<cpu, T> h;
    device.copy_to(h);
    return h;
}

}  // namespace isinggan
