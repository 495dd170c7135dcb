#pragma once
// The collectives of data-parallel training on tensors (core/collective.hpp
// is the communicator's interface), host memory. The `cuda` overloads are in
// backend/cuda/all_reduce.cuh.
//
//   all_reduce_weighted(B, c, tensors, weight, bucket_bytes)
//       every tensor becomes Σ_r weight_r · t_r over the ranks; consecutive
//       tensors are packed into buckets of at most bucket_bytes, each reduced
//       by one call (as DDP and Horovod do), so many small tensors cost a few
//       collectives, not one each
//   broadcast(B, c, t, root)    rank root's values of t everywhere
//   supports_batch_norm_sync(B) whether batch norm can use a communicator's
//                               global statistics on this backend
#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "isinggan/core/backend.hpp"
#include "isinggan/core/collective.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan::ops {

inline void all_reduce_weighted(cpu, collective& c, std::span<tensor<cpu>* const> tensors, double weight,
                                std::size_t bucket_bytes) {
    const std::size_t bucket_floats = std::max<std::size_t>(1, bucket_bytes / sizeof(float));
    thread_local std::vector<float> bucket;
    std::size_t begin = 0;  // the first tensor of the bucket being filled
    std::size_t filled = 0;
    const auto flush = [&](std::size_t end) {
        if (filled == 0) return;
        c.all_reduce_sum(std::span<float>(bucket.data(), filled));
        std::size_t at = 0;
        for (std::size_t k = begin; k < end; ++k) {
            std::copy_n(bucket.data() + at, tensors[k]->size(), tensors[k]->data());
            at += tensors[k]->size();
        }
        begin = end;
        filled = 0;
    };
    for (std::size_t k = 0; k < tensors.size(); ++k) {
        const tensor<cpu>& t = *tensors[k];
        if (filled > 0 && filled + t.size() > bucket_floats) flush(k);
        if (bucket.size() < filled + t.size()) bucket.resize(std::max(filled + t.size(), bucket_floats));
        float* out = bucket.data() + filled;
        for (std::size_t i = 0; i < t.size(); ++i) out[i] = float(double(t.data()[i]) * weight);
        filled += t.size();
    }
    flush(tensors.size());
}

inline void broadcast(cpu, collective& c, tensor<cpu>& t, int root) {
    if (t.size()) c.broadcast(t.values(), root);
}

constexpr bool supports_batch_norm_sync(cpu) { return true; }

}  // namespace isinggan::ops
