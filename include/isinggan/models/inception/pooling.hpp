#pragma once
// The 3x3 poolings of Inception-v3 and the channel copies that build its
// concatenations, for inference on NCHW tensors of either backend (the cuda
// versions only where nvcc compiles with the CUDA backend).
//
// pytorch-fid's average pools use count_include_pad=False: a window at the
// border is averaged over the pixels inside the image only. Max pools treat
// padding as −∞.
#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstring>
#include <limits>
#include <string>

#include "isinggan/backend/compiled.hpp"
#include "isinggan/backend/cpu/threading.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/core/tensor.hpp"
#ifdef ISINGGAN_CUDA_OPS
#include "isinggan/backend/cuda/inception.cuh"
#endif

namespace isinggan::inception {

enum class pool_kind { max, average_excluding_padding };

/// 3x3 pooling with the given stride and padding; y is resized.
template <class Backend>
void pool3x3(const tensor<Backend>& x, tensor<Backend>& y, pool_kind kind, int stride, int pad) {
    require_backend<Backend>();
    const int h = int(x.h()), w = int(x.w());
    if (h + 2 * pad < 3 || w + 2 * pad < 3) throw shape_error("pool3x3: input " + x.shape().str() + " is too small");
    const int ho = (h + 2 * pad - 3) / stride + 1, wo = (w + 2 * pad - 3) / stride + 1;
    y.resize({x.n(), x.c(), std::size_t(ho), std::size_t(wo)});
    if constexpr (!std::same_as<Backend, cpu>) {
#ifdef ISINGGAN_CUDA_OPS
        cuda_detail::pool3x3(x.data(), y.data(), x.n() * x.c(), h, w, ho, wo, stride, pad, kind == pool_kind::max);
#endif
    } else {
        const std::ptrdiff_t planes = std::ptrdiff_t(x.n() * x.c());
        cpu_detail::parallel_for(planes, std::size_t(9 * ho * wo), [&](std::ptrdiff_t p) {
            const float* in = x.data() + p * h * w;
            float* out = y.data() + p * ho * wo;
            for (int oy = 0; oy < ho; ++oy) {
                const int y0 = std::max(oy * stride - pad, 0), y1 = std::min(oy * stride - pad + 3, h);
                for (int ox = 0; ox < wo; ++ox) {
                    const int x0 = std::max(ox * stride - pad, 0), x1 = std::min(ox * stride - pad + 3, w);
                    if (kind == pool_kind::max) {
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
}

/// Copies channels [from, from + count) of src into channels starting at
/// `to` of dst; the batch and spatial sizes must agree.
template <class Backend>
void copy_channels(const tensor<Backend>& src, std::size_t from, std::size_t count, tensor<Backend>& dst,
                   std::size_t to) {
    require_backend<Backend>();
    if (src.n() != dst.n() || src.h() != dst.h() || src.w() != dst.w() || from + count > src.c() ||
        to + count > dst.c())
        throw shape_error("copy_channels: cannot copy " + std::to_string(count) + " channels of " + src.shape().str() +
                          " into " + dst.shape().str());
    const std::size_t plane = src.h() * src.w();
    if constexpr (!std::same_as<Backend, cpu>) {
#ifdef ISINGGAN_CUDA_OPS
        // One row of count planes per sample, strided by the samples' sizes.
        cuda_detail::copy_rows(dst.data() + to * plane, dst.c() * plane, src.data() + from * plane, src.c() * plane,
                               count * plane, src.n());
#endif
    } else {
        for (std::size_t n = 0; n < src.n(); ++n)
            std::memcpy(dst.plane(n, to), src.plane(n, from), sizeof(float) * count * plane);
    }
}

/// dst = channels [from, from + count) of src (dst is resized).
template <class Backend>
void slice_channels(const tensor<Backend>& src, std::size_t from, std::size_t count, tensor<Backend>& dst) {
    dst.resize({src.n(), count, src.h(), src.w()});
    copy_channels(src, from, count, dst, 0);
}

}  // namespace isinggan::inception
