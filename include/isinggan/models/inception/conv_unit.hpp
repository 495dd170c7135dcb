#pragma once
// Inception's BasicConv2d for inference: a convolution without bias, batch
// normalisation in evaluation mode (eps 1e-3) and ReLU. The normalisation is
// folded into the convolution when the weights are loaded,
//   w' = w γ / √(var + eps),  b' = β − mean γ / √(var + eps)  (in double),
// so a forward pass is one convolution with bias and a ReLU. The folding
// happens on the host; a cuda unit then copies its weights to the device.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "isinggan/backend/compiled.hpp"
#include "isinggan/backend/cpu/inception.hpp"
#include "isinggan/backend/transfer.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan::inception {

/// Hands out a tensor's values by its state_dict name; throws when the
/// tensor is missing or does not have the given shape.
using weight_source = std::function<std::vector<float>(const std::string& name, const std::vector<std::size_t>& shape)>;

inline constexpr double batch_norm_eps = 1e-3;

/// conv (no bias) + batch norm (evaluation) + ReLU, named like pytorch-fid's
/// modules ("Mixed_5b.branch1x1" → "Mixed_5b.branch1x1.conv.weight", ...).
template <class Backend = cpu>
class conv_unit {
public:
    conv_unit() = default;
    /// kernel_h x kernel_w (1x7, 7x1, ...).
    conv_unit(std::string name, std::size_t in, std::size_t out, int kernel_h, int kernel_w, int stride, int pad_h,
              int pad_w)
        : name_(std::move(name)), in_(in), out_(out), geometry_{kernel_h, kernel_w, stride, stride, pad_h, pad_w} {}
    /// Square kernel.
    conv_unit(std::string name, std::size_t in, std::size_t out, int kernel, int stride = 1, int pad = 0)
        : conv_unit(std::move(name), in, out, kernel, kernel, stride, pad, pad) {}

    const std::string& name() const noexcept { return name_; }
    std::size_t in_channels() const noexcept { return in_; }
    std::size_t out_channels() const noexcept { return out_; }
    const conv2d_geometry& geometry() const noexcept { return geometry_; }
    bool loaded() const noexcept { return !weight_.empty(); }

    /// Reads the five tensors of this unit and folds the normalisation in.
    void load(const weight_source& source) {
        const auto kh = std::size_t(geometry_.kernel_h), kw = std::size_t(geometry_.kernel_w);
        const auto w = source(name_ + ".conv.weight", {out_, in_, kh, kw});
        const auto gamma = source(name_ + ".bn.weight", {out_});
        const auto beta = source(name_ + ".bn.bias", {out_});
        const auto mean = source(name_ + ".bn.running_mean", {out_});
        const auto var = source(name_ + ".bn.running_var", {out_});
        tensor<cpu> weight({out_, in_, kh, kw}), bias({out_, 1, 1, 1});
        const std::size_t per_filter = in_ * kh * kw;
        for (std::size_t o = 0; o < out_; ++o) {
            if (!(var[o] >= 0.0f))
                throw argument_error(name_ + ".bn.running_var holds a negative or NaN variance");
            const double scale = double(gamma[o]) / std::sqrt(double(var[o]) + batch_norm_eps);
            for (std::size_t i = 0; i < per_filter; ++i)
                weight.data()[o * per_filter + i] = static_cast<float>(double(w[o * per_filter + i]) * scale);
            bias.data()[o] = static_cast<float>(double(beta[o]) - double(mean[o]) * scale);
        }
        set_weights(weight, bias);
    }

    /// Several units on the same input, with the same kernel and geometry,
    /// as one: their filters stacked in order. One GEMM instead of several.
    static conv_unit stacked(const std::vector<const conv_unit*>& units) {
        if (units.empty()) throw argument_error("conv_unit::stacked: no units");
        const conv_unit& first = *units.front();
        conv_unit s("stacked", first.in_, 0, first.geometry_.kernel_h, first.geometry_.kernel_w,
                    first.geometry_.stride_h, first.geometry_.pad_h, first.geometry_.pad_w);
        for (const auto* u : units) {
            if (!u->loaded()) throw argument_error("conv_unit::stacked: " + u->name_ + " has no weights");
            if (u->in_ != s.in_ || u->geometry_.kernel_h != s.geometry_.kernel_h ||
                u->geometry_.kernel_w != s.geometry_.kernel_w || u->geometry_.stride_h != s.geometry_.stride_h ||
                u->geometry_.pad_h != s.geometry_.pad_h || u->geometry_.pad_w != s.geometry_.pad_w)
                throw argument_error("conv_unit::stacked: " + u->name_ + " differs in input or geometry");
            s.out_ += u->out_;
        }
        // Stacked on the host: filters are contiguous in [C_out][C_in][kh][kw].
        const std::size_t kh = std::size_t(s.geometry_.kernel_h), kw = std::size_t(s.geometry_.kernel_w);
        tensor<cpu> weight({s.out_, s.in_, kh, kw}), bias({s.out_, 1, 1, 1});
        std::size_t at = 0, bias_at = 0;
        for (const auto* u : units) {
            const tensor<cpu> w = host_copy(u->weight_), b = host_copy(u->bias_);
            std::copy(w.begin(), w.end(), weight.data() + at);
            std::copy(b.begin(), b.end(), bias.data() + bias_at);
            at += w.size();
            bias_at += b.size();
        }
        s.set_weights(weight, bias);
        return s;
    }

    /// y = relu(conv(x) + b'); y is resized.
    void forward(const tensor<Backend>& x, tensor<Backend>& y, typename workspace_for<Backend>::type& ws) const {
        require_backend<Backend>();
        if (!loaded()) throw argument_error("Inception unit " + name_ + " has no weights loaded");
        ops::conv_bias_relu_forward(Backend{}, x, weight_, bias_, y, geometry_, ws);
    }

private:
    /// Takes the folded weights and biases, computed on the host.
    void set_weights(const tensor<cpu>& weight, const tensor<cpu>& bias) {
        copy_tensor(weight, weight_);
        copy_tensor(bias, bias_);
    }

    static tensor<cpu> host_copy(const tensor<Backend>& t) {
        tensor<cpu> host;
        copy_tensor(t, host);
        return host;
    }

    std::string name_;
    std::size_t in_ = 0, out_ = 0;
    conv2d_geometry geometry_{};
    tensor<Backend> weight_, bias_;  // bias_: [C_out, 1, 1, 1]
};

}  // namespace isinggan::inception
