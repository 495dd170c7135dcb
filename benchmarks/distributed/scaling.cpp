// Data-parallel scaling of the GAN training step over MPI ranks: the same
// global batch on 1 or more ranks, with the time inside collectives measured
// apart from the rest, and the bytes every rank sends per step, so that the
// cost on a real network can be estimated (bytes / bandwidth).
//
//   mpirun -np 2 -x OMP_NUM_THREADS=1 build/benchmarks/isinggan_bench_mpi [--steps 20] [--batch 64]
//   OMP_NUM_THREADS=2 build/benchmarks/isinggan_bench_mpi                  (one process, no launcher)
//
// The model is Ising-ResGAN at 64 px and width 0.25 with the paper's networks,
// the setting of the CPU recipe; benchmarks/distributed/run_scaling.sh runs the
// three configurations of benchmarks/README.md.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "isinggan/data/synthetic_nuclei.hpp"
#include "isinggan/distributed/mpi.hpp"
#include "isinggan/models/discriminator.hpp"
#include "isinggan/models/generator.hpp"
#include "isinggan/train/gan_trainer.hpp"

using namespace isinggan;

namespace {

constexpr int side = 64, width = 4;  // width divisor 4: the recipe's width 0.25
using gan = train::gan_trainer<models::residual_generator<side, width>, models::paper_discriminator<side, width>,
                               mrf_loss<ising>>;

template <class Model>
std::size_t parameter_bytes(Model& m) {
    std::size_t n = 0;
    visit_params(m, [&](std::string_view, auto& p) { n += p.value.size() * sizeof(float); });
    return n;
}

}  // namespace

int main(int argc, char** argv) {
    distributed::mpi_session mpi(argc, argv);
    int steps = 20;
    std::size_t batch = 64;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--steps") == 0) steps = std::atoi(argv[i + 1]);
        else if (std::strcmp(argv[i], "--batch") == 0) batch = std::size_t(std::atoi(argv[i + 1]));
        else {
            std::fprintf(stderr, "usage: isinggan_bench_mpi [--steps N] [--batch B]\n");
            return 2;
        }
    }
    std::unique_ptr<distributed::mpi_communicator> world;
    if (mpi.active()) world = std::make_unique<distributed::mpi_communicator>();
    const int rank = world ? world->rank() : 0, ranks = world ? world->size() : 1;
    const data::image_mask_set set = data::synthetic_nuclei(128, side, 1);
    train::gan_options o;
    o.batch = batch;
    o.seed = 1;
    auto t = std::make_unique<gan>(o);
    if (world) t->set_data_parallel(*world);
    t->step(set);  // warm-up: buffers sized, pages touched
    const double comm_before = world ? world->seconds_in_collectives() : 0.0;
    const auto start = std::chrono::steady_clock::now();
    for (int s = 0; s < steps; ++s) t->step(set);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double comm = world ? world->seconds_in_collectives() - comm_before : 0.0;
    // Per step each rank all-reduces D's and G's gradients once (and a few scalars).
    const std::size_t bytes = parameter_bytes(t->generator()) + parameter_bytes(t->discriminator());
    int threads = 1;
#if defined(_OPENMP)
    threads = omp_get_max_threads();
#endif
    // The all-reduce alone, each after a barrier: the wire cost without the
    // waiting for a slower rank that the in-step figure also holds.
    double reduce_alone = 0.0;
    if (world) {
        std::vector<float> gradients(bytes / sizeof(float), 1.0f);
        const int repeats = 10;
        for (int r = 0; r < repeats; ++r) {
            world->barrier();
            const auto t0 = std::chrono::steady_clock::now();
            world->all_reduce_sum(std::span<float>(gradients));
            reduce_alone += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        reduce_alone /= repeats;
    }
    if (rank == 0)
        std::printf("ranks %d x threads %d, global batch %zu: %.1f ms per step, of which %.1f ms in collectives "
                    "(%.0f %%, waiting included); %.2f MB of gradients all-reduced per step, %.2f ms alone\n",
                    ranks, threads, batch, 1e3 * seconds / steps, 1e3 * comm / steps,
                    seconds > 0 ? 100.0 * comm / seconds : 0.0, double(bytes) / 1e6, 1e3 * reduce_alone);
    return 0;
}
