#pragma once
// gan_trainer<Generator, Discriminator, Smoothness>: the training of the
// paper (sec. 3), with the objective of eq. (4):
//
//     L_Ising = L_GAN + λ · L_smooth(G(z))
//
// One step():
//   1. a batch of N real (image, mask) pairs, each in a random one of the 8
//      dihedral orientations (the paper's rotation/flip augmentation), and N
//      generated pairs from z ~ U[−1, 1]^100;
//   2. discriminator step: BCE(D(real), 1) + BCE(D(fake), 0), Adam;
//   3. generator step: the non-saturating loss −log D(G(z)) = BCE(D(fake), 1)
//      (paper: "−E_z log D(G(z))" in place of eq. (1)'s log(1 − D(G(z))))
//      plus λ·L_smooth on the generated mask, Adam.
// The smoothness policy is a type (losses/mrf): mrf_loss<ising> for the
// paper's Ising-GANs, no_smoothness for the vanilla GANs, or any other
// smoothness_loss. λ follows the paper's convention: the summed energy times
// λ / (D·N), D pixels per mask and N masks (options.lambda = 1.5 is the paper's).
//
// Weights start from Xavier (uniform, biases zero; batch norm 1 and 0).
// Every random draw of step k comes from a generator seeded with (seed, k),
// so a run resumed from a checkpoint repeats the uninterrupted run exactly.
// Options beyond the paper (gan_options; the defaults are the paper's plain
// training): a linear warm-up of λ, the mask shown to D in the images' range
// [−1, 1], and instance noise on the mask channel D sees. They exist because
// D tells real masks (exactly binary, mostly background) from generated ones
// (sigmoid-soft) by the mask channel alone, and the generator's cheapest
// answer is an empty mask (docs/gan-recipe.md).
//
// A non-finite loss throws non_finite_loss and leaves the parameters and
// optimizer states as they were: the discriminator's step, taken before the
// generator's loss is known, is undone (the batch-norm running statistics
// have seen the step's batches); a program then stops and keeps its last
// checkpoint.
#include <algorithm>
#include <numeric>
#include <span>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "isinggan/backend/compiled.hpp"
#include "isinggan/backend/cpu/channel_concat.hpp"
#include "isinggan/backend/cpu/elementwise.hpp"
#include "isinggan/core/collective.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/backend/transfer.hpp"
#include "isinggan/data/dihedral.hpp"
#include "isinggan/data/random_crop.hpp"
#include "isinggan/data/pair_augment.hpp"
#include "isinggan/data/image_mask_set.hpp"
#include "isinggan/distributed/data_parallel.hpp"
#include "isinggan/init/xavier.hpp"
#include "isinggan/io/checkpoint.hpp"
#include "isinggan/layers/layer.hpp"
#include "isinggan/layers/on_backend.hpp"
#include "isinggan/losses/bce.hpp"
#include "isinggan/losses/mrf.hpp"
#include "isinggan/optim/adam.hpp"
#include "isinggan/train/gan_batch.hpp"

namespace isinggan::train {

/// Raised when a loss becomes NaN or infinite; the models were not updated.
class non_finite_loss : public error {
public:
    explicit non_finite_loss(const std::string& what) : error(what) {}
};

/// Which mask the smoothness energy is computed on.
enum class smoothness_input {
    soft,  ///< the generator's mask m in [0, 1] (the paper)
    hard   ///< the binarised mask (m >= 0.5), the one D sees with straight_through_mask;
           ///< the energy's gradient passes to m unchanged (straight-through)
};

/// How the discriminator sees a mask m in [0, 1].
enum class mask_range {
    unit,    ///< as it is, in [0, 1] (the paper)
    signed_  ///< as 2m − 1, in [−1, 1]: the range of the image channels
};

struct gan_options {
    std::size_t batch = 64;  ///< N (paper: 64)
    /// Adam for both networks (paper: lr 2e-4, β1 0.9, β2 0.999).
    optim::adam_options generator_adam{.lr = 2e-4, .beta1 = 0.9, .beta2 = 0.999};
    optim::adam_options discriminator_adam{.lr = 2e-4, .beta1 = 0.9, .beta2 = 0.999};
    double lambda = 1.5;         ///< the smoothness weight, times 1/(D·N) (paper: 1.5)
    bool augment = true;         ///< random dihedral transform of every real sample
    std::uint64_t seed = 0;      ///< fixes the initial weights and every draw
    /// λ grows linearly from 0: λ·min(1, (k + 1) / lambda_warmup) at step k (0: full λ from the start).
    std::size_t lambda_warmup = 0;
    mask_range discriminator_mask = mask_range::unit;  ///< the mask channel of D's input
    /// Instance noise: N(0, σ²) added to the mask channel of every pair D sees,
    /// real and generated, in both steps (0: none). Its gradient passes to G unchanged.
    double mask_noise = 0.0;
    /// D sees the generated mask binarised (m >= 0.5), as the real ones are,
    /// and its gradient passes to m unchanged (straight-through): D cannot tell
    /// the two apart by softness.
    bool straight_through_mask = false;
    /// What λ·L_smooth penalises. On the soft mask, any flat field has no
    /// energy, 0.5 included, and thresholding such a field gives specks and
    /// holes that the energy never saw; on the hard mask the energy counts the
    /// binary mask's boundary, and its gradient is a majority vote of each
    /// pixel's neighbours (docs/gan-recipe.md, "smoothing the mask D sees").
    smoothness_input smoothness_on = smoothness_input::soft;
    /// Weight μ of the ambiguity penalty μ·Σ m(1 − m) / (D·N) on the generated
    /// mask (the normalisation of λ), warmed up with λ (lambda_warmup). With
    /// straight_through_mask nothing else keeps m away from the threshold: the
    /// soft masks of such runs hover in [0.3, 0.7] and their binarised form is
    /// specks and holes (docs/gan-recipe.md). The penalty pushes each pixel to
    /// the nearer of 0 and 1, so that the soft mask the Ising term smooths is
    /// the mask that is drawn. 0: none (the paper).
    double mask_ambiguity = 0.0;
    /// Differentiable augmentation (colour, translation, cutout; data/pair_augment.hpp)
    /// of the real and the generated pairs before D, in both steps.
    bool diff_augment = false;
    /// Decay β of an exponential moving average of the generator's weights:
    /// after every step ema ← β·ema + (1 − β)·G, and samples are drawn from
    /// the average (Karras et al. 2018; Yazıcı et al. 2019). Its batch-norm
    /// statistics are its own, recomputed by refresh_ema_statistics. 0: none (the paper).
    double generator_ema = 0.0;
    /// Patch training: the training images may be larger than the networks'
    /// side S, and every real pair D sees is a random S × S window of one
    /// (data/random_crop.hpp), the same window for image and mask. false: the
    /// images must have side S (the paper).
    bool random_crop = false;
    /// Relative frequency of each training sample in the real batches: one finite
    /// weight >= 0 per sample of the set given to step, not all 0. Empty: every
    /// sample alike (the paper). data/modality_balance.hpp makes weights that
    /// give each texture modality an equal share.
    std::vector<double> sample_weights;
};

/// Throws argument_error naming the option when `o` holds a value no trainer can use.
inline void validate(const gan_options& o) {
    if (o.batch < 2)
        throw argument_error("gan_trainer: the batch needs at least 2 samples (batch norm), got " +
                             std::to_string(o.batch));
    if (!std::isfinite(o.lambda) || o.lambda < 0)
        throw argument_error("gan_trainer: lambda must be a finite number >= 0, got " + std::to_string(o.lambda));
    if (!std::isfinite(o.mask_noise) || o.mask_noise < 0)
        throw argument_error("gan_trainer: mask_noise must be a finite number >= 0, got " +
                             std::to_string(o.mask_noise));
    if (!std::isfinite(o.mask_ambiguity) || o.mask_ambiguity < 0)
        throw argument_error("gan_trainer: mask_ambiguity must be a finite number >= 0, got " +
                             std::to_string(o.mask_ambiguity));
    if (!(o.generator_ema >= 0 && o.generator_ema < 1))
        throw argument_error("gan_trainer: generator_ema must be in [0, 1), got " + std::to_string(o.generator_ema));
    double total = 0;
    for (double w : o.sample_weights) {
        if (!std::isfinite(w) || w < 0)
            throw argument_error("gan_trainer: sample_weights must be finite numbers >= 0, got " + std::to_string(w));
        total += w;
    }
    if (!o.sample_weights.empty() && !(total > 0))
        throw argument_error("gan_trainer: sample_weights are all 0");
}

/// An index drawn with probability proportional to its weight, from the running
/// sums of the weights (nondecreasing, the last > 0): the first index whose sum
/// exceeds u · total, u ~ U[0, 1), so an index of weight 0 is never drawn.
/// One draw of `gen`, as rng::below, so weighted and uniform runs stay in step.
inline std::size_t draw_weighted(std::span<const double> cumulative, rng& gen) {
    const double u = gen.uniform01() * cumulative.back();
    auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
    if (it == cumulative.end())  // u · total rounded up to total: the last index of weight > 0
        it = std::lower_bound(cumulative.begin(), cumulative.end(), cumulative.back());
    return std::size_t(it - cumulative.begin());
}

/// What one step measured. Losses are the batch means of the BCE terms.
struct gan_step_stats {
    std::int64_t step = 0;      ///< steps done after this one
    double d_loss = 0;          ///< BCE(D(real), 1) + BCE(D(fake), 0)
    double g_loss = 0;          ///< the adversarial part: BCE(D(G(z)), 1)
    double smooth_loss = 0;     ///< λ·L_smooth / (D·N) as optimised (0 for vanilla GANs)
    double ambiguity_loss = 0;  ///< μ·Σ m(1 − m) / (D·N) as optimised (0 without gan_options::mask_ambiguity)
    double mask_energy = 0;     ///< Ising energy of the generated masks per pixel (eq. 2, 4-adjacency, all variants)
    double d_real = 0;          ///< mean D(real), a probability
    double d_fake = 0;          ///< mean D(G(z)) before the discriminator's update
};

/// Prefixes of the two networks in a checkpoint file.
inline constexpr const char* generator_prefix = "generator";
inline constexpr const char* discriminator_prefix = "discriminator";
/// The generator's moving average (gan_options::generator_ema), when kept.
inline constexpr const char* generator_ema_prefix = "generator_ema";

/// Whether the checkpoint read by `r` holds `model` under `prefix` (its first parameter decides).
template <class Model>
bool checkpoint_holds(const checkpoint_reader& r, Model& model, std::string_view prefix) {
    std::string first;
    visit_params(model, [&](std::string_view name, auto&) {
        if (first.empty()) first = join_name(prefix, name);
    });
    return !first.empty() && r.file().find(first) != nullptr;
}

template <class Generator, class Discriminator, smoothness_loss Smoothness = no_smoothness>
class gan_trainer {
public:
    using generator_type = Generator;
    using discriminator_type = Discriminator;
    using smoothness_type = Smoothness;
    /// Where the networks live: cpu, or cuda (then each batch is assembled on
    /// the host and copied over once, and only scalars come back).
    using backend_type = typename Generator::backend_type;
    static_assert(std::same_as<backend_type, typename Discriminator::backend_type>,
                  "gan_trainer: the generator and the discriminator must be on the same backend");
    using tensor_type = tensor<backend_type>;

    explicit gan_trainer(gan_options options = {})
        : opt_(options),
          g_(std::make_unique<Generator>()),
          d_(std::make_unique<Discriminator>()),
          g_adam_(options.generator_adam),
          d_adam_(options.discriminator_adam),
          smooth_(mrf_options{.lambda = options.lambda, .reduce = reduction::mean}),
          energy_(mrf_options{.lambda = 1.0, .reduce = reduction::mean}) {
        require_backend<backend_type>();
        validate(opt_);
        rng init(derive_seed(opt_.seed, stream_init, 0));
        init::xavier_init(*g_, init);
        init::xavier_init(*d_, init);
        if (opt_.generator_ema > 0) {
            g_ema_ = std::make_unique<Generator>();
            restart_ema();
        }
    }

    /// Data-parallel training over the ranks of `c` (distributed/mpi.hpp,
    /// distributed/nccl.hpp): every rank draws the same global batch of
    /// options().batch samples, takes its slice of it (batch / ranks samples),
    /// and the gradients are averaged over the ranks before every optimizer
    /// step, so the ranks keep identical weights; rank 0's weights are
    /// broadcast now and after every load. Batch norm and the minibatch
    /// standard deviation use each rank's own statistics (as PyTorch's DDP),
    /// or the global batch's with `sync_batch_norm` (then R ranks compute what
    /// one process would, to rounding; CPU backend). Every rank must call step, save and load alike;
    /// only rank 0 writes the checkpoint. `c` must outlive the trainer's steps.
    void set_data_parallel(collective& c, bool sync_batch_norm = false) {
        const std::size_t ranks = std::size_t(c.size());
        if (ranks == 0 || opt_.batch % ranks != 0)
            throw argument_error("gan_trainer: the batch of " + std::to_string(opt_.batch) + " does not divide among " +
                                 std::to_string(ranks) + " ranks; use a multiple of " + std::to_string(ranks));
        if (opt_.batch / ranks < 2)
            throw argument_error("gan_trainer: " + std::to_string(ranks) + " ranks need a batch of at least " +
                                 std::to_string(2 * ranks) + " (2 samples per rank for batch norm), got " +
                                 std::to_string(opt_.batch));
        if (sync_batch_norm && !ops::supports_batch_norm_sync(backend_type{}))
            throw argument_error("gan_trainer: synchronised batch norm runs on the cpu backend only, for now");
        parallel_ = &c;
        sync_batch_norm_ = sync_batch_norm;
        broadcast_weights();
    }
    /// The communicator of data-parallel training, or nullptr.
    collective* data_parallel() const noexcept { return parallel_; }
    /// Whether this process writes the run's files: rank 0, or the only process.
    bool writes_files() const noexcept { return !parallel_ || parallel_->rank() == 0; }

    /// One discriminator step and one generator step on a batch drawn from `data`.
    gan_step_stats step(const data::image_mask_set& data) {
        data::require_consistent(data, "gan_trainer::step");
        if (data.empty()) throw argument_error("gan_trainer::step: the training set is empty");
        if (opt_.random_crop ? data.side() < std::size_t(Generator::size) : data.side() != std::size_t(Generator::size))
            throw shape_error("gan_trainer::step: the training set has side " + std::to_string(data.side()) +
                              ", the networks are built for " + std::to_string(Generator::size) +
                              (opt_.random_crop ? " (random_crop needs images at least that large)" : ""));
        const std::size_t n = opt_.batch;
        rng gen(derive_seed(opt_.seed, stream_step, std::uint64_t(steps_)));

        // 1. The batches.
        indices_.resize(n);
        if (opt_.sample_weights.empty()) {
            for (auto& i : indices_) i = gen.below(data.size());
        } else {
            if (opt_.sample_weights.size() != data.size())
                throw argument_error("gan_trainer::step: " + std::to_string(opt_.sample_weights.size()) +
                                     " sample_weights for a training set of " + std::to_string(data.size()));
            if (cumulative_weights_.empty()) {
                cumulative_weights_.resize(data.size());
                std::partial_sum(opt_.sample_weights.begin(), opt_.sample_weights.end(), cumulative_weights_.begin());
            }
            for (auto& i : indices_) i = draw_weighted(cumulative_weights_, gen);
        }
        data::gather(data, indices_, real_image_, real_mask_);
        if (opt_.random_crop) data::random_crop(real_image_, real_mask_, std::size_t(Generator::size), gen);
        if (opt_.augment) data::random_dihedral(real_image_, real_mask_, gen);
        isinggan::concat_channels(real_image_, real_mask_, real_host_);
        draw_latent(z_host_, n, latent_size, gen);
        // The mask channel as D sees it: mapped to 2m − 1 (signed_) and given
        // instance noise. The generated masks get the same through fake_offset_
        // (2m is formed in the inner step; the −1 and their noise are added here).
        const bool signed_mask = opt_.discriminator_mask == mask_range::signed_;
        const bool offset = signed_mask || opt_.mask_noise > 0;
        if (offset) {
            fake_offset_host_.resize(real_host_.shape());
            fake_offset_host_.zero();
        }
        const std::size_t plane = real_host_.h() * real_host_.w();
        for (std::size_t b = 0; offset && b < n; ++b) {
            float* m = real_host_.plane(b, 3);
            float* f = fake_offset_host_.plane(b, 3);
            for (std::size_t i = 0; i < plane; ++i) {
                if (signed_mask) m[i] = 2.0f * m[i] - 1.0f, f[i] = -1.0f;
                if (opt_.mask_noise > 0) {
                    m[i] += float(opt_.mask_noise * gen.normal());
                    f[i] += float(opt_.mask_noise * gen.normal());
                }
            }
        }
        if (opt_.diff_augment) {  // three draws: D's real and generated pairs, then G's step
            const std::size_t side = std::size_t(Generator::size);
            draw_pair_augment(augment_real_, n, side, gen);
            draw_pair_augment(augment_fake_, n, side, gen);
            draw_pair_augment(augment_g_, n, side, gen);
        }
        if (parallel_) {  // this rank's slice of the global batch, and of every draw made for it
            const auto part = distributed::batch_slice::of(n, parallel_->rank(), parallel_->size());
            distributed::take_samples(real_host_, part.first, part.count, real_slice_);
            distributed::take_samples(z_host_, part.first, part.count, z_slice_);
            if (offset) distributed::take_samples(fake_offset_host_, part.first, part.count, offset_slice_);
            for (auto* draws : {&augment_real_, &augment_fake_, &augment_g_})
                if (!draws->empty()) {  // in place: no allocation in a step
                    draws->resize(part.first + part.count);
                    draws->erase(draws->begin(), draws->begin() + std::ptrdiff_t(part.first));
                }
        }
        const tensor<cpu>& real = parallel_ ? real_slice_ : real_host_;
        const tensor<cpu>& z = parallel_ ? z_slice_ : z_host_;
        const tensor<cpu>& fake_offset = parallel_ ? offset_slice_ : fake_offset_host_;
        const auto stats = step_impl(upload(real, real_device_), upload(z, z_device_),
                                     offset ? &upload(fake_offset, fake_offset_device_) : nullptr);
        augment_real_.clear();
        return stats;
    }

    /// The same step on a batch the caller assembled, on the trainer's
    /// backend: `real` holds N (image, mask) pairs stacked along channels,
    /// [N, 4, S, S], as D sees them: image in [-1, 1], mask in [0, 1] (or, with
    /// discriminator_mask = signed_, in [−1, 1], with any instance noise
    /// already added); `z` is [N, 100, 1, 1] in [-1, 1]. For a data pipeline
    /// of one's own, and for timing the networks alone. The generated masks
    /// get no instance noise here.
    gan_step_stats step(const tensor_type& real, const tensor_type& z) {
        if (opt_.discriminator_mask == mask_range::unit) return step_impl(real, z, nullptr);
        fake_offset_host_.resize({z.n(), 4, std::size_t(Generator::size), std::size_t(Generator::size)});
        fake_offset_host_.zero();
        for (std::size_t b = 0; b < z.n(); ++b)
            std::fill_n(fake_offset_host_.plane(b, 3), fake_offset_host_.shape().plane_size(), -1.0f);
        return step_impl(real, z, &upload(fake_offset_host_, fake_offset_device_));
    }

    /// The smoothness weight in force at step k (after the warm-up, options().lambda).
    double lambda_at(std::int64_t k) const { return opt_.lambda * warmup_factor(k); }

    /// The share of λ and μ in force at step k: min(1, (k + 1) / lambda_warmup), 1 without a warm-up.
    double warmup_factor(std::int64_t k) const {
        if (opt_.lambda_warmup == 0) return 1.0;
        return std::min(1.0, double(k + 1) / double(opt_.lambda_warmup));
    }

private:
    /// fake_offset: added to the stacked generated pairs before D sees them (the
    /// mask channel's −1 of 2m − 1 and its instance noise), or none.
    gan_step_stats step_impl(const tensor_type& real, const tensor_type& z, const tensor_type* fake_offset) {
        const std::size_t n = z.n(), side = std::size_t(Generator::size);
        require_shape(z.shape(), {n, std::size_t(latent_size), 1, 1}, "gan_trainer::step: latent batch");
        require_shape(real.shape(), {n, 4, side, side}, "gan_trainer::step: real batch");
        if (n < 2) throw argument_error("gan_trainer::step: the batch needs at least 2 samples (batch norm)");
        const batch_norm_sync_scope synchronised(sync_batch_norm_ ? parallel_ : nullptr);
        gan_step_stats stats;
        g_->set_training(true);
        d_->set_training(true);
        auto [image, mask] = g_->forward(z);
        const bool signed_mask = opt_.discriminator_mask == mask_range::signed_;
        if (opt_.straight_through_mask)  // D sees (m >= 0.5), or 2·that with the signed range
            ops::binarize(backend_type{}, mask, 0.5f, signed_mask ? 2.0f : 1.0f, mask_for_d_);
        if (signed_mask && !opt_.straight_through_mask)
            ops::add(backend_type{}, mask, mask, mask_for_d_);  // 2m; the −1 is in fake_offset
        stack(image, signed_mask || opt_.straight_through_mask ? mask_for_d_ : mask, fake_);
        if (fake_offset) ops::axpy(backend_type{}, 1.0f, *fake_offset, fake_);

        // 2. Discriminator: real → 1, fake → 0.
        // What D sees: the pairs, or their augmented copies (host-assembled steps with diff_augment).
        const bool augmenting = !augment_real_.empty();
        const auto augmented = [&](const tensor_type& x, const std::vector<pair_augment_params>& p,
                                   tensor_type& out) -> const tensor_type& {
            if (!augmenting) return x;
            ops::pair_augment_forward(backend_type{}, x, p, out);
            return out;
        };
        zero_grad(*d_);
        const tensor_type& real_logits = d_->forward(augmented(real, augment_real_, augmented_));
        stats.d_real = mean_probability(download(real_logits, logits_host_));
        double d_loss = bce(real_logits, 1.0f, d_logit_grad_);
        backward_params(*d_, d_logit_grad_);  // nothing upstream of D trains in this step
        const tensor_type& fake_logits = d_->forward(augmented(fake_, augment_fake_, augmented_));
        stats.d_fake = mean_probability(download(fake_logits, logits_host_));
        d_loss += bce(fake_logits, 0.0f, d_logit_grad_);
        if (parallel_) d_loss = mean_over_ranks(d_loss);  // so that every rank takes the same decision
        require_finite(d_loss, "discriminator loss");
        backward_params(*d_, d_logit_grad_);
        keep_discriminator();  // so that a non-finite generator loss can undo this step
        if (parallel_) distributed::all_reduce_gradients(*parallel_, *d_, 1.0 / double(parallel_->size()));
        d_adam_.step(*d_);

        // 3. Generator: fool the updated discriminator, plus λ·L_smooth on the mask.
        const tensor_type& logits = d_->forward(augmented(fake_, augment_g_, augmented_));
        stats.g_loss = bce(logits, 1.0f, d_logit_grad_);
        // Only D's input gradient is needed: its parameter gradients would be
        // cleared at its next step before any use, so the convolutions skip them.
        const tensor_type* d_input = &backward_input(*d_, d_logit_grad_);
        if (augmenting) {  // back through the augmentation
            ops::pair_augment_backward(backend_type{}, *d_input, augment_g_, d_unaugmented_);
            d_input = &d_unaugmented_;
        }
        split(*d_input, d_image_, d_mask_);
        if (signed_mask) ops::scale(backend_type{}, d_mask_, 2.0f);  // d(2m − 1)/dm
        stats.mask_energy = energy(mask);
        if constexpr (Smoothness::enabled) {
            if (opt_.lambda_warmup > 0) set_lambda(lambda_at(steps_));
            if (opt_.smoothness_on == smoothness_input::hard) {  // L_smooth of eq. (4) on (m >= 0.5), straight-through to m
                ops::binarize(backend_type{}, mask, 0.5f, 1.0f, hard_mask_);
                stats.smooth_loss = smoothness(hard_mask_, image, d_mask_);
            } else {
                stats.smooth_loss = smoothness(mask, image, d_mask_);
            }
        }
        if (opt_.mask_ambiguity > 0) {
            const double weight = opt_.mask_ambiguity * warmup_factor(steps_) / double(mask.size());
            stats.ambiguity_loss = ops::ambiguity_penalty(backend_type{}, mask, float(weight), d_mask_);
        }
        if (parallel_) {
            double losses[3] = {stats.g_loss, stats.smooth_loss, stats.ambiguity_loss};
            mean_over_ranks(losses);
            stats.g_loss = losses[0], stats.smooth_loss = losses[1], stats.ambiguity_loss = losses[2];
        }
        if (!std::isfinite(stats.g_loss + stats.smooth_loss + stats.ambiguity_loss)) {
            restore_discriminator();
            require_finite(stats.g_loss + stats.smooth_loss + stats.ambiguity_loss, "generator loss");
        }
        zero_grad(*g_);
        g_->backward(d_image_, d_mask_);
        if (parallel_) {
            distributed::all_reduce_gradients(*parallel_, *g_, 1.0 / double(parallel_->size()));
            double measured[3] = {stats.d_real, stats.d_fake, stats.mask_energy};
            mean_over_ranks(measured);
            stats.d_real = measured[0], stats.d_fake = measured[1], stats.mask_energy = measured[2];
        }
        g_adam_.step(*g_);
        if (g_ema_) update_ema();
        // Per-rank batch statistics move each rank's running statistics apart;
        // rank 0's are kept everywhere (as DDP's broadcast_buffers), so that
        // every rank holds the same state and any of them could write it.
        if (parallel_ && !sync_batch_norm_) {
            distributed::broadcast_buffers(*parallel_, *g_);
            distributed::broadcast_buffers(*parallel_, *d_);
        }

        stats.d_loss = d_loss;
        stats.step = ++steps_;
        return stats;
    }

public:
    /// Steps taken so far (restored by load).
    std::int64_t steps() const noexcept { return steps_; }
    const gan_options& options() const noexcept { return opt_; }
    Generator& generator() noexcept { return *g_; }
    /// The moving average of the generator's weights, or nullptr without gan_options::generator_ema.
    Generator* generator_ema() noexcept { return g_ema_.get(); }
    /// What samples are drawn from: the moving average when kept, else the generator.
    Generator& sampling_generator() noexcept { return g_ema_ ? *g_ema_ : *g_; }

    /// Recomputes the batch-norm running statistics of the moving average from
    /// `batches` batches of fresh latent vectors (training-mode passes; the raw
    /// generator's statistics belong to other weights). Deterministic: the
    /// latent vectors depend only on the seed and the step. Done by save.
    void refresh_ema_statistics(std::size_t batches = 48) {
        // Deterministic in (seed, step, batches): nothing to redo until a step or a load moves the weights.
        if (!g_ema_ || (ema_statistics_step_ == steps_ && ema_statistics_batches_ == batches)) return;
        rng gen(derive_seed(opt_.seed, stream_ema_statistics, std::uint64_t(steps_)));
        visit_buffers(*g_ema_, [&](std::string_view name, tensor_type& t) {
            // running_mean 0, running_var 1: where a batch norm starts; 48 passes at momentum 0.1
            // leave 0.9^48 < 1 % of it.
            if (name.ends_with("running_var")) t.fill(1.0f);
            else if (name.ends_with("running_mean")) t.fill(0.0f);
        });
        g_ema_->set_training(true);
        for (std::size_t b = 0; b < batches; ++b) {
            draw_latent(z_host_, opt_.batch, latent_size, gen);
            g_ema_->forward(upload(z_host_, z_device_));
        }
        g_ema_->set_training(false);
        ema_statistics_step_ = steps_;
        ema_statistics_batches_ = batches;
    }
    Discriminator& discriminator() noexcept { return *d_; }
    /// The two optimizers (their moments, e.g. to inspect or copy a run's state).
    optim::basic_adam<backend_type>& generator_optimizer() noexcept { return g_adam_; }
    optim::basic_adam<backend_type>& discriminator_optimizer() noexcept { return d_adam_; }

    /// Writes both networks, both optimizers and the step count to `path`,
    /// atomically; `metadata` is stored alongside (a run's configuration).
    void save(const std::filesystem::path& path, const std::map<std::string, std::string>& metadata = {}) {
        refresh_ema_statistics();
        if (!writes_files()) return;  // data-parallel: the other ranks hold the same state
        // Through host copies of both networks and both optimizers (on the
        // CPU backend, plain copies: a checkpoint's size is small next to a step).
        host_twins host(*this);
        write_checkpoint(path, metadata, *host.g, host.g_adam, *host.d, host.d_adam, host.g_ema.get());
    }

    /// Restores everything save wrote; all or nothing (an error changes nothing).
    /// A checkpoint without a moving average (written without generator_ema)
    /// starts one from its generator; one with it, loaded without, ignores it.
    checkpoint_info load(const std::filesystem::path& path) {
        ema_statistics_step_ = -1;
        // Read into host copies first, so that an error changes nothing.
        host_twins host(*this);
        const checkpoint_info info = read_checkpoint(path, *host.g, host.g_adam, *host.d, host.d_adam, host.g_ema.get());
        copy_model_state(*host.g, *g_);
        copy_model_state(*host.d, *d_);
        if (g_ema_ && loaded_ema_) copy_model_state(*host.g_ema, *g_ema_);
        else if (g_ema_) restart_ema();
        g_adam_ = host.g_adam.template copy_on<backend_type>();
        d_adam_ = host.d_adam.template copy_on<backend_type>();
        if (parallel_) broadcast_weights();  // every rank read the same file; rank 0's copy decides
        return info;
    }

private:
    static constexpr std::uint64_t stream_init = 1, stream_step = 2, stream_ema_statistics = 3;

    /// The moving average restarts from the generator's weights and statistics.
    void restart_ema() {
        std::vector<tensor_type*> to;
        visit_params(*g_ema_, [&](std::string_view, parameter<backend_type>& p) { to.push_back(&p.value); });
        visit_buffers(*g_ema_, [&](std::string_view, tensor_type& t) { to.push_back(&t); });
        std::size_t i = 0;
        visit_params(*g_, [&](std::string_view, parameter<backend_type>& p) { copy_tensor(p.value, *to[i++]); });
        visit_buffers(*g_, [&](std::string_view, tensor_type& t) { copy_tensor(t, *to[i++]); });
        g_ema_->set_training(false);
    }
    /// ema ← β·ema + (1 − β)·G for every parameter (eq. of gan_options::generator_ema).
    void update_ema() {
        if (ema_params_.empty())
            visit_params(*g_ema_, [&](std::string_view, parameter<backend_type>& p) { ema_params_.push_back(&p.value); });
        const auto beta = float(opt_.generator_ema);
        std::size_t i = 0;
        visit_params(*g_, [&](std::string_view, parameter<backend_type>& p) {
            tensor_type& e = *ema_params_[i++];
            ops::scale(backend_type{}, e, beta);
            ops::axpy(backend_type{}, 1.0f - beta, p.value, e);
        });
    }

    /// Keeps what the discriminator's Adam step changes (its weights, Adam's
    /// moments and step count): the generator's loss is known only after that
    /// step, and a non-finite one must leave every weight as it was.
    void keep_discriminator() {
        std::size_t i = 0;
        visit_params(*d_, [&](std::string_view, parameter<backend_type>& p) {
            if (i == d_before_.size()) d_before_.emplace_back();
            copy_tensor(p.value, d_before_[i++]);
        });
        std::size_t j = 0;
        d_adam_.for_each_state([&](std::string_view, std::string_view, tensor_type& t, bool) {
            if (j == d_adam_before_.size()) d_adam_before_.emplace_back();
            copy_tensor(t, d_adam_before_[j++]);
        });
        d_adam_states_before_ = j;
        d_adam_steps_before_ = d_adam_.steps();
    }
    /// Undoes the discriminator step keep_discriminator saw. Adam's state
    /// created by that step (the very first) goes back to zero, which is where
    /// Adam starts.
    void restore_discriminator() {
        std::size_t i = 0;
        visit_params(*d_, [&](std::string_view, parameter<backend_type>& p) { copy_tensor(d_before_[i++], p.value); });
        std::size_t j = 0;
        d_adam_.for_each_state([&](std::string_view, std::string_view, tensor_type& t, bool&) {
            if (j < d_adam_states_before_) copy_tensor(d_adam_before_[j], t);
            else t.zero();
            ++j;
        });
        d_adam_.set_steps(d_adam_steps_before_);
    }

    /// The warm-up's λ for this step: set_options where the loss has it, else a
    /// fresh loss with the new options (the built-in losses keep no state between calls).
    void set_lambda(double lambda) {
        if constexpr (!requires { smooth_.options(); }) {
            throw argument_error("gan_trainer: lambda_warmup needs a smoothness loss with options() (mrf_options)");
        } else {
            mrf_options o = smooth_.options();
            if (o.lambda == lambda) return;
            o.lambda = lambda;
            if constexpr (requires { smooth_.set_options(o); })
                smooth_.set_options(o);
            else
                smooth_ = Smoothness(o);
        }
    }
    // The length of z: the generator's input channels (models::latent_size for the paper's).
    static constexpr std::size_t latent_size = std::size_t(Generator::in_channels);
    static_assert(Generator::in_channels > 0, "gan_trainer: the generator must state the length of its latent input");

    // The few steps that differ between the backends. On the GPU the batch is
    // assembled on the host and uploaded once; losses come back as scalars and
    // the discriminator's N logits as a small download.
    static void stack(const tensor_type& image, const tensor_type& mask, tensor_type& out) {
        isinggan::concat_channels(backend_type{}, image, mask, out);
    }
    static void split(const tensor_type& d_input, tensor_type& d_image, tensor_type& d_mask) {
        isinggan::split_channels(backend_type{}, d_input, 3, d_image, d_mask);
    }
    static double bce(const tensor_type& logits, float target, tensor_type& grad) {
        return isinggan::bce_with_logits(backend_type{}, logits, target, &grad);
    }
    double energy(const tensor_type& mask) { return ops::smoothness_value(backend_type{}, energy_, mask); }
    double smoothness(const tensor_type& mask, const tensor_type& image, tensor_type& d_mask) {
        return ops::smoothness_forward_backward(backend_type{}, smooth_, mask, image, d_mask,
                                                gradient_mode::accumulate);
    }

    // Checkpoints are written from host objects; a GPU trainer copies its
    // networks and optimizers into these first.
    template <class G, class GAdam, class D, class DAdam>
    void write_checkpoint(const std::filesystem::path& path, const std::map<std::string, std::string>& metadata,
                          G& g, GAdam& g_adam, D& d, DAdam& d_adam, G* g_ema) const {
        checkpoint_writer w;
        w.add_model(g, generator_prefix);
        w.add_optimizer(g_adam, generator_prefix);
        w.add_model(d, discriminator_prefix);
        w.add_optimizer(d_adam, discriminator_prefix);
        if (g_ema) w.add_model(*g_ema, generator_ema_prefix);
        w.set_info({steps_, metadata});
        w.save(path);
    }

    template <class G, class D>
    checkpoint_info read_checkpoint(const std::filesystem::path& path, G& g, optim::adam& g_adam_out, D& d,
                                    optim::adam& d_adam_out, G* g_ema) {
        checkpoint_reader r(path);
        const auto g_plan = r.plan_model(g, generator_prefix);
        const auto d_plan = r.plan_model(d, discriminator_prefix);
        // The moving average: loaded when kept and present; checked (and dropped) when present but not kept.
        std::unique_ptr<G> unused_ema;
        const bool has_ema = checkpoint_holds(r, g, generator_ema_prefix);
        if (has_ema && !g_ema) unused_ema = std::make_unique<G>();
        const auto ema_plan = has_ema ? r.plan_model(g_ema ? *g_ema : *unused_ema, generator_ema_prefix)
                                      : std::vector<checkpoint_reader::copy>{};
        optim::adam g_adam = r.stage_optimizer(g_adam_out, g, generator_prefix);
        optim::adam d_adam = r.stage_optimizer(d_adam_out, d, discriminator_prefix);
        r.require_all_used();
        const checkpoint_info info = r.info();
        if (info.step < 0) throw io_error(path.string() + ": negative step count");
        r.apply(g_plan);
        r.apply(d_plan);
        if (g_ema && has_ema) r.apply(ema_plan);
        loaded_ema_ = g_ema && has_ema;
        g_adam_out = std::move(g_adam);
        d_adam_out = std::move(d_adam);
        steps_ = info.step;
        return info;
    }

    /// Host copies of a GPU trainer's networks and optimizers.
    struct host_twins {
        std::unique_ptr<isinggan::on_backend<Generator, cpu>> g = std::make_unique<isinggan::on_backend<Generator, cpu>>();
        std::unique_ptr<isinggan::on_backend<Discriminator, cpu>> d =
            std::make_unique<isinggan::on_backend<Discriminator, cpu>>();
        std::unique_ptr<isinggan::on_backend<Generator, cpu>> g_ema;
        optim::adam g_adam, d_adam;
        explicit host_twins(gan_trainer& t)
            : g_adam(t.g_adam_.template copy_on<cpu>()), d_adam(t.d_adam_.template copy_on<cpu>()) {
            copy_model_state(*t.g_, *g);
            copy_model_state(*t.d_, *d);
            if (t.g_ema_) {
                g_ema = std::make_unique<isinggan::on_backend<Generator, cpu>>();
                copy_model_state(*t.g_ema_, *g_ema);
            }
        }
    };

    /// Rank 0's weights (and batch-norm statistics) on every rank.
    void broadcast_weights() {
        distributed::broadcast_state(*parallel_, *g_);
        distributed::broadcast_state(*parallel_, *d_);
        if (g_ema_) distributed::broadcast_state(*parallel_, *g_ema_);
    }

    /// The mean over the ranks of one or more scalars of this step.
    double mean_over_ranks(double v) {
        mean_over_ranks(std::span<double>(&v, 1));
        return v;
    }
    void mean_over_ranks(std::span<double> v) {
        parallel_->all_reduce_sum(v);
        for (double& x : v) x /= double(parallel_->size());
    }

    static void require_finite(double v, const char* what) {
        if (!std::isfinite(v))
            throw non_finite_loss(std::string("training diverged: the ") + what + " is " + std::to_string(v) +
                                  "; the parameters keep their values from before this step");
    }

    gan_options opt_;
    std::unique_ptr<Generator> g_;
    std::unique_ptr<Discriminator> d_;
    std::unique_ptr<Generator> g_ema_;         // gan_options::generator_ema
    std::vector<tensor_type*> ema_params_;     // its parameters, in visiting order
    bool loaded_ema_ = false;                  // whether the last load found one
    std::int64_t ema_statistics_step_ = -1;    // the step its statistics were last recomputed at
    std::size_t ema_statistics_batches_ = 0;
    optim::basic_adam<backend_type> g_adam_, d_adam_;
    Smoothness smooth_;
    mrf_loss<ising> energy_;
    std::vector<tensor_type> d_before_;                        // keep_discriminator's copies
    std::vector<tensor_type> d_adam_before_;
    std::size_t d_adam_states_before_ = 0;
    std::int64_t d_adam_steps_before_ = 0;
    std::int64_t steps_ = 0;
    std::vector<std::size_t> indices_;
    std::vector<double> cumulative_weights_;  // of gan_options::sample_weights, built at the first step
    tensor<cpu> real_image_, real_mask_, real_host_, z_host_, logits_host_;  // host staging
    tensor<cpu> fake_offset_host_;
    tensor<cpu> real_slice_, z_slice_, offset_slice_;  // this rank's part of the batch (data-parallel)
    collective* parallel_ = nullptr;                    // set_data_parallel
    bool sync_batch_norm_ = false;
    tensor_type real_device_, z_device_, fake_offset_device_;  // device copies (unused on the cpu backend)
    tensor_type fake_, d_logit_grad_, d_image_, d_mask_, mask_for_d_, hard_mask_, augmented_, d_unaugmented_;
    std::vector<pair_augment_params> augment_real_, augment_fake_, augment_g_;  // this step's draws
};

}  // namespace isinggan::train
