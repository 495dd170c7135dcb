#pragma once
// segmentation_trainer<Net>: trains a segmentation network (models::unet) on
// image/mask pairs with BCE-with-logits, optionally plus a weighted soft Dice
// term, and Adam; evaluates the IoU of its binarised predictions
// (metrics/iou.hpp). One epoch visits every training pair once, in an order
// drawn from the trainer's seed, in mini-batches (the last one may be smaller).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/core/random.hpp"
#include "isinggan/data/image_mask_set.hpp"
#include "isinggan/layers/layer.hpp"
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
    explicit segmentation_trainer(segmentation_options o = {}) : opt_(o), adam_({.lr = o.lr}), order_gen_(o.seed) {
        if (o.batch == 0) throw argument_error("segmentation_trainer: the batch size must be at least 1");
        if (!(o.dice_weight >= 0.0) || !std::isfinite(o.dice_weight))
            throw argument_error("segmentation_trainer: the Dice weight must be finite and not negative");
        rng init(o.seed ^ 0x5e9a11d5ULL);
        reset_parameters(net_, init);
    }

    /// One Adam step on a batch (images [N,3,S,S], masks [N,1,S,S]); returns the loss.
    double step(const tensor<cpu>& images, const tensor<cpu>& masks) {
        net_.set_training(true);
        const tensor<cpu>& logits = net_.forward(images);
        double loss = bce_with_logits(logits, masks, &grad_);
        if (opt_.dice_weight > 0)
            loss += soft_dice_with_logits(logits, masks, &grad_, float(opt_.dice_weight), true);
        if (!std::isfinite(loss))
            throw training_diverged("segmentation_trainer: the loss is " + std::to_string(loss) +
                                    " (not finite); try a smaller learning rate");
        zero_grad(net_);
        net_.backward(grad_);
        adam_.step(net_);
        return loss;
    }

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
            data::gather(set, std::span<const std::size_t>(order.data() + first, count), images_, masks_);
            const double loss = step(images_, masks_);
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
            acc.add(net_.forward(images_), masks_, metrics::prediction_kind::logits);
        }
        net_.set_training(true);
        return acc;
    }

    Net& net() { return net_; }
    optim::adam& optimizer() { return adam_; }
    const segmentation_options& options() const { return opt_; }

private:
    segmentation_options opt_;
    Net net_;
    optim::adam adam_;
    rng order_gen_;
    tensor<cpu> images_, masks_, grad_;
};

}  // namespace isinggan::train
