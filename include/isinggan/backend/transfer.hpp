#pragma once
// copy_tensor(src, dst): a copy between tensors on any two backends (host to
// host, host to device, device to host, device to device); dst takes src's
// shape; upload and download: the same, skipped when both sides are the host;
// assign_from_host and copy_reshaped: copies that keep or set the shape.
// The one place above the kernels where the two backends' memories meet.
// copy_model_state(from, to): every parameter and buffer of one model into
// another of the same architecture, on any backends. Host-device copies wait
// for the copy to finish; copy_model_state is meant for initialisation and
// checkpoints, not for the inside of a training step.
#include <algorithm>
#include <concepts>
#include <string>
#include <string_view>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/core/parameter.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan {

template <class From, class To>
void copy_tensor(const tensor<From>& src, tensor<To>& dst) {
    if constexpr (std::same_as<From, cpu> && std::same_as<To, cpu>) {
        dst.resize(src.shape());
        std::copy(src.begin(), src.end(), dst.begin());
    } else if constexpr (std::same_as<From, cpu>) {
        dst.copy_from(src);
    } else if constexpr (std::same_as<To, cpu>) {
        src.copy_to(dst);
    } else {
        dst.assign(src);
    }
}

/// `host` as a tensor of backend B: `host` itself on the CPU, else its copy
/// in `device` (a batch assembled on the host, on its way to the networks).
template <class B>
const tensor<B>& upload(const tensor<cpu>& host, tensor<B>& device) {
    if constexpr (std::same_as<B, cpu>) {
        return host;
    } else {
        device.copy_from(host);
        return device;
    }
}

/// `t` readable on the host: `t` itself on the CPU, else its copy in `host`.
template <class B>
const tensor<cpu>& download(const tensor<B>& t, tensor<cpu>& host) {
    if constexpr (std::same_as<B, cpu>) {
        return t;
    } else {
        t.copy_to(host);
        return host;
    }
}

/// Overwrites t with the values of the host tensor `host` (same number of
/// elements); t keeps its shape.
template <class B>
void assign_from_host(tensor<B>& t, const tensor<cpu>& host) {
    if (host.size() != t.size())
        throw shape_error("assign_from_host: " + host.shape().str() + " has not the element count of " +
                          t.shape().str());
    if constexpr (std::same_as<B, cpu>) {
        std::copy(host.begin(), host.end(), t.begin());
    } else {
        const shape4 s = t.shape();
        t.copy_from(host);
        t.resize(s);
    }
}

/// y = a copy of x under shape s (same number of elements), on either backend.
template <class B>
void copy_reshaped(const tensor<B>& x, tensor<B>& y, shape4 s) {
    if constexpr (std::same_as<B, cpu>) {
        y.resize(s);
        std::copy(x.begin(), x.end(), y.begin());
    } else {
        y.assign(x);
        y.resize(s);
    }
}

template <class FromModel, class ToModel>
void copy_model_state(FromModel& from, ToModel& to) {
    struct entry {
        std::string name;
        const void* tensor;
    };
    using from_tensor = tensor<typename FromModel::backend_type>;
    std::vector<entry> source;
    visit_params(from, [&](std::string_view name, auto& p) { source.push_back({std::string(name), &p.value}); });
    visit_buffers(from, [&](std::string_view name, auto& t) { source.push_back({std::string(name), &t}); });
    std::size_t i = 0;
    auto copy_one = [&](std::string_view name, auto& dst) {
        if (i >= source.size() || source[i].name != name)
            throw argument_error("copy_model_state: the models differ at \"" + std::string(name) + "\"");
        const auto& src = *static_cast<const from_tensor*>(source[i].tensor);
        if (src.shape() != dst.shape())
            throw shape_error("copy_model_state: \"" + std::string(name) + "\" has shape " + src.shape().str() +
                              " in the source and " + dst.shape().str() + " in the destination");
        copy_tensor(src, dst);
        ++i;
    };
    visit_params(to, [&](std::string_view name, auto& p) { copy_one(name, p.value); });
    visit_buffers(to, [&](std::string_view name, auto& t) { copy_one(name, t); });
    if (i != source.size()) throw argument_error("copy_model_state: the models have different numbers of tensors");
}

}  // namespace isinggan
