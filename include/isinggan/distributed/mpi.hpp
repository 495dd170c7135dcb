#pragma once
// MPI for data-parallel training on CPUs and clusters: the launchers people
// already use (mpirun, srun) start the ranks, and this header gives them a
// `collective` (core/collective.hpp). Link isinggan::mpi (find_package(MPI)).
//
//   isinggan::distributed::mpi_session mpi(argc, argv);   // MPI_Init only under a launcher
//   if (mpi.active()) {
//       isinggan::distributed::mpi_communicator world;    // MPI_COMM_WORLD
//       trainer.set_data_parallel(world);
//   }
//
// Faults: errors of MPI calls are thrown as distributed_error (MPI_ERRORS_RETURN,
// not MPI's default abort without a word), a rank that fails calls
// mpi_session::abort so every rank stops, and a collective that waits longer
// than the communicator's timeout for the others (a rank died or hangs) ends
// its process with a message and exit status 3, which makes the launcher stop
// the job: no silent hang.
#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <span>
#include <string>
#include <thread>

#include "isinggan/core/collective.hpp"
#include "isinggan/core/error.hpp"

namespace isinggan::distributed {

/// An MPI call that failed, or a communicator used wrongly.
class distributed_error : public error {
public:
    explicit distributed_error(const std::string& what) : error(what) {}
};

/// Whether a launcher started this process (Open MPI's mpirun, PMI/PMIx as
/// used by srun and MPICH's hydra). Without one the programs run as a single
/// process and never initialise MPI.
inline bool launched_by_mpi_launcher() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"})
        if (std::getenv(v)) return true;
    return false;
}

namespace mpi_detail {

inline void check(int code, const char* call) {
    if (code == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    throw distributed_error(std::string(call) + " failed: " + std::string(text, std::size_t(length)));
}

}  // namespace mpi_detail

/// MPI_Init_thread (funnelled: only the thread that made the session calls
/// MPI) when started by a launcher, or when `force`; MPI_Finalize at the end.
class mpi_session {
public:
    mpi_session(int& argc, char**& argv, bool force = false) {
        int initialised = 0;
        MPI_Initialized(&initialised);
        if (initialised || !(force || launched_by_mpi_launcher())) return;
        int provided = 0;
        mpi_detail::check(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
        active_ = true;
    }
    mpi_session(const mpi_session&) = delete;
    mpi_session& operator=(const mpi_session&) = delete;
    ~mpi_session() {
        int finalised = 0;
        MPI_Finalized(&finalised);
        if (active_ && !finalised) MPI_Finalize();
    }

    /// Whether this process is one rank of an MPI job.
    bool active() const noexcept { return active_; }

    /// Stops every rank of the job: prints `message` with this rank's number
    /// and calls MPI_Abort (the launcher ends the others).
    [[noreturn]] static void abort(const std::string& message, int code = 1) {
        int rank = -1, initialised = 0, finalised = 0;
        MPI_Initialized(&initialised);
        MPI_Finalized(&finalised);
        if (initialised && !finalised) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        std::fprintf(stderr, "rank %d: %s; stopping every rank\n", rank, message.c_str());
        std::fflush(stderr);
        if (initialised && !finalised) MPI_Abort(MPI_COMM_WORLD, code);
        std::exit(code);
    }

private:
    bool active_ = false;
};

/// A `collective` over an MPI communicator (MPI_COMM_WORLD by default) in host
/// memory; a GPU trainer's gradients go through host copies unless an NCCL
/// communicator (distributed/nccl.hpp) is used.
class mpi_communicator final : public collective {
public:
    /// `timeout_seconds`: the longest any one collective may wait for the other
    /// ranks before this process stops with a message (0: no limit).
    explicit mpi_communicator(MPI_Comm comm = MPI_COMM_WORLD, double timeout_seconds = 600)
        : comm_(comm), timeout_(timeout_seconds) {
        int initialised = 0;
        MPI_Initialized(&initialised);
        if (!initialised) throw distributed_error("mpi_communicator: MPI is not initialised (make an mpi_session first)");
        mpi_detail::check(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
        mpi_detail::check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
        mpi_detail::check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
        if (timeout_ > 0) watchdog_ = std::thread([this] { watch(); });
    }
    mpi_communicator(const mpi_communicator&) = delete;
    mpi_communicator& operator=(const mpi_communicator&) = delete;
    ~mpi_communicator() override {
        if (watchdog_.joinable()) {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                stopping_ = true;
            }
            wake_.notify_all();
            watchdog_.join();
        }
    }

    int rank() const override { return rank_; }
    int size() const override { return size_; }
    MPI_Comm handle() const noexcept { return comm_; }

    void all_reduce_sum(std::span<float> values) override { all_reduce(values.data(), values.size(), MPI_FLOAT); }
    void all_reduce_sum(std::span<double> values) override { all_reduce(values.data(), values.size(), MPI_DOUBLE); }
    void broadcast(std::span<float> values, int root) override { bcast(values.data(), values.size(), MPI_FLOAT, root); }
    void broadcast(std::span<double> values, int root) override {
        bcast(values.data(), values.size(), MPI_DOUBLE, root);
    }
    void barrier() override {
        const waiting w(*this, "a barrier");
        mpi_detail::check(MPI_Barrier(comm_), "MPI_Barrier");
    }

    /// Bytes from `root` to every rank (e.g. NCCL's unique id).
    void broadcast_bytes(void* data, std::size_t bytes, int root) { bcast(data, bytes, MPI_BYTE, root); }

    /// Seconds spent inside collectives so far (the communication share of a step, for benchmarks).
    double seconds_in_collectives() const noexcept { return seconds_.load(); }

private:
    /// Marks a collective in progress for the watchdog, and times it.
    class waiting {
    public:
        waiting(mpi_communicator& c, const char* what) : c_(c), start_(std::chrono::steady_clock::now()) {
            std::lock_guard<std::mutex> lock(c_.mutex_);
            c_.current_ = what;
            c_.since_ = start_;
        }
        ~waiting() {
            const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start_;
            c_.seconds_.store(c_.seconds_.load() + took.count());
            std::lock_guard<std::mutex> lock(c_.mutex_);
            c_.current_ = nullptr;
        }

    private:
        mpi_communicator& c_;
        std::chrono::steady_clock::time_point start_;
    };

    void all_reduce(void* data, std::size_t count, MPI_Datatype type) {
        const waiting w(*this, "an all-reduce");
        int element = 0;
        MPI_Type_size(type, &element);
        for (std::size_t done = 0; done < count;) {  // MPI counts are int
            const int n = int(std::min<std::size_t>(count - done, std::size_t(1) << 30));
            mpi_detail::check(MPI_Allreduce(MPI_IN_PLACE, static_cast<char*>(data) + done * std::size_t(element), n,
                                            type, MPI_SUM, comm_),
                              "MPI_Allreduce");
            done += std::size_t(n);
        }
    }
    void bcast(void* data, std::size_t count, MPI_Datatype type, int root) {
        if (root < 0 || root >= size_)
            throw distributed_error("broadcast: root " + std::to_string(root) + " of " + std::to_string(size_) +
                                    " ranks");
        const waiting w(*this, "a broadcast");
        int element = 0;
        MPI_Type_size(type, &element);
        for (std::size_t done = 0; done < count;) {
            const int n = int(std::min<std::size_t>(count - done, std::size_t(1) << 30));
            mpi_detail::check(MPI_Bcast(static_cast<char*>(data) + done * std::size_t(element), n, type, root, comm_),
                              "MPI_Bcast");
            done += std::size_t(n);
        }
    }

    /// The watchdog: a collective that waits past the timeout means another
    /// rank is gone or stuck; MPI would wait forever, so this process ends,
    /// and the launcher takes the job down.
    void watch() {
        std::unique_lock<std::mutex> lock(mutex_);
        while (!stopping_) {
            wake_.wait_for(lock, std::chrono::milliseconds(500));
            if (stopping_ || !current_) continue;
            const std::chrono::duration<double> waited = std::chrono::steady_clock::now() - since_;
            if (waited.count() > timeout_) {
                std::fprintf(stderr,
                             "rank %d: %s has waited %.0f s for the other ranks (a rank died or hangs); "
                             "stopping this rank\n",
                             rank_, current_, waited.count());
                std::fflush(stderr);
                std::_Exit(3);
            }
        }
    }

    MPI_Comm comm_;
    int rank_ = 0, size_ = 1;
    double timeout_;
    std::atomic<double> seconds_{0.0};
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    const char* current_ = nullptr;
    std::chrono::steady_clock::time_point since_;
    std::thread watchdog_;
};

}  // namespace isinggan::distributed
