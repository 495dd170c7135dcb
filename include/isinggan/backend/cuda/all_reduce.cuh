#pragma once
// The collectives of data-parallel training on device tensors (the contracts
// are in backend/cpu/all_reduce.hpp). A communicator that reduces device
// memory (NCCL) works in place on the current stream, one call per tensor
// (NCCL fuses small calls itself); a host one (MPI) goes through host copies.
#include <cstddef>
#include <span>
#include <vector>

#include "isinggan/backend/cpu/all_reduce.hpp"
#include "isinggan/backend/cuda/elementwise.cuh"
#include "isinggan/backend/cuda/tensor.hpp"

namespace isinggan::ops {

inline void all_reduce_weighted(cuda, collective& c, std::span<tensor<cuda>* const> tensors, double weight,
                                std::size_t bucket_bytes) {
    if (c.reduces_device_memory()) {
        for (tensor<cuda>* t : tensors) {
            if (t->size() == 0) continue;
            if (weight != 1.0) scale(cuda{}, *t, float(weight));
            c.all_reduce_sum_device(t->data(), t->size());
        }
        return;
    }
    thread_local std::vector<tensor<cpu>> host;
    thread_local std::vector<tensor<cpu>*> pointers;
    host.resize(tensors.size());
    pointers.clear();
    for (std::size_t k = 0; k < tensors.size(); ++k) {
        tensors[k]->copy_to(host[k]);
        pointers.push_back(&host[k]);
    }
    all_reduce_weighted(cpu{}, c, std::span<tensor<cpu>* const>(pointers), weight, bucket_bytes);
    for (std::size_t k = 0; k < tensors.size(); ++k) tensors[k]->copy_from(host[k]);
}

inline void broadcast(cuda, collective& c, tensor<cuda>& t, int root) {
    if (t.size() == 0) return;
    if (c.reduces_device_memory()) {
        c.broadcast_device(t.data(), t.size(), root);
        return;
    }
    thread_local tensor<cpu> host;
    t.copy_to(host);
    broadcast(cpu{}, c, host, root);
    t.copy_from(host);
}

/// Synchronised batch norm runs on the CPU only, for now (the GPU op refuses a communicator).
constexpr bool supports_batch_norm_sync(cuda) { return false; }

}  // namespace isinggan::ops
