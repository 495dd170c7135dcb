#pragma once
// minibatch_stddev<C>: appends one channel holding the batch's mean feature
// standard deviation (Karras et al. 2018; the op and its gradient are in
// backend/cpu/minibatch_stddev.hpp). Placed before a discriminator's last
// convolution, it lets the discriminator see how varied a batch is, so a
// generator that draws one mode of a mixed data set is told so. No parameters.
#include <algorithm>

#include "isinggan/backend/cpu/minibatch_stddev.hpp"
#include "isinggan/core/collective.hpp"
#include "isinggan/layers/layer.hpp"

namespace isinggan {

template <int Channels, class Backend = cpu>
class minibatch_stddev : public no_parameters {
    static_assert(Channels > 0, "minibatch_stddev<C> needs C > 0 input channels");

public:
    using backend_type = Backend;
    static constexpr int in_channels = Channels;
    static constexpr int out_channels = Channels + 1;
    static constexpr double eps = 1e-8;

    /// backward reads the forward input again, so a temporary input (gone by then) is refused.
    const tensor<Backend>& forward(tensor<Backend>&&) = delete;
    const tensor<Backend>& forward(const tensor<Backend>& x) {
        layer_detail::require_backend<Backend>();
        layer_detail::require_channels(x.shape(), Channels, "minibatch_stddev");
        input_ = &x;
        // Under data-parallel training with synchronised statistics (core/collective.hpp),
        // the global batch's standard deviation, as one process would compute it.
        sync_ = batch_norm_sync();
        ops::minibatch_stddev_forward(Backend{}, x, y_, sigma_, eps, sync_);
        return y_;
    }

    const tensor<Backend>& backward(const tensor<Backend>& dy) {
        layer_detail::require_forward_done(input_, "minibatch_stddev");
        layer_detail::require_grad_shape(dy.shape(), y_.shape(), "minibatch_stddev");
        ops::minibatch_stddev_backward(Backend{}, *input_, sigma_, dy, dx_, sync_);
        return dx_;
    }

    void set_training(bool) {}

private:
    const tensor<Backend>* input_ = nullptr;
    collective* sync_ = nullptr;  // the communicator of the last forward's statistics, if synchronised
    tensor<Backend> y_, sigma_, dx_;
};

}  // namespace isinggan
