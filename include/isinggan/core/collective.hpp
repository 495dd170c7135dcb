#pragma once
// The collective operations data-parallel training needs, as an interface:
// the trainers and the synchronised batch norm call it, and
// distributed/mpi.hpp (MPI, host memory) and distributed/nccl.hpp (NCCL,
// device memory) implement it, so nothing below distributed/ links MPI or
// NCCL. Every rank must call the same collectives in the same order.
#include <cstddef>
#include <span>
#include <string>

#include "isinggan/core/error.hpp"

namespace isinggan {

class collective {
public:
    virtual ~collective() = default;

    virtual int rank() const = 0;
    virtual int size() const = 0;

    /// In place: each value becomes its sum over the ranks.
    virtual void all_reduce_sum(std::span<float> values) = 0;
    virtual void all_reduce_sum(std::span<double> values) = 0;
    /// In place: the root's values everywhere.
    virtual void broadcast(std::span<float> values, int root) = 0;
    virtual void broadcast(std::span<double> values, int root) = 0;
    virtual void barrier() = 0;

    /// Whether all_reduce_sum_device may be given device (GPU) memory.
    virtual bool reduces_device_memory() const { return false; }
    /// all_reduce_sum on `count` floats of device memory, ordered on the current stream.
    virtual void all_reduce_sum_device(float* /*values*/, std::size_t /*count*/) {
        throw argument_error("collective: this communicator reduces host memory only");
    }
    /// The same for a broadcast of device memory.
    virtual void broadcast_device(float* /*values*/, std::size_t /*count*/, int /*root*/) {
        throw argument_error("collective: this communicator broadcasts host memory only");
    }
};

/// The communicator that synchronised batch statistics use on this thread
/// (batch norm, the minibatch standard deviation), or nullptr (the default:
/// every layer uses its own batch's statistics).
/// Set for the duration of a training step by batch_norm_sync_scope.
inline collective*& batch_norm_sync() {
    thread_local collective* sync = nullptr;
    return sync;
}

/// While alive, the batch norms run on this thread in training mode and the
/// minibatch standard deviation layers use the statistics of the whole global
/// batch: their sums all-reduced over the ranks of `c` (nullptr: no
/// synchronisation).
class batch_norm_sync_scope {
public:
    explicit batch_norm_sync_scope(collective* c) : previous_(batch_norm_sync()) { batch_norm_sync() = c; }
    ~batch_norm_sync_scope() { batch_norm_sync() = previous_; }
    batch_norm_sync_scope(const batch_norm_sync_scope&) = delete;
    batch_norm_sync_scope& operator=(const batch_norm_sync_scope&) = delete;

private:
    collective* previous_;
};

}  // namespace isinggan
