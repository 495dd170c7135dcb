// Data-parallel training under a real MPI launcher: CTest runs this program
// as `mpirun -np 2` (tests/CMakeLists.txt). Every rank runs every test case;
// the comparisons across ranks go through the communicator, and the run fails
// when any rank's checks fail. Where a result is compared with one process's,
// each rank trains that single-process reference itself, locally.
//
//   isinggan_mpi_tests                       the doctest cases
//   isinggan_mpi_tests --kill-rank R         a long data-parallel run whose rank R
//                                            kills itself (SIGKILL) after 2 steps
//   isinggan_mpi_tests --stall-rank R        rank R stops taking part, alive, after
//                                            2 steps: the others' watchdog (3 s) ends them
//   isinggan_mpi_tests --weights-difference A B PREFIX
//                                            (no MPI) prints ||a − b|| / ||b|| over the
//                                            F32 tensors of two checkpoints named
//                                            PREFIX.*weight (tests/programs/mpi_ranks.cmake)
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include "isinggan/data/synthetic_nuclei.hpp"
#include "isinggan/distributed/data_parallel.hpp"
#include "isinggan/distributed/mpi.hpp"
#include "isinggan/backend/transfer.hpp"
#include "isinggan/io/safetensors.hpp"
#include "isinggan/models/dcgan_discriminator.hpp"
#include "isinggan/models/dcgan_generator.hpp"
#include "isinggan/models/discriminator.hpp"
#include "isinggan/models/generator.hpp"
#include "isinggan/models/unet.hpp"
#include "isinggan/train/gan_trainer.hpp"
#include "isinggan/train/segmentation_trainer.hpp"
#include "train/nan_smoothness.hpp"

using namespace isinggan;

namespace {

std::unique_ptr<distributed::mpi_communicator> world;

constexpr int side = 32, width = 8;
using tiny_gan = train::gan_trainer<models::paper_generator<side, width>, models::paper_discriminator<side, width>,
                                    mrf_loss<ising>>;
// The default recipe's networks (examples/common: --networks dcgan, --minibatch-stddev on), at width 1/4.
using recipe_gan = train::gan_trainer<models::dcgan_generator<side, 4, true>,
                                      models::dcgan_discriminator<side, 4, cpu, true>, mrf_loss<ising>>;
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

/// The options of the comparisons with one process. β1 = 0: Adam's first
/// moment then *is* the step's gradient (0·m + 1·g, exact), which shows D's
/// averaged gradient, whose .grad the generator's step overwrites in part.
/// ε = 1: the update lr·m̂/(√v̂ + ε) is then about SGD's lr·g and
/// Lipschitz in the gradient (slope ≤ lr/ε), so rounding-level differences of
/// the gradients stay rounding-level in the weights; with ε = 1e-8 Adam moves
/// a weight whose gradient is nearly 0 by ±lr whatever the gradient's size,
/// so the sign of rounding noise would show as lr-sized steps.
train::gan_options comparable(train::gan_options o) {
    for (auto* adam : {&o.generator_adam, &o.discriminator_adam}) adam->beta1 = 0.0, adam->eps = 1.0;
    return o;
}

/// The default recipe's trainer options (examples/common, --recipe patch), with a small batch, but
/// for the binarised mask (straight_through_mask, smoothness on the hard mask): binarising at 0.5 is
/// discontinuous, so a mask value within rounding of 0.5 flips in one run and not in the other, and
/// moves the gradient by far more than rounding (measured: 1.6e-4 of the weights after 4 steps with
/// OPENBLAS_CORETYPE=Haswell). It is computed per pixel, with nothing exchanged between the ranks.
train::gan_options recipe_options() {
    train::gan_options o = gan_options();
    o.mask_ambiguity = 6.0;
    o.lambda_warmup = 4;
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

/// Adam's first moments; with β1 = 0 (comparable()), the last step's gradients.
std::vector<const tensor<cpu>*> first_moments_of(optim::adam& adam) {
    std::vector<const tensor<cpu>*> t;
    adam.for_each_state([&](std::string_view state, std::string_view, tensor<cpu>& m, bool) {
        if (state == "exp_avg") t.push_back(&m);
    });
    return t;
}

/// The relative differences of the gradients of G's and of D's last step between two trainers
/// made with comparable() options.
template <class Trainer>
std::pair<double, double> gradient_differences(Trainer& a, Trainer& b) {
    return {relative_norm_difference(gradients_of(a.generator()), gradients_of(b.generator())),
            relative_norm_difference(first_moments_of(a.discriminator_optimizer()),
                                     first_moments_of(b.discriminator_optimizer()))};
}

/// b takes a's state: weights, statistics, moving average, both optimizers and the step count.
template <class Trainer>
void copy_trainer_state(Trainer& a, Trainer& b) {
    copy_model_state(a.generator(), b.generator());
    copy_model_state(a.discriminator(), b.discriminator());
    if (a.generator_ema()) copy_model_state(*a.generator_ema(), *b.generator_ema());
    b.generator_optimizer() = a.generator_optimizer().template copy_on<cpu>();
    b.discriminator_optimizer() = a.discriminator_optimizer().template copy_on<cpu>();
}

/// Float rounding of one value: no two computations in different orders can be asked to agree closer.
constexpr double float_eps = 5.96e-8;

/// The rounding noise of one process's step on this machine (its BLAS kernel,
/// its thread count): the largest relative difference of G's and D's
/// gradients between the same first step taken on the same batch with its
/// samples in three other orders. A data-parallel step sums the same terms in
/// yet another order (per-rank partial sums, then the all-reduce), so its
/// difference to one process is noise of this size; the tests allow 10 times
/// it (two draws of the same rounding noise differ by a small factor), and at
/// least 8 float roundings.
template <class Trainer>
double reorder_noise_bound(const train::gan_options& options) {
    const std::size_t n = options.batch;
    tensor<cpu> images, masks, real, z;
    std::vector<std::size_t> first(n);
    for (std::size_t i = 0; i < n; ++i) first[i] = i % gan_set().size();
    data::gather(gan_set(), first, images, masks);
    if (options.discriminator_mask == train::mask_range::signed_)
        for (std::size_t i = 0; i < masks.size(); ++i) masks.data()[i] = 2.0f * masks.data()[i] - 1.0f;
    concat_channels(images, masks, real);
    rng gen(11);
    train::draw_latent(z, n, Trainer::generator_type::in_channels, gen);
    const auto permuted = [&](const tensor<cpu>& t, const std::vector<std::size_t>& order) {
        tensor<cpu> out(t.shape());
        for (std::size_t i = 0; i < n; ++i)
            std::copy_n(t.sample(order[i]), t.shape().sample_size(), out.sample(i));
        return out;
    };
    Trainer reference(options);
    reference.step(real, z);
    double worst = 0;
    std::vector<std::size_t> order(n);
    for (int k = 0; k < 3; ++k) {
        for (std::size_t i = 0; i < n; ++i)  // reversed, rotated by half, odd samples first
            order[i] = k == 0 ? n - 1 - i : k == 1 ? (i + n / 2) % n : (2 * i + 1 < n ? 2 * i + 1 : 2 * i - (n - n % 2));
        Trainer other(options);
        other.step(permuted(real, order), permuted(z, order));
        const auto [g, d] = gradient_differences(reference, other);
        worst = std::max({worst, g, d});
    }
    return std::max(10.0 * worst, 8.0 * float_eps);
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

namespace {

/// The median of a few values.
double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t h = v.size() / 2;
    return v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

/// R ranks × B/R with synchronised statistics against one process × B, as a
/// stream of gradients: both take a step from the same state, their G and D
/// gradients are compared, then the one process takes the ranks' state, so
/// that every step is compared from one state (not Adam's amplification of
/// earlier rounding). The median over 6 steps must lie within the bound:
/// (leaky) ReLUs make the gradient piecewise smooth, and a pre-activation
/// within rounding of 0 takes the other slope in one run, which moves a
/// step's gradient by far more than rounding now and then (measured: 4e-3
/// of D's and 5e-2 of G's at one step in 8, OPENBLAS_CORETYPE=Haswell with 2
/// threads, lr 0.05); a wrong data-parallel step (a missing 1/R, a slice
/// counted twice, per-rank statistics) is off at every step. Then the
/// weights after 4 steps of each, left to run apart.
template <class Trainer>
void compare_with_one_process(const train::gan_options& base) {
    const train::gan_options o = comparable(base);
    const double bound = from_rank0(reorder_noise_bound<Trainer>(o));  // one bound for every rank
    MESSAGE("rank ", world->rank(), ": bound from the reordering noise of one process: ", bound);
    Trainer parallel(o), reference(o), alone(o);
    parallel.set_data_parallel(*world, true);
    std::vector<double> gs, ds;
    for (int step = 0; step < 6; ++step) {
        const auto a = parallel.step(gan_set()), b = reference.step(gan_set());
        if (step < 4) alone.step(gan_set());
        CAPTURE(step);
        const auto [g, d] = gradient_differences(parallel, reference);
        MESSAGE("rank ", world->rank(), ", step ", step, ": relative gradient difference to one process: G ", g,
                ", D ", d);
        gs.push_back(g), ds.push_back(d);
        // The losses are means over the batch, each summed in another order.
        CHECK(std::abs(a.d_loss - b.d_loss) <= bound * std::abs(b.d_loss));
        CHECK(std::abs(a.g_loss - b.g_loss) <= bound * std::abs(b.g_loss));
        CHECK(std::abs(a.smooth_loss - b.smooth_loss) <= bound * std::abs(b.smooth_loss));
        CHECK(std::abs(a.d_real - b.d_real) <= bound * std::abs(b.d_real));
        copy_trainer_state(parallel, reference);
    }
    CHECK(median(gs) < bound);
    CHECK(median(ds) < bound);
    // Free-running: with ε = 1 (comparable()) a weight moves by at most lr·|Δg| more, so the weights
    // differ far less, relative to their size, than the gradients may.
    Trainer again(o);
    again.set_data_parallel(*world, true);
    for (int step = 0; step < 4; ++step) again.step(gan_set());
    const double g = relative_difference(again.generator(), alone.generator());
    const double d = relative_difference(again.discriminator(), alone.discriminator());
    MESSAGE("rank ", world->rank(), ": relative difference of the weights to one process after 4 steps: G ", g, ", D ", d);
    CHECK(g < bound);
    CHECK(d < bound);

    // Without synchronisation each rank normalises by its own half-batch: another computation,
    // far outside the rounding noise.
    Trainer per_rank(o), one(o);
    per_rank.set_data_parallel(*world, false);
    per_rank.step(gan_set());
    one.step(gan_set());
    const auto [gu, du] = gradient_differences(per_rank, one);
    MESSAGE("rank ", world->rank(), ": per-rank statistics, relative gradient difference: G ", gu, ", D ", du);
    CHECK(gu > 100 * bound);
    CHECK(du > 100 * bound);
}

}  // namespace

TEST_CASE("mpi data-parallel GAN: with synchronised batch norm, R ranks x B/R match one process x B") {
    compare_with_one_process<tiny_gan>(gan_options());
}

TEST_CASE("mpi data-parallel GAN, the default recipe: synchronised statistics (minibatch stddev too) match one process") {
    compare_with_one_process<recipe_gan>(recipe_options());
}

namespace {

/// Every value a trainer's next step reads: weights, statistics, the moving
/// average, both optimizers' moments, as bit patterns, and the step count.
template <class Trainer>
std::vector<std::uint32_t> trainer_state_bits(Trainer& t) {
    std::vector<const tensor<cpu>*> all = state_of(t.generator()), more = state_of(t.discriminator());
    all.insert(all.end(), more.begin(), more.end());
    if (t.generator_ema()) {
        more = state_of(*t.generator_ema());
        all.insert(all.end(), more.begin(), more.end());
    }
    for (auto* adam : {&t.generator_optimizer(), &t.discriminator_optimizer()})
        adam->for_each_state([&](std::string_view, std::string_view, tensor<cpu>& m, bool) { all.push_back(&m); });
    std::vector<std::uint32_t> bits{std::uint32_t(t.steps()), std::uint32_t(t.generator_optimizer().steps()),
                                    std::uint32_t(t.discriminator_optimizer().steps())};
    for (const auto* x : all)
        for (float v : *x) bits.push_back(std::bit_cast<std::uint32_t>(v));
    return bits;
}

}  // namespace

TEST_CASE("mpi data-parallel GAN: a checkpoint resumes with a different number of ranks") {
    // The checkpoint holds one state and the step count, and the batches depend only on the seed and
    // the step: a resumed trainer, with any number of ranks, holds bit for bit the state that was
    // saved, and goes on from it.
    const auto dir = shared_scratch("resume");
    const auto o = gan_options();
    {  // R ranks for 2 steps, then one process
        tiny_gan a(o);
        a.set_data_parallel(*world, true);
        a.step(gan_set());
        a.step(gan_set());
        a.save(dir / "ranks.safetensors");  // rank 0 writes
        world->barrier();
        tiny_gan b(o);
        b.load(dir / "ranks.safetensors");
        CHECK(b.steps() == 2);
        CHECK(trainer_state_bits(b) == trainer_state_bits(a));
        const auto stats = b.step(gan_set());
        CHECK(stats.step == 3);
        CHECK(std::isfinite(stats.d_loss));
    }
    {  // one process for 2 steps, then R ranks
        tiny_gan a(o);
        a.step(gan_set());
        a.step(gan_set());
        if (world->rank() == 0) a.save(dir / "one.safetensors");
        a.refresh_ema_statistics();  // what save did on rank 0 (the moving average's statistics)
        world->barrier();
        tiny_gan b(o);
        b.set_data_parallel(*world, true);
        b.load(dir / "one.safetensors");
        CHECK(trainer_state_bits(b) == trainer_state_bits(a));
        b.step(gan_set());
        b.step(gan_set());
        CHECK(b.steps() == 4);
        const std::uint64_t g = distributed::state_digest(b.generator());
        CHECK(g == from_rank0(g));
    }
    world->barrier();
    if (world->rank() == 0) std::filesystem::remove_all(dir);
}

TEST_CASE("mpi data-parallel U-Net: the ranks agree, and with synchronised batch norm match one process") {
    // 9 pairs in batches of 4: slices of 2, and a last batch of 1, which every rank takes whole.
    const data::image_mask_set pairs = data::synthetic_nuclei(9, 32, 5);
    // lr 0 where one process is the reference: every step then sees the same weights in both runs,
    // so each step's loss and gradient are compared without Adam's amplification of earlier rounding.
    const train::segmentation_options o{.batch = 4, .lr = 0.0, .seed = 2};
    train::segmentation_trainer<small_unet> parallel(o), reference(o), reordered(o);
    parallel.set_data_parallel(*world, true);
    tensor<cpu> images, masks;
    const std::vector<std::size_t> first4{0, 1, 2, 3}, reversed4{3, 2, 1, 0};
    // The bound: 10 times the rounding noise of one process, its batch in another order (see reorder_noise_bound).
    double bound = 0;
    {
        tensor<cpu> r_images, r_masks;
        data::gather(pairs, first4, images, masks);
        data::gather(pairs, reversed4, r_images, r_masks);
        reference.step(images, masks);
        reordered.step(r_images, r_masks);
        bound = from_rank0(std::max(10.0 * relative_gradient_difference(reordered.net(), reference.net()),
                                    8.0 * float_eps));
        MESSAGE("rank ", world->rank(), ": U-Net, bound from the reordering noise of one process: ", bound);
    }
    {  // one step: this rank's slice of 4 pairs against all 4
        tensor<cpu> my_images, my_masks;
        const auto part = distributed::batch_slice::of(4, world->rank(), world->size());
        distributed::take_samples(images, part.first, part.count, my_images);
        distributed::take_samples(masks, part.first, part.count, my_masks);
        const double a = parallel.step(my_images, my_masks, double(part.count) / 4.0), b = reference.step(images, masks);
        CHECK(std::abs(a - b) <= bound * std::abs(b));
        const double g = relative_gradient_difference(parallel.net(), reference.net());
        MESSAGE("rank ", world->rank(), ": U-Net, one step, relative difference of the gradient to one process: ", g);
        CHECK(g < bound);
    }
    for (int e = 0; e < 2; ++e) {  // the epochs' slicing, the last batch of 1 included
        const auto a = parallel.epoch(pairs), b = reference.epoch(pairs);
        CHECK(a.steps == b.steps);
        CHECK(std::abs(a.mean_loss - b.mean_loss) <= bound * std::abs(b.mean_loss));
        const double g = relative_gradient_difference(parallel.net(), reference.net());  // the batch of 1
        CHECK(g < bound);
    }

    // With a learning rate, the ranks keep identical weights.
    train::segmentation_trainer<small_unet> learning({.batch = 4, .lr = 1e-3, .seed = 2});
    learning.set_data_parallel(*world, true);
    for (int e = 0; e < 2; ++e) learning.epoch(pairs);
    const std::uint64_t digest = distributed::state_digest(learning.net());
    CHECK(digest == from_rank0(digest));
    train::segmentation_trainer<small_unet> untrained({.batch = 4, .lr = 1e-3, .seed = 2});
    CHECK(relative_difference(learning.net(), untrained.net()) > 1e-3);  // it did learn
}

namespace {
using testing::nan_smoothness;  // NaN on the ranks where poisoned
using nan_gan = train::gan_trainer<models::paper_generator<side, width>, models::paper_discriminator<side, width>,
                                   nan_smoothness>;
}  // namespace

/// The bit patterns of a model's parameters (not its batch-norm running
/// statistics, which a failed step's forward passes have moved, as in PyTorch).
template <class Model>
std::vector<std::uint32_t> parameter_bits(Model& m) {
    std::vector<std::uint32_t> v;
    visit_params(m, [&](std::string_view, auto& p) {
        for (float x : p.value) v.push_back(std::bit_cast<std::uint32_t>(x));
    });
    return v;
}

TEST_CASE("mpi data-parallel GAN: a non-finite loss on one rank stops every rank, and every rank undoes the step") {
    nan_gan t(gan_options());
    t.set_data_parallel(*world, true);
    t.step(gan_set());
    t.step(gan_set());  // Adam's moments exist: the undo must restore them, not restart them
    const auto d_before = parameter_bits(t.discriminator());
    nan_smoothness::poisoned = world->rank() == world->size() - 1;  // the last rank alone
    CHECK_THROWS_AS(t.step(gan_set()), train::non_finite_loss);     // on every rank
    nan_smoothness::poisoned = false;
    CHECK(t.steps() == 2);
    CHECK(parameter_bits(t.discriminator()) == d_before);
    // The next step is the one an uninterrupted run takes: D's Adam state came back whole.
    nan_gan straight(gan_options());
    straight.set_data_parallel(*world, true);
    for (int i = 0; i < 3; ++i) straight.step(gan_set());
    t.step(gan_set());
    CHECK(parameter_bits(t.discriminator()) == parameter_bits(straight.discriminator()));
    CHECK(parameter_bits(t.generator()) == parameter_bits(straight.generator()));
    const std::uint64_t d = distributed::state_digest(t.discriminator());
    CHECK(d == from_rank0(d));  // and every rank holds the same state
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

/// --stall-rank R: rank R stops taking part (it sleeps, alive) after 2 steps;
/// the others' collectives wait past a 3 s timeout, and the communicator's
/// watchdog must end them with its message and status 3.
int stall_run(int stalled) {
    world = std::make_unique<distributed::mpi_communicator>(MPI_COMM_WORLD, 3.0);
    tiny_gan t(gan_options());
    t.set_data_parallel(*world);
    for (int step = 0; step < 100000; ++step) {
        if (step == 2 && world->rank() == stalled) {
            std::fprintf(stderr, "rank %d: stalling (test)\n", stalled);
            std::fflush(stderr);
            sleep(120);
            return 0;
        }
        t.step(gan_set());
    }
    return 0;  // never reached
}

}  // namespace

namespace {

/// --weights-difference: the relative L2 difference of the weight tensors of two
/// checkpoints under `prefix`. Biases are left out: most stand in front of a
/// batch norm, which cancels them, so their gradient is 0 but for rounding, and
/// Adam turns the sign of that noise into ±lr steps that say nothing of the run.
int weights_difference(const char* a_path, const char* b_path, std::string prefix) {
    try {
        const auto a = safetensors::file::open(a_path), b = safetensors::file::open(b_path);
        double diff = 0, norm = 0;
        int count = 0;
        prefix += ".";
        for (const auto& e : b.tensors()) {
            if (!e.name.starts_with(prefix) || !e.name.ends_with("weight")) continue;
            const auto* other = a.find(e.name);
            if (!other || other->shape != e.shape) throw std::runtime_error(std::string(a_path) + " has no " + e.name +
                                                                            " of shape " + safetensors::shape_string(e.shape));
            const auto x = a.read<float>(e.name), y = b.read<float>(e.name);
            for (std::size_t i = 0; i < y.size(); ++i) diff += (double(x[i]) - y[i]) * (double(x[i]) - y[i]), norm += double(y[i]) * y[i];
            ++count;
        }
        if (count == 0 || !(norm > 0)) throw std::runtime_error(std::string(b_path) + " has no weights under " + prefix);
        std::printf("%d weight tensors, relative difference %.3e\n", count, std::sqrt(diff / norm));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "isinggan_mpi_tests: %s\n", e.what());
        return 2;
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 5 && std::strcmp(argv[1], "--weights-difference") == 0)
        return weights_difference(argv[2], argv[3], argv[4]);
    distributed::mpi_session mpi(argc, argv, true);
    world = std::make_unique<distributed::mpi_communicator>(MPI_COMM_WORLD, 60.0);
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], "--kill-rank") == 0) return kill_run(std::atoi(argv[i + 1]));
        if (std::strcmp(argv[i], "--stall-rank") == 0) return stall_run(std::atoi(argv[i + 1]));
    }
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
