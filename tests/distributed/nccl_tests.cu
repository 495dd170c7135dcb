// Data-parallel training on GPUs through NCCL (distributed/nccl.hpp), run by
// CTest as `mpirun -np 1`: one rank's NCCL trainer must follow the plain GPU
// trainer step for step (the all-reduce of one rank is the identity, so this
// checks the device path: the gradient hand-over on the stream, the
// broadcasts, the slicing). Several GPUs are not available to test here.
// Without a GPU the program reports itself skipped (exit code 77).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <memory>

#include "isinggan/backend/cuda/kernels.cuh"
#include "isinggan/backend/cuda/ops.hpp"
#include "isinggan/data/synthetic_nuclei.hpp"
#include "isinggan/distributed/nccl.hpp"
#include "isinggan/models/discriminator.hpp"
#include "isinggan/models/generator.hpp"
#include "isinggan/train/gan_trainer.hpp"

using namespace isinggan;

namespace {

std::unique_ptr<distributed::mpi_communicator> world;
std::unique_ptr<distributed::nccl_communicator> gpus;

constexpr int side = 32, width = 8;
using gpu_gan = train::gan_trainer<models::paper_generator<side, width, cuda>,
                                   models::paper_discriminator<side, width, cuda>, mrf_loss<ising>>;

}  // namespace

TEST_CASE("nccl data-parallel GAN: one rank follows the plain GPU trainer") {
    static const data::image_mask_set set = data::synthetic_nuclei(24, side, 7);
    train::gan_options o;
    o.batch = 8;
    o.seed = 3;
    o.diff_augment = true;
    gpu_gan plain(o), parallel(o);
    parallel.set_data_parallel(*gpus);
    for (int i = 0; i < 3; ++i) {
        const auto a = parallel.step(set), b = plain.step(set);
        CAPTURE(i);
        CHECK(a.d_loss == doctest::Approx(b.d_loss).epsilon(1e-5));
        CHECK(a.g_loss == doctest::Approx(b.g_loss).epsilon(1e-5));
        CHECK(a.d_fake == doctest::Approx(b.d_fake).epsilon(1e-5));
    }
    CHECK(distributed::state_digest(parallel.generator()) == distributed::state_digest(plain.generator()));
}

int main(int argc, char** argv) {
    distributed::mpi_session mpi(argc, argv, true);
    int devices = 0;
    if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
        std::printf("skipped: no GPU\n");
        return 77;
    }
    world = std::make_unique<distributed::mpi_communicator>();
    gpus = std::make_unique<distributed::nccl_communicator>(*world);
    doctest::Context context(argc, argv);
    const int failed = context.run();
    gpus.reset();
    world.reset();
    return failed;
}
