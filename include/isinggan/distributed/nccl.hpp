#pragma once
// NCCL for data-parallel training on GPUs: gradients are all-reduced in
// device memory, on the trainer's stream (current_stream()), while the host
// side (losses, checkpoints' barrier) stays on MPI. The NCCL communicator is
// bootstrapped over MPI: rank 0 makes the unique id and broadcasts it, so no
// CUDA-aware MPI is needed. Link isinggan::nccl.
//
//   isinggan::distributed::mpi_session mpi(argc, argv);
//   isinggan::distributed::mpi_communicator world;
//   isinggan::distributed::nccl_communicator gpus(world);   // picks this rank's GPU
//   trainer.set_data_parallel(gpus);
//
// Each rank uses the GPU of its index among the ranks on its node (modulo the
// GPUs it sees), set before any other CUDA work: make the communicator first.
#include <nccl.h>

#include <cstddef>
#include <span>
#include <string>

#include "isinggan/backend/cuda/check.hpp"
#include "isinggan/backend/cuda/stream.hpp"
#include "isinggan/core/collective.hpp"
#include "isinggan/distributed/mpi.hpp"

namespace isinggan::distributed {

namespace nccl_detail {

inline void check(ncclResult_t r, const char* call) {
    if (r != ncclSuccess) throw distributed_error(std::string(call) + " failed: " + ncclGetErrorString(r));
}

/// This rank's index among the ranks of its node (MPI_COMM_TYPE_SHARED).
inline int local_rank(MPI_Comm comm) {
    MPI_Comm node;
    mpi_detail::check(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node), "MPI_Comm_split_type");
    int r = 0;
    MPI_Comm_rank(node, &r);
    MPI_Comm_free(&node);
    return r;
}

}  // namespace nccl_detail

class nccl_communicator final : public collective {
public:
    /// Collective over the ranks of `host` (which must outlive this): selects
    /// this rank's GPU and joins the NCCL communicator of all ranks.
    explicit nccl_communicator(mpi_communicator& host) : host_(host) {
        int devices = 0;
        ISINGGAN_CUDA_CHECK(cudaGetDeviceCount(&devices));
        if (devices == 0) throw distributed_error("nccl_communicator: no GPU is visible to rank " + std::to_string(host.rank()));
        device_ = nccl_detail::local_rank(host.handle()) % devices;
        ISINGGAN_CUDA_CHECK(cudaSetDevice(device_));
        ncclUniqueId id;
        if (host.rank() == 0) nccl_detail::check(ncclGetUniqueId(&id), "ncclGetUniqueId");
        host.broadcast_bytes(&id, sizeof id, 0);
        nccl_detail::check(ncclCommInitRank(&comm_, host.size(), id, host.rank()), "ncclCommInitRank");
    }
    nccl_communicator(const nccl_communicator&) = delete;
    nccl_communicator& operator=(const nccl_communicator&) = delete;
    ~nccl_communicator() override {
        if (comm_) ncclCommDestroy(comm_);
    }

    int rank() const override { return host_.rank(); }
    int size() const override { return host_.size(); }
    /// The GPU this rank uses.
    int device() const noexcept { return device_; }

    // Host memory: over MPI.
    void all_reduce_sum(std::span<float> v) override { host_.all_reduce_sum(v); }
    void all_reduce_sum(std::span<double> v) override { host_.all_reduce_sum(v); }
    void broadcast(std::span<float> v, int root) override { host_.broadcast(v, root); }
    void broadcast(std::span<double> v, int root) override { host_.broadcast(v, root); }
    void barrier() override { host_.barrier(); }

    // Device memory: NCCL, ordered on the current stream.
    bool reduces_device_memory() const override { return true; }
    void all_reduce_sum_device(float* values, std::size_t count) override {
        nccl_detail::check(ncclAllReduce(values, values, count, ncclFloat, ncclSum, comm_, current_stream()),
                           "ncclAllReduce");
    }
    void broadcast_device(float* values, std::size_t count, int root) override {
        nccl_detail::check(ncclBroadcast(values, values, count, ncclFloat, root, comm_, current_stream()),
                           "ncclBroadcast");
    }

private:
    mpi_communicator& host_;
    ncclComm_t comm_ = nullptr;
    int device_ = 0;
};

}  // namespace isinggan::distributed
