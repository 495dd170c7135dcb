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
// A non-finite loss throws non_finite_loss before any optimizer moves, so the
// parameters and optimizer states stay as they were (the batch-norm running
// statistics have seen the step's batches); a program then stops and keeps
// its last checkpoint.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/data/dihedral.hpp"
#include "isinggan/data/image_mask_set.hpp"
#include "isinggan/init/xavier.hpp"
#include "isinggan/io/checkpoint.hpp"
#include "isinggan/layers/layer.hpp"
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

struct gan_options {
    std::size_t batch = 64;  ///< N (paper: 64)
    /// Adam for both networks (paper: lr 2e-4, β1 0.9, β2 0.999).
    optim::adam_options generator_adam{.lr = 2e-4, .beta1 = 0.9, .beta2 = 0.999};
    optim::adam_options discriminator_adam{.lr = 2e-4, .beta1 = 0.9, .beta2 = 0.999};
    double lambda = 1.5;         ///< the smoothness weight, times 1/(D·N) (paper: 1.5)
    bool augment = true;         ///< random dihedral transform of every real sample
    std::uint64_t seed = 0;      ///< fixes the initial weights and every draw
};

/// What one step measured. Losses are the batch means of the BCE terms.
struct gan_step_stats {
    std::int64_t step = 0;      ///< steps done after this one
    double d_loss = 0;          ///< BCE(D(real), 1) + BCE(D(fake), 0)
    double g_loss = 0;          ///< the adversarial part: BCE(D(G(z)), 1)
    double smooth_loss = 0;     ///< λ·L_smooth / (D·N) as optimised (0 for vanilla GANs)
    double mask_energy = 0;     ///< Ising energy of the generated masks per pixel (eq. 2, 4-adjacency, all variants)
    double d_real = 0;          ///< mean D(real), a probability
    double d_fake = 0;          ///< mean D(G(z)) before the discriminator's update
};

/// Prefixes of the two networks in a checkpoint file.
inline constexpr const char* generator_prefix = "generator";
inline constexpr const char* discriminator_prefix = "discriminator";

template <class Generator, class Discriminator, smoothness_loss Smoothness = no_smoothness>
class gan_trainer {
public:
    using generator_type = Generator;
    using discriminator_type = Discriminator;
    using smoothness_type = Smoothness;

    explicit gan_trainer(gan_options options = {})
        : opt_(options),
          g_(std::make_unique<Generator>()),
          d_(std::make_unique<Discriminator>()),
          g_adam_(options.generator_adam),
          d_adam_(options.discriminator_adam),
          smooth_(mrf_options{.lambda = options.lambda, .reduce = reduction::mean}),
          energy_(mrf_options{.lambda = 1.0, .reduce = reduction::mean}) {
        if (opt_.batch < 2) throw argument_error("gan_trainer: the batch needs at least 2 samples (batch norm), got " +
                                                 std::to_string(opt_.batch));
        rng init(derive_seed(opt_.seed, stream_init, 0));
        init::xavier_init(*g_, init);
        init::xavier_init(*d_, init);
    }

    /// One discriminator step and one generator step on a batch drawn from `data`.
    gan_step_stats step(const data::image_mask_set& data) {
        data::require_consistent(data, "gan_trainer::step");
        if (data.empty()) throw argument_error("gan_trainer::step: the training set is empty");
        if (data.side() != std::size_t(Generator::size))
            throw shape_error("gan_trainer::step: the training set has side " + std::to_string(data.side()) +
                              ", the networks are built for " + std::to_string(Generator::size));
        const std::size_t n = opt_.batch;
        rng gen(derive_seed(opt_.seed, stream_step, std::uint64_t(steps_)));
        gan_step_stats stats;

        // 1. The batches.
        indices_.resize(n);
        for (auto& i : indices_) i = gen.below(data.size());
        data::gather(data, indices_, real_image_, real_mask_);
        if (opt_.augment) data::random_dihedral(real_image_, real_mask_, gen);
        stack_pair(real_image_, real_mask_, real_);
        draw_latent(z_, n, 100, gen);
        g_->set_training(true);
        d_->set_training(true);
        auto [image, mask] = g_->forward(z_);
        stack_pair(image, mask, fake_);

        // 2. Discriminator: real → 1, fake → 0.
        zero_grad(*d_);
        const tensor<cpu>& real_logits = d_->forward(real_);
        stats.d_real = mean_probability(real_logits);
        double d_loss = bce_with_logits(real_logits, 1.0f, &d_logit_grad_);
        d_->backward(d_logit_grad_);
        const tensor<cpu>& fake_logits = d_->forward(fake_);
        stats.d_fake = mean_probability(fake_logits);
        d_loss += bce_with_logits(fake_logits, 0.0f, &d_logit_grad_);
        require_finite(d_loss, "discriminator loss");
        d_->backward(d_logit_grad_);
        d_adam_.step(*d_);

        // 3. Generator: fool the updated discriminator, plus λ·L_smooth on the mask.
        const tensor<cpu>& logits = d_->forward(fake_);
        stats.g_loss = bce_with_logits(logits, 1.0f, &d_logit_grad_);
        const tensor<cpu>& d_input = d_->backward(d_logit_grad_);
        split_pair(d_input, 3, d_image_, d_mask_);
        stats.mask_energy = energy_.forward(mask);
        if constexpr (Smoothness::enabled)
            stats.smooth_loss = apply_smoothness(smooth_, mask, image, d_mask_, gradient_mode::accumulate);
        require_finite(stats.g_loss + stats.smooth_loss, "generator loss");
        zero_grad(*g_);
        g_->backward(d_image_, d_mask_);
        g_adam_.step(*g_);

        stats.d_loss = d_loss;
        stats.step = ++steps_;
        return stats;
    }

    /// Steps taken so far (restored by load).
    std::int64_t steps() const noexcept { return steps_; }
    const gan_options& options() const noexcept { return opt_; }
    Generator& generator() noexcept { return *g_; }
    Discriminator& discriminator() noexcept { return *d_; }

    /// Writes both networks, both optimizers and the step count to `path`,
    /// atomically; `metadata` is stored alongside (a run's configuration).
    void save(const std::filesystem::path& path, const std::map<std::string, std::string>& metadata = {}) {
        checkpoint_writer w;
        w.add_model(*g_, generator_prefix);
        w.add_optimizer(g_adam_, generator_prefix);
        w.add_model(*d_, discriminator_prefix);
        w.add_optimizer(d_adam_, discriminator_prefix);
        w.set_info({steps_, metadata});
        w.save(path);
    }

    /// Restores everything save wrote; all or nothing (an error changes nothing).
    checkpoint_info load(const std::filesystem::path& path) {
        checkpoint_reader r(path);
        const auto g_plan = r.plan_model(*g_, generator_prefix);
        const auto d_plan = r.plan_model(*d_, discriminator_prefix);
        optim::adam g_adam = r.stage_optimizer(g_adam_, *g_, generator_prefix);
        optim::adam d_adam = r.stage_optimizer(d_adam_, *d_, discriminator_prefix);
        r.require_all_used();
        const checkpoint_info info = r.info();
        if (info.step < 0) throw io_error(path.string() + ": negative step count");
        r.apply(g_plan);
        r.apply(d_plan);
        g_adam_ = std::move(g_adam);
        d_adam_ = std::move(d_adam);
        steps_ = info.step;
        return info;
    }

private:
    static constexpr std::uint64_t stream_init = 1, stream_step = 2;

    static void require_finite(double v, const char* what) {
        if (!std::isfinite(v))
            throw non_finite_loss(std::string("training diverged: the ") + what + " is " + std::to_string(v) +
                                  "; the parameters keep their values from before this step");
    }

    gan_options opt_;
    std::unique_ptr<Generator> g_;
    std::unique_ptr<Discriminator> d_;
    optim::adam g_adam_, d_adam_;
    Smoothness smooth_;
    mrf_loss<ising> energy_;
    std::int64_t steps_ = 0;
    std::vector<std::size_t> indices_;
    tensor<cpu> real_image_, real_mask_, real_, fake_, z_, d_logit_grad_, d_image_, d_mask_;
};

}  // namespace isinggan::train
