#pragma once
// The main() the example programs share: one rank of an MPI job under mpirun or
// srun (job.hpp; a failing rank stops them all with its message), the thread
// count, and the exit statuses the programs document:
//   0 done, 1 an error (a file, the data, the machine), 2 a refused command line
//   (usage_error), 3 training diverged (a loss not finite), 130 interrupted
//   (returned by the command itself after saving).
// Errors are printed as "<program>: <message>" on stderr.
#include <exception>
#include <iostream>
#include <string>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "cli.hpp"
#include "job.hpp"
#include "usage_error.hpp"
#include "isinggan/train/gan_trainer.hpp"
#include "isinggan/train/segmentation_trainer.hpp"

namespace isinggan::examples {

/// Runs `command(job&)` as program `name` and returns its exit status; `usage` is the command line
/// that --help follows in a refusal's hint (e.g. "unet [evaluate]").
template <class Command>
int program_main(const std::string& name, const std::string& usage, int argc, char** argv, Command&& command) {
    job ranks(argc, argv);
    const auto fail = [&](const std::exception& e, int status) {
        ranks.stop_all_if_parallel(name + ": " + e.what(), status);
        std::cerr << name << ": " << e.what() << '\n';
        return status;
    };
    try {
        return command(ranks);
    } catch (const usage_error& e) {
        ranks.stop_all_if_parallel(name + ": " + e.what(), 2);
        return cli::refuse(name, e.what(), usage);
    } catch (const train::non_finite_loss& e) {
        return fail(e, 3);
    } catch (const train::training_diverged& e) {
        return fail(e, 3);
    } catch (const std::exception& e) {
        return fail(e, 1);
    }
}

/// --threads: the OpenMP threads (0: every core).
inline void set_threads(int threads) {
#if defined(_OPENMP)
    if (threads > 0) omp_set_num_threads(threads);
#else
    (void)threads;
#endif
}

}  // namespace isinggan::examples
