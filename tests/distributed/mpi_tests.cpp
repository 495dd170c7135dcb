// Data-parallel training under a real MPI launcher: CTest runs this program
// as `mpirun -np 2` (tests/CMakeLists.txt). Every rank runs every test case;
// the comparisons across ranks go through the communicator, and the run fails
// when any rank's checks fail. Where a result is compared with one process's,
// each rank trains that single-process reference itself, locally.
//
//   isinggan_mpi_tests                       the doctest cases
//   isinggan_mpi_tests --kill-rank R         a long data-parallel run whose rank R
//                                            kills itself (SIGKILL) after 2 steps
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "isinggan/data/synthetic_nuclei.hpp"
#include "isinggan/distributed/data_parallel.hpp"
#include "isinggan/distributed/mpi.hpp"
#include "isinggan/models/discriminator.hpp"
#include "isinggan/models/generator.hpp"
#include "isinggan/models/unet.hpp"
#include "isinggan/train/gan_trainer.hpp"
#include "isinggan/train/segmentation_trainer.hpp"

using namespace isinggan;

namespace {

std::unique_ptr<distributed::mpi_communicator> world;

constexpr int side = 32, width = 8;
using tiny_gan = train::gan_trainer<models::paper_generator<side, width>, models::paper_discriminator<side, width>,
                                    mrf_loss<ising>>;
using small_unet = models::unet<16>;

const data::image_mask_set& gan_set() {
    static const data::image_mask_set set = data::synthetic_nuclei(24, side, 7);
    return set;
}

train::gan_options gan_options() {
    train::gan_options o;
    o.batch = 8;
    o.seed = 3;
    o.diff_augment = true;  // its draws are sliced with the batch
    o.mask_noise = 0.05;
    o.discriminator_mask = train::mask_range::signed_;
    o.generator_ema = 0.9;
    return o;
}

/// Rank 0's value, on every rank.
std::uint64_t from_rank0(std::uint64_t v) {
    double parts[2] = {double(v >> 32), double(v & 0xffffffffu)};  // each half exact in a double
    world->broadcast(std::span<double>(parts), 0);
    return (std::uint64_t(parts[0]) << 32) | std::uint64_t(parts[1]);
}
double from_rank0(double v) {
    world->broadcast(std::span<double>(&v, 1), 0);
    return v;
}

/// ||a − b|| / ||b|| over matching lists of tensors.
double relative_norm_difference(const std::vector<const tensor<cpu>*>& a, const std::vector<const tensor<cpu>*>& b) {
    REQUIRE(a.size() == b.size());
    double diff = 0, norm = 0;
    for (std::size_t k = 0; k < a.size(); ++k)
        for (std::size_t i = 0; i < a[k]->size(); ++i) {
            const double x = a[k]->data()[i], y = b[k]->data()[i];
            diff += (x - y) * (x - y);
            norm += y * y;
        }
    return std::sqrt(diff / norm);
}

template <class Model>
std::vector<const tensor<cpu>*> state_of(Model& m) {
    std::vector<const tensor<cpu>*> t;
    visit_params(m, [&](std::string_view, auto& p) { t.push_back(&p.value); });
    visit_buffers(m, [&](std::string_view, auto& b) { t.push_back(&b); });
    return t;
}

template <class Model>
std::vector<const tensor<cpu>*> gradients_of(Model& m) {
    std::vector<const tensor<cpu>*> t;
    visit_params(m, [&](std::string_view, auto& p) { t.push_back(&p.grad); });
    return t;
}

/// The weights and buffers of two models, as ||a − b|| / ||b||. (Not an
/// elementwise bound: Adam moves a parameter whose gradient is nearly 0 by
/// about ±lr whatever its size, so rounding-level differences of such a
/// gradient, whose sign is noise, show as lr-sized steps in single elements.)
template <class Model>
double relative_difference(Model& a, Model& b) {
    return relative_norm_difference(state_of(a), state_of(b));
}

/// The parameter gradients the last step left, as ||ga − gb|| / ||gb||.
template <class Model>
double relative_gradient_difference(Model& a, Model& b) {
    return relative_norm_difference(gradients_of(a), gradients_of(b));
}

std::filesystem::path shared_scratch(const std::string& tag) {
    // One folder for every rank (the ranks share this machine's /tmp).
    auto dir = std::filesystem::temp_directory_path() / ("isinggan-mpi-" + tag + "-" + std::to_string(from_rank0(
                                                                                           std::uint64_t(getpid()))));
    if (world->rank() == 0) std::filesystem::create_directories(dir);
    world->barrier();
    return dir;
}

}  // namespace

TEST_CASE("mpi data-parallel GAN: every rank holds the same weights after every step") {
    REQUIRE(world->size() >= 2);
    tiny_gan t(gan_options());
    t.set_data_parallel(*world);
    CHECK(t.writes_files() == (world->rank() == 0));
    for (int step = 0; step < 3; ++step) {
        const auto stats = t.step(gan_set());
        CAPTURE(step);
        CHECK(std::isfinite(stats.d_loss));
        const std::uint64_t g = distributed::state_digest(t.generator()),
                            d = distributed::state_digest(t.discriminator()),
                            e = distributed::state_digest(*t.generator_ema());
        CHECK(g == from_rank0(g));
        CHECK(d == from_rank0(d));
        CHECK(e == from_rank0(e));
        // The reported losses are the global batch's: the same on every rank.
        CHECK(stats.d_loss == from_rank0(stats.d_loss));
        CHECK(stats.g_loss == from_rank0(stats.g_loss));
    }
}

TEST_CASE("mpi data-parallel GAN: with synchronised batch norm, R ranks x B/R match one process x B") {
    tiny_gan parallel(gan_options()), reference(gan_options());
    parallel.set_data_parallel(*world, true);
    for (int step = 0; step < 3; ++step) {
        const auto a = parallel.step(gan_set()), b = reference.step(gan_set());
        CAPTURE(step);
        if (step == 0) {  // the gradients of the first step, averaged over the ranks: the global batch's
            const double gg = relative_gradient_difference(parallel.generator(), reference.generator());
            MESSAGE("rank ", world->rank(), ": first step, relative difference of G's gradient to one process: ", gg);
            CHECK(gg < 1e-5);
        }
        CHECK(a.d_loss == doctest::Approx(b.d_loss).epsilon(1e-5));
        CHECK(a.g_loss == doctest::Approx(b.g_loss).epsilon(1e-5));
        CHECK(a.smooth_loss == doctest::Approx(b.smooth_loss).epsilon(1e-5));
        CHECK(a.d_real == doctest::Approx(b.d_real).epsilon(1e-5));
    }
    const double g = relative_difference(parallel.generator(), reference.generator());
    const double d = relative_difference(parallel.discriminator(), reference.discriminator());
    MESSAGE("rank ", world->rank(), ": relative difference to one process after 3 steps: G ", g, ", D ", d);
    CHECK(g < 1e-4);  // Adam's ±lr steps on gradients whose sign is rounding noise (see relative_difference)
    CHECK(d < 1e-4);

    // Without synchronisation each rank normalises by its own half-batch: a different run.
    tiny_gan per_rank(gan_options());
    per_rank.set_data_parallel(*world, false);
    per_rank.step(gan_set());
    tiny_gan one(gan_options());
    one.step(gan_set());
    CHECK(relative_difference(per_rank.generator(), one.generator()) > 1e-4);
}

TEST_CASE("mpi data-parallel GAN: a checkpoint resumes with a different number of ranks") {
    const auto dir = shared_scratch("resume");
    tiny_gan straight(gan_options());  // one process, 4 steps
    for (int i = 0; i < 4; ++i) straight.step(gan_set());

    // R ranks for 2 steps, then one process for 2 more.
    {
        tiny_gan a(gan_options());
        a.set_data_parallel(*world, true);
        a.step(gan_set());
        a.step(gan_set());
        a.save(dir / "ranks.safetensors");  // rank 0 writes
        world->barrier();
        tiny_gan b(gan_options());
        b.load(dir / "ranks.safetensors");
        CHECK(b.steps() == 2);
        b.step(gan_set());
        b.step(gan_set());
        CHECK(relative_difference(b.generator(), straight.generator()) < 1e-4);
        CHECK(relative_difference(b.discriminator(), straight.discriminator()) < 1e-4);
    }
    // One process for 2 steps, then R ranks for 2 more.
    {
        tiny_gan a(gan_options());
        a.step(gan_set());
        a.step(gan_set());
        if (world->rank() == 0) a.save(dir / "one.safetensors");
        world->barrier();
        tiny_gan b(gan_options());
        b.set_data_parallel(*world, true);
        b.load(dir / "one.safetensors");
        b.step(gan_set());
        b.step(gan_set());
        CHECK(relative_difference(b.generator(), straight.generator()) < 1e-4);
        CHECK(relative_difference(b.discriminator(), straight.discriminator()) < 1e-4);
        const std::uint64_t g = distributed::state_digest(b.generator());
        CHECK(g == from_rank0(g));
    }
    world->barrier();
    if (world->rank() == 0) std::filesystem::remove_all(dir);
}

TEST_CASE("mpi data-parallel U-Net: the ranks agree, and with synchronised batch norm match one process") {
    // 9 pairs in batches of 4: slices of 2, and a last batch of 1, which every rank takes whole.
    const data::image_mask_set pairs = data::synthetic_nuclei(9, 32, 5);
    const train::segmentation_options o{.batch = 4, .lr = 1e-3, .seed = 2};
    train::segmentation_trainer<small_unet> parallel(o), reference(o);
    parallel.set_data_parallel(*world, true);
    {  // one step: this rank's slice of 4 pairs against all 4
        tensor<cpu> images, masks, my_images, my_masks;
        const std::vector<std::size_t> first4{0, 1, 2, 3};
        data::gather(pairs, first4, images, masks);
        const auto part = distributed::batch_slice::of(4, world->rank(), world->size());
        distributed::take_samples(images, part.first, part.count, my_images);
        distributed::take_samples(masks, part.first, part.count, my_masks);
        const double a = parallel.step(my_images, my_masks, double(part.count) / 4.0), b = reference.step(images, masks);
        CHECK(a == doctest::Approx(b).epsilon(1e-6));
        const double g = relative_gradient_difference(parallel.net(), reference.net());
        MESSAGE("rank ", world->rank(), ": U-Net, one step, relative difference of the gradient to one process: ", g);
        CHECK(g < 1e-5);
    }
    for (int e = 0; e < 2; ++e) {
        const auto a = parallel.epoch(pairs), b = reference.epoch(pairs);
        CHECK(a.steps == b.steps);
        CHECK(a.mean_loss == doctest::Approx(b.mean_loss).epsilon(1e-5));
    }
    const std::uint64_t digest = distributed::state_digest(parallel.net());
    CHECK(digest == from_rank0(digest));
    const double diff = relative_difference(parallel.net(), reference.net());
    MESSAGE("rank ", world->rank(), ": U-Net, relative difference to one process after 2 epochs: ", diff);
    CHECK(diff < 1e-2);  // 7 Adam steps at lr 1e-3 (see relative_difference)
}

TEST_CASE("mpi data-parallel: a batch that does not divide among the ranks is refused") {
    auto o = gan_options();
    o.batch = std::size_t(2 * world->size() + 1);
    tiny_gan t(o);
    CHECK_THROWS_WITH_AS(t.set_data_parallel(*world), doctest::Contains("does not divide"), argument_error);
}

namespace {

/// --kill-rank R: train on; rank R dies by SIGKILL after 2 steps. The others
/// must be stopped by the launcher or by the communicator's watchdog.
int kill_run(int victim) {
    auto o = gan_options();
    tiny_gan t(o);
    t.set_data_parallel(*world);
    for (int step = 0; step < 100000; ++step) {
        if (step == 2 && world->rank() == victim) {
            std::fprintf(stderr, "rank %d: killing myself (test)\n", victim);
            std::fflush(stderr);
            std::raise(SIGKILL);
        }
        t.step(gan_set());
    }
    return 0;  // never reached: the job must have been stopped
}

}  // namespace

int main(int argc, char** argv) {
    distributed::mpi_session mpi(argc, argv, true);
    world = std::make_unique<distributed::mpi_communicator>(MPI_COMM_WORLD, 60.0);
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], "--kill-rank") == 0) return kill_run(std::atoi(argv[i + 1]));
    if (world->size() < 2) {
        std::fprintf(stderr, "isinggan_mpi_tests: run under mpirun -np 2 (or more)\n");
        return 2;
    }
    doctest::Context context(argc, argv);
    const int failed_here = context.run();
    double failed = failed_here ? 1.0 : 0.0;
    world->all_reduce_sum(std::span<double>(&failed, 1));
    if (world->rank() == 0) std::printf("isinggan_mpi_tests: %d ranks, %d failed\n", world->size(), int(failed));
    world.reset();
    return failed > 0 ? 1 : 0;
}
