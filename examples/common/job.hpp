#pragma once
// A program as one rank of an MPI job (docs/cluster.md). In a build with MPI
// (isinggan::mpi), a program started by mpirun or srun joins the job, trains
// its slice of every batch and lets rank 0 alone print and write files; one
// started without a launcher, or built without MPI, runs alone, as always.
#include <iostream>
#include <memory>
#include <streambuf>
#include <string>

#include "isinggan/core/collective.hpp"
#if defined(ISINGGAN_WITH_MPI)
#include "isinggan/distributed/mpi.hpp"
#endif
#if defined(ISINGGAN_WITH_NCCL)
#include "isinggan/distributed/nccl.hpp"
#endif

namespace isinggan::examples {

class job {
    /// Where the other ranks' standard output goes: nowhere.
    struct discard : std::streambuf {
        int overflow(int c) override { return c; }
    };

public:
    job(int& argc, char**& argv) {
#if defined(ISINGGAN_WITH_MPI)
        session_ = std::make_unique<distributed::mpi_session>(argc, argv);
        if (session_->active()) {
            MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
            MPI_Comm_size(MPI_COMM_WORLD, &size_);
        }
#else
        (void)argc, (void)argv;
#endif
        if (rank_ != 0) {  // one rank speaks for the job; a failing rank still prints (stop_all_if_parallel)
            silenced_out_ = std::cout.rdbuf(&quiet_);
            silenced_err_ = std::cerr.rdbuf(&quiet_);
        }
        current() = this;
    }
    job(const job&) = delete;
    job& operator=(const job&) = delete;
    ~job() {
        device_.reset();
        host_.reset();
        if (silenced_out_) std::cout.rdbuf(silenced_out_);
        if (silenced_err_) std::cerr.rdbuf(silenced_err_);
        if (current() == this) current() = nullptr;
    }

    /// The job of this process (made by the program's run), or nullptr.
    static job*& current() {
        static job* j = nullptr;
        return j;
    }

    /// Whether more than one rank trains together.
    bool parallel() const noexcept { return size_ > 1; }
    int rank() const noexcept { return rank_; }
    int size() const noexcept { return size_; }

    /// The ranks' communicator (made at the first call), or nullptr when alone.
    /// `device`: for a GPU trainer, which then gets NCCL where it is built
    /// (and takes the GPU of its index on the node; call this before any other
    /// GPU work); `timeout_seconds`: the longest a collective may wait.
    collective* communicator(double timeout_seconds, bool device = false) {
        if (!parallel()) return nullptr;
#if defined(ISINGGAN_WITH_MPI)
        if (!host_) host_ = std::make_unique<distributed::mpi_communicator>(MPI_COMM_WORLD, timeout_seconds);
#if defined(ISINGGAN_WITH_NCCL)
        if (device && !device_) device_ = std::make_unique<distributed::nccl_communicator>(*host_);
        if (device) return device_.get();
#endif
        (void)device;
        return host_.get();
#else
        (void)timeout_seconds, (void)device;
        return nullptr;
#endif
    }

    /// A failure of this rank: with other ranks, stops them all (MPI_Abort)
    /// after printing `what`; alone, returns and the program exits as usual.
    void stop_all_if_parallel(const std::string& what, int code) {
#if defined(ISINGGAN_WITH_MPI)
        if (parallel()) distributed::mpi_session::abort(what, code);
#endif
        (void)what, (void)code;
    }

private:
#if defined(ISINGGAN_WITH_MPI)
    std::unique_ptr<distributed::mpi_session> session_;
    std::unique_ptr<distributed::mpi_communicator> host_;
#endif
    std::unique_ptr<collective> device_;
    int rank_ = 0, size_ = 1;
    discard quiet_;
    std::streambuf* silenced_out_ = nullptr;
    std::streambuf* silenced_err_ = nullptr;
};

}  // namespace isinggan::examples
