#pragma once
// The minibatch standard deviation of a batch of features (Karras et al.,
// "Progressive growing of GANs", 2018, section 3), on the CPU; the `cuda`
// overloads are in backend/cuda/minibatch_stddev.cuh.
//
//     σ_j = sqrt(Var_n x[n, j] + ε)     for every feature j = (c, h, w), the
//                                       biased variance over the batch
//     s   = mean_j σ_j
//     y   = [x, s]: x with one more channel, every element of which is s.
//
// A discriminator that sees s can tell a batch of look-alike samples from a
// varied real batch, which a per-sample discriminator cannot: generated
// batches that cover one mode of a mixed real set pay for it.
//
// Backward: with G = Σ_{n,h,w} dy[n, C, h, w] (the gradient reaching s),
//     dx[n, j] = dy[n, j] + G · (x[n, j] − μ_j) / (M · N · σ_j),   M = C·H·W.
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "isinggan/core/backend.hpp"
#include "isinggan/core/collective.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan::minibatch_stddev_detail {

/// The shape checks both backends share; sizes y (one more channel) and sigma ({1, C, H, W}).
template <class Tensor>
void size_forward(const Tensor& x, Tensor& y, Tensor& sigma, double eps) {
    require_nonempty(x.shape(), "minibatch_stddev input");
    if (!(eps > 0.0) || !std::isfinite(eps)) throw argument_error("minibatch_stddev: eps must be positive and finite");
    if (&y == &x || &sigma == &x || &sigma == &y) throw argument_error("minibatch_stddev: outputs must not alias");
    y.resize({x.n(), x.c() + 1, x.h(), x.w()});
    sigma.resize({1, x.c(), x.h(), x.w()});
}

template <class Tensor>
void size_backward(const Tensor& x, const Tensor& sigma, const Tensor& dy, Tensor& dx) {
    if (dy.n() != x.n() || dy.c() != x.c() + 1 || dy.h() != x.h() || dy.w() != x.w())
        throw shape_error("minibatch_stddev: output gradient of shape " + dy.shape().str() +
                          " does not match the input " + x.shape().str() + " with one more channel");
    if (sigma.c() != x.c() || sigma.h() != x.h() || sigma.w() != x.w())
        throw shape_error("minibatch_stddev: backward needs the sigma of the forward pass");
    if (&dx == &dy || &dx == &x) throw argument_error("minibatch_stddev: the input gradient must not alias");
    dx.resize(x.shape());
}

}  // namespace isinggan::minibatch_stddev_detail

namespace isinggan::minibatch_stddev_detail {

/// Per-feature sums over this rank's samples, Σ_n x[n, j], in double, into
/// sums[0, m); sums[m] = the sample count. With `sync`, all-reduced over the
/// ranks, so that both hold the global batch's values.
template <class T>
void feature_sums(const tensor<cpu, T>& x, collective* sync, std::vector<double>& sums) {
    const std::size_t n = x.n(), m = x.shape().sample_size();
    sums.assign(m + 1, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        const T* xi = x.sample(i);
        for (std::size_t j = 0; j < m; ++j) sums[j] += double(xi[j]);
    }
    sums[m] = double(n);
    if (sync) sync->all_reduce_sum(std::span<double>(sums));
}

}  // namespace isinggan::minibatch_stddev_detail

namespace isinggan::ops {

/// y = [x, s] (see the top of this file); sigma receives σ_j for the backward
/// pass. With `sync` (data-parallel training with synchronised statistics),
/// μ_j and σ_j are those of the global batch, the per-feature sums
/// all-reduced over the ranks, so R ranks compute what one process does;
/// every rank must then call it, in the same order.
template <class T>
void minibatch_stddev_forward(cpu, const tensor<cpu, T>& x, tensor<cpu, T>& y, tensor<cpu, T>& sigma,
                              double eps = 1e-8, collective* sync = nullptr) {
    minibatch_stddev_detail::size_forward(x, y, sigma, eps);
    const std::size_t n = x.n(), m = x.shape().sample_size(), plane = x.h() * x.w();
    thread_local std::vector<double> sums, squares;  // reused: no allocation per step once warm
    minibatch_stddev_detail::feature_sums(x, sync, sums);
    const double count = sums[m];
    for (std::size_t j = 0; j < m; ++j) sums[j] /= count;  // the means μ_j
    squares.assign(m, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        const T* xi = x.sample(i);
        for (std::size_t j = 0; j < m; ++j) {
            const double d = double(xi[j]) - sums[j];
            squares[j] += d * d;
        }
    }
    if (sync) sync->all_reduce_sum(std::span<double>(squares));
    double total = 0.0;
    for (std::size_t j = 0; j < m; ++j) {
        const double s = std::sqrt(squares[j] / count + eps);
        sigma.data()[j] = static_cast<T>(s);
        total += s;
    }
    const T s = static_cast<T>(total / double(m));
    for (std::size_t i = 0; i < n; ++i) {
        const T* xi = x.sample(i);
        T* yi = y.sample(i);
        std::copy(xi, xi + m, yi);
        std::fill(yi + m, yi + m + plane, s);
    }
}

/// dx from dy = ∂L/∂y, the forward input x and its sigma. With `sync` (as the
/// forward had it), G, μ_j and N are the global batch's: each rank's dy is its
/// part of the gradient of the global loss, so G is summed over the ranks.
template <class T>
void minibatch_stddev_backward(cpu, const tensor<cpu, T>& x, const tensor<cpu, T>& sigma, const tensor<cpu, T>& dy,
                               tensor<cpu, T>& dx, collective* sync = nullptr) {
    minibatch_stddev_detail::size_backward(x, sigma, dy, dx);
    const std::size_t n = x.n(), m = x.shape().sample_size(), plane = x.h() * x.w();
    thread_local std::vector<double> sums;  // Σ_n x[n, j] (m), the count, then G
    sums.assign(m + 2, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        const T* xi = x.sample(i);
        for (std::size_t j = 0; j < m; ++j) sums[j] += double(xi[j]);
        const T* d = dy.sample(i) + m;
        for (std::size_t p = 0; p < plane; ++p) sums[m + 1] += double(d[p]);  // the gradient reaching s
    }
    sums[m] = double(n);
    if (sync) sync->all_reduce_sum(std::span<double>(sums));
    const double count = sums[m], g = sums[m + 1];
    const double k = g / (double(m) * count);
    for (std::size_t j = 0; j < m; ++j) {
        const double mean = sums[j] / count;
        const double kj = k / double(sigma.data()[j]);
        for (std::size_t i = 0; i < n; ++i)
            dx.sample(i)[j] = static_cast<T>(double(dy.sample(i)[j]) + kj * (double(x.sample(i)[j]) - mean));
    }
}

}  // namespace isinggan::ops
