#pragma once
// The ops of Inception-v3 inference (models/inception) on the CPU; the
// `cuda` overloads are in backend/cuda/inception.cuh and do the same
// arithmetic in the same order, so poolings give the same bits on both.
//
//   conv_bias_relu_forward   y = relu(conv(x) + bias): a folded BasicConv2d
//   inception_pool3x3        3x3 max pool (padding as −∞) or average pool
//                            excluding padding (pytorch-fid's
//                            count_include_pad=False)
//   copy_channels            channels [from, from + count) of src into dst
//                            from channel `to`: the branch concatenations
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <utility>

#include "isinggan/backend/cpu/conv2d.hpp"
#include "isinggan/backend/cpu/threading.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan {

enum class inception_pool_kind { max, average_excluding_padding };

}  // namespace isinggan

namespace isinggan::inception_detail {

/// Sizes y for a 3x3 pool of x (the checks both backends share); returns {ho, wo}.
template <class Tensor>
std::pair<int, int> size_pool3x3(const Tensor& x, Tensor& y, int stride, int pad) {
    const int h = int(x.h()), w = int(x.w());
    if (stride < 1 || pad < 0) throw argument_error("pool3x3: stride must be positive and padding not negative");
    if (h + 2 * pad < 3 || w + 2 * pad < 3) throw shape_error("pool3x3: input " + x.shape().str() + " is too small");
    const int ho = (h + 2 * pad - 3) / stride + 1, wo = (w + 2 * pad - 3) / stride + 1;
    y.resize({x.n(), x.c(), std::size_t(ho), std::size_t(wo)});
    return {ho, wo};
}

template <class Tensor>
void check_copy_channels(const Tensor& src, std::size_t from, std::size_t count, const Tensor& dst, std::size_t to) {
    if (src.n() != dst.n() || src.h() != dst.h() || src.w() != dst.w() || from + count > src.c() ||
        to + count > dst.c())
        throw shape_error("copy_channels: cannot copy " + std::to_string(count) + " channels of " + src.shape().str() +
                          " into " + dst.shape().str());
}

}  // namespace isinggan::inception_detail

namespace isinggan::ops {

/// y = relu(conv2d(x, w) + bias); bias has one value per output channel; y is resized.
inline void conv_bias_relu_forward(cpu, const tensor<cpu>& x, const tensor<cpu>& w, const tensor<cpu>& bias,
                                   tensor<cpu>& y, const conv2d_geometry& geometry, cpu_workspace& ws) {
    conv2d_forward(cpu{}, x, w, bias.values(), y, geometry, ws);
    float* v = y.data();
    cpu_detail::parallel_for(std::ptrdiff_t(y.size() / 4096 + 1), 4096, [&](std::ptrdiff_t block) {
        const std::size_t begin = std::size_t(block) * 4096, end = std::min(y.size(), begin + 4096);
        for (std::size_t i = begin; i < end; ++i) v[i] = v[i] > 0.0f ? v[i] : 0.0f;  // NaN becomes 0
    });
}

/// 3x3 pooling with the given stride and padding; y is resized.
inline void inception_pool3x3(cpu, const tensor<cpu>& x, tensor<cpu>& y, inception_pool_kind kind, int stride,
                              int pad) {
    const auto [ho, wo] = inception_detail::size_pool3x3(x, y, stride, pad);
    const int h = int(x.h()), w = int(x.w());
    const std::ptrdiff_t planes = std::ptrdiff_t(x.n() * x.c());
    cpu_detail::parallel_for(planes, std::size_t(9 * ho * wo), [&](std::ptrdiff_t p) {
        const float* in = x.data() + p * h * w;
        float* out = y.data() + p * ho * wo;
        for (int oy = 0; oy < ho; ++oy) {
            const int y0 = std::max(oy * stride - pad, 0), y1 = std::min(oy * stride - pad + 3, h);
            for (int ox = 0; ox < wo; ++ox) {
                const int x0 = std::max(ox * stride - pad, 0), x1 = std::min(ox * stride - pad + 3, w);
                if (kind == inception_pool_kind::max) {
                    float m = -std::numeric_limits<float>::infinity();
                    for (int iy = y0; iy < y1; ++iy)
                        for (int ix = x0; ix < x1; ++ix) m = std::max(m, in[iy * w + ix]);
                    out[oy * wo + ox] = m;
                } else {
                    float s = 0.0f;
                    for (int iy = y0; iy < y1; ++iy)
                        for (int ix = x0; ix < x1; ++ix) s += in[iy * w + ix];
                    out[oy * wo + ox] = s / float((y1 - y0) * (x1 - x0));
                }
            }
        }
    });
}

/// Copies channels [from, from + count) of src into the channels of dst
/// starting at `to`; the batch and spatial sizes must agree.
inline void copy_channels(cpu, const tensor<cpu>& src, std::size_t from, std::size_t count, tensor<cpu>& dst,
                          std::size_t to) {
    inception_detail::check_copy_channels(src, from, count, dst, to);
    const std::size_t plane = src.h() * src.w();
    for (std::size_t n = 0; n < src.n(); ++n)
        std::memcpy(dst.plane(n, to), src.plane(n, from), sizeof(float) * count * plane);
}

}  // namespace isinggan::ops
