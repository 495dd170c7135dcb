#pragma once
// Data parallelism over a model's parameters, through any `collective`
// (core/collective.hpp): the gradient all-reduce every rank runs before its
// optimizer step, the broadcast that makes every rank start from rank 0's
// weights, and a digest to check that they stayed identical. No MPI here:
// distributed/mpi.hpp and distributed/nccl.hpp provide the communicators.
//
// Gradients are reduced in buckets, in parameter order, as DDP and Horovod
// do (ops::all_reduce_weighted of either backend: backend/cpu/all_reduce.hpp).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "isinggan/backend/cpu/all_reduce.hpp"
#include "isinggan/backend/transfer.hpp"
#include "isinggan/core/collective.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/core/parameter.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan::distributed {

/// The default bucket size of the gradient all-reduce (PyTorch DDP's).
inline constexpr std::size_t default_bucket_bytes = std::size_t(25) << 20;

/// The samples [first, first + count) of a global batch of `batch` that rank
/// `rank` of `ranks` takes: contiguous slices, sizes differing by at most one.
struct batch_slice {
    std::size_t first = 0, count = 0;

    static batch_slice of(std::size_t batch, int rank, int ranks) {
        const auto r = std::size_t(rank), n = std::size_t(ranks);
        const std::size_t begin = batch * r / n, end = batch * (r + 1) / n;
        return {begin, end - begin};
    }
};

/// Copies samples [first, first + count) of `all` into `part`.
inline void take_samples(const tensor<cpu>& all, std::size_t first, std::size_t count, tensor<cpu>& part) {
    if (first + count > all.n())
        throw argument_error("take_samples: samples [" + std::to_string(first) + ", " + std::to_string(first + count) +
                             ") of a batch of " + std::to_string(all.n()));
    shape4 s = all.shape();
    s.n = count;
    part.resize(s);
    if (count) std::memcpy(part.data(), all.sample(first), count * all.shape().sample_size() * sizeof(float));
}

/// Every rank's gradients become Σ_r weight_r · grad_r, where `weight` is
/// this rank's share of the global batch (1/R for equal slices): with losses
/// that are means over each rank's samples, the gradient of the mean over the
/// global batch. In parameter order, in buckets of at most bucket_bytes
/// (ops::all_reduce_weighted). Every rank must call it, in the same order.
template <class Model>
void all_reduce_gradients(collective& c, Model& model, double weight,
                          std::size_t bucket_bytes = default_bucket_bytes) {
    using backend = typename Model::backend_type;
    thread_local std::vector<tensor<backend>*> gradients;  // reused: no allocation per step once warm
    gradients.clear();
    visit_params(model, [&](std::string_view, auto& p) { gradients.push_back(&p.grad); });
    ops::all_reduce_weighted(backend{}, c, std::span<tensor<backend>* const>(gradients), weight, bucket_bytes);
}

/// Rank `root`'s buffers (batch-norm running statistics) on every rank: what
/// keeps ranks that normalise by their own batch statistics identical (as
/// DDP's broadcast_buffers).
template <class Model>
void broadcast_buffers(collective& c, Model& model, int root = 0) {
    using backend = typename Model::backend_type;
    visit_buffers(model, [&](std::string_view, auto& t) { ops::broadcast(backend{}, c, t, root); });
}

/// Every rank gets rank `root`'s parameters and buffers: called when
/// data-parallel training starts and after a resume.
template <class Model>
void broadcast_state(collective& c, Model& model, int root = 0) {
    using backend = typename Model::backend_type;
    visit_params(model, [&](std::string_view, auto& p) { ops::broadcast(backend{}, c, p.value, root); });
    broadcast_buffers(c, model, root);
}

/// A 64-bit FNV-1a digest of a model's parameters and buffers, bit for bit:
/// equal on every rank as long as the ranks hold identical weights.
template <class Model>
std::uint64_t state_digest(Model& model) {
    std::uint64_t h = 14695981039346656037ull;
    const auto mix = [&](const auto& t) {
        thread_local tensor<cpu> host;
        const tensor<cpu>& v = download(t, host);
        const auto* bytes = reinterpret_cast<const unsigned char*>(v.data());
        for (std::size_t i = 0; i < v.size() * sizeof(float); ++i) h = (h ^ bytes[i]) * 1099511628211ull;
    };
    visit_params(model, [&](std::string_view, auto& p) { mix(p.value); });
    visit_buffers(model, [&](std::string_view, auto& t) { mix(t); });
    return h;
}

}  // namespace isinggan::distributed
