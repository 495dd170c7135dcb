#pragma once
// segmentation_trainer<Net>: trains a segmentation network (models::unet) on
// image/mask pairs with BCE-with-logits, optionally plus a weighted soft Dice
// term, and Adam; evaluates the IoU of its binarised predictions
// (metrics/iou.hpp). One epoch visits every training pair once, in an order
// drawn from the trainer's seed, in mini-batches (the last one may be smaller).
//
// The network's backend decides where training runs. On cuda each batch is
// assembled on the host and copied over once, the loss and its gradient are
// computed on the device, and only the loss (and, to score the IoU, the
// logits) come back.
//
// Data-parallel (set_data_parallel): every rank shuffles the same order and
// takes its slice of each mini-batch; gradients are averaged over the ranks,
// weighted by each slice's share, before every Adam step. A last mini-batch
// smaller than the number of ranks is processed whole by every rank. Batch
// norm uses each rank's statistics unless synchronised; the soft Dice term is
// computed per rank (its ratio of sums does not split over slices), so only
// BCE alone with synchronised batch norm gives one process's result exactly.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "isinggan/backend/compiled.hpp"
#include "isinggan/core/collective.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/core/random.hpp"
#include "isinggan/backend/transfer.hpp"
#include "isinggan/data/image_mask_set.hpp"
#include "isinggan/distributed/data_parallel.hpp"
#include "isinggan/io/checkpoint.hpp"
#include "isinggan/layers/layer.hpp"
#include "isinggan/layers/on_backend.hpp"
#include "isinggan/losses/bce.hpp"
#include "isinggan/losses/dice.hpp"
#include "isinggan/metrics/iou.hpp"
#include "isinggan/optim/adam.hpp"

namespace isinggan::train {

struct segmentation_options {
    std::size_t batch = 4;
    double lr = 1e-4;           ///< Adam, betas (0.9, 0.999) as PyTorch's default
    double dice_weight = 0.0;   ///< loss = BCE + dice_weight · soft Dice
    std::uint64_t seed = 0;     ///< initial weights and batch order
};

struct segmentation_epoch {
    double mean_loss = 0.0;  ///< average of the steps' losses
    std::size_t steps = 0;
    double seconds = 0.0;
};

/// Thrown when a loss stops being finite; the weights are those before that step.
class training_diverged : public error {
public:
    using error::error;
};

template <class Net>
class segmentation_trainer {
public:
    using backend_type = typename Net::backend_type;
    using tensor_type = tensor<backend_type>;

    explicit segmentation_trainer(segmentation_options o = {}) : opt_(o), adam_({.lr = o.lr}), order_gen_(o.seed) {
        require_backend<backend_type>();
        if (o.batch == 0) throw argument_error("segmentation_trainer: the batch size must be at least 1");
        if (!(o.dice_weight >= 0.0) || !std::isfinite(o.dice_weight))
            throw argument_error("segmentation_trainer: the Dice weight must be finite and not negative");
        rng init(o.seed ^ 0x5e9a11d5ULL);
        reset_parameters(net_, init);
    }

    /// One Adam step on a batch on the trainer's backend (images [N,3,S,S],
    /// masks [N,1,S,S]); returns the loss. Data-parallel, the batch is this
    /// rank's share `weight` of the global batch, and the loss returned is the
    /// global batch's.
    double step(const tensor_type& images, const tensor_type& masks, double weight = 1.0) {
        const batch_norm_sync_scope synchronised(sync_batch_norm_ ? parallel_ : nullptr);
        net_.set_training(true);
        const tensor_type& logits = net_.forward(images);
        double loss = bce(logits, masks);
        if (opt_.dice_weight > 0) loss += dice(logits, masks);
        if (parallel_) {  // the global loss, so that every rank takes the same decision
            double share = loss * weight;
            parallel_->all_reduce_sum(std::span<double>(&share, 1));
            loss = share;
        }
        if (!std::isfinite(loss))
            throw training_diverged("segmentation_trainer: the loss is " + std::to_string(loss) +
                                    " (not finite); try a smaller learning rate");
        zero_grad(net_);
        net_.backward(grad_);
        if (parallel_) distributed::all_reduce_gradients(*parallel_, net_, weight);
        adam_.step(net_);
        if (parallel_ && !sync_batch_norm_) distributed::broadcast_buffers(*parallel_, net_);  // as DDP
        return loss;
    }

    /// Data-parallel training over the ranks of `c` (see the top of this file);
    /// rank 0's weights are broadcast now. `sync_batch_norm`: batch norms use
    /// the global batch's statistics (CPU backend). Only rank 0 writes by save.
    void set_data_parallel(collective& c, bool sync_batch_norm = false) {
        if (sync_batch_norm && !ops::supports_batch_norm_sync(backend_type{}))
            throw argument_error("segmentation_trainer: synchronised batch norm runs on the cpu backend only, for now");
        parallel_ = &c;
        sync_batch_norm_ = sync_batch_norm;
        distributed::broadcast_state(c, net_);
    }
    collective* data_parallel() const noexcept { return parallel_; }
    /// Whether this process writes the run's files: rank 0, or the only process.
    bool writes_files() const noexcept { return !parallel_ || parallel_->rank() == 0; }

    /// One pass over `set` in shuffled mini-batches. `on_step(done, total, loss)`, when given, reports progress.
    segmentation_epoch epoch(const data::image_mask_set& set,
                             const std::function<void(std::size_t, std::size_t, double)>& on_step = {}) {
        data::require_consistent(set, "segmentation_trainer::epoch");
        if (set.empty()) throw argument_error("segmentation_trainer::epoch: the training set is empty");
        const auto start = std::chrono::steady_clock::now();
        std::vector<std::size_t> order(set.size());
        std::iota(order.begin(), order.end(), std::size_t(0));
        std::shuffle(order.begin(), order.end(), order_gen_.engine());
        const std::size_t total = (order.size() + opt_.batch - 1) / opt_.batch;
        segmentation_epoch e;
        for (std::size_t b = 0; b < total; ++b) {
            const std::size_t first = b * opt_.batch, count = std::min(opt_.batch, order.size() - first);
            // This rank's slice, or the whole batch on every rank when it has fewer samples than ranks.
            const std::size_t ranks = parallel_ ? std::size_t(parallel_->size()) : 1;
            const auto part = ranks > 1 && count >= ranks ? distributed::batch_slice::of(count, parallel_->rank(), int(ranks))
                                                          : distributed::batch_slice{0, count};
            const double weight = ranks > 1 && count >= ranks ? double(part.count) / double(count) : 1.0 / double(ranks);
            data::gather(set, std::span<const std::size_t>(order.data() + first + part.first, part.count), images_,
                         masks_);
            const double loss = step(upload(images_, images_device_), upload(masks_, masks_device_), weight);
            e.mean_loss += loss;
            ++e.steps;
            if (on_step) on_step(e.steps, total, loss);
        }
        e.mean_loss /= double(e.steps);
        e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return e;
    }

    /// IoU of the network (evaluation mode: batch norm from running statistics) on `set`.
    metrics::iou_accumulator evaluate(const data::image_mask_set& set, std::size_t batch = 8) {
        data::require_consistent(set, "segmentation_trainer::evaluate");
        if (batch == 0) throw argument_error("segmentation_trainer::evaluate: the batch size must be at least 1");
        metrics::iou_accumulator acc;
        net_.set_training(false);
        std::vector<std::size_t> idx;
        for (std::size_t first = 0; first < set.size(); first += batch) {
            idx.resize(std::min(batch, set.size() - first));
            std::iota(idx.begin(), idx.end(), first);
            data::gather(set, idx, images_, masks_);
            acc.add(download(net_.forward(upload(images_, images_device_)), logits_host_), masks_,
                    metrics::prediction_kind::logits);
        }
        net_.set_training(true);
        return acc;
    }

    /// Writes the network and the optimizer state to `path` as save_checkpoint
    /// does, from host copies of both (on the CPU backend, plain copies).
    void save(const std::filesystem::path& path, const checkpoint_info& info = {}) {
        if (!writes_files()) return;  // data-parallel: the other ranks hold the same state
        auto host = std::make_unique<on_backend<Net, cpu>>();
        copy_model_state(net_, *host);
        optim::adam host_adam = adam_.template copy_on<cpu>();
        save_checkpoint(path, *host, host_adam, info);
    }

    Net& net() { return net_; }
    optim::basic_adam<backend_type>& optimizer() { return adam_; }
    const segmentation_options& options() const { return opt_; }

private:
    // The steps that differ between the backends.
    /// BCE with logits; writes its gradient to grad_.
    double bce(const tensor_type& logits, const tensor_type& masks) {
        return isinggan::bce_with_logits(backend_type{}, logits, masks, &grad_);
    }
    /// dice_weight · soft Dice; adds its gradient to grad_.
    double dice(const tensor_type& logits, const tensor_type& masks) {
        return isinggan::soft_dice_with_logits(backend_type{}, logits, masks, &grad_, float(opt_.dice_weight), true);
    }

    segmentation_options opt_;
    Net net_;
    optim::basic_adam<backend_type> adam_;
    rng order_gen_;
    tensor<cpu> images_, masks_, logits_host_;  // host staging
    tensor_type images_device_, masks_device_;  // their device copies (unused on the cpu backend)
    tensor_type grad_;
    collective* parallel_ = nullptr;  // set_data_parallel
    bool sync_batch_norm_ = false;
};

}  // namespace isinggan::train
