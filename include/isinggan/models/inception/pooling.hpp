#pragma once
// The 3x3 poolings of Inception-v3 and the channel copies that build its
// concatenations, for inference on NCHW tensors.
//
// pytorch-fid's average pools use count_include_pad=False: a window at the
// border is averaged over the pixels inside the image only. Max pools treat
// padding as −∞.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <limits>
#include <string>

#include "isinggan/backend/cpu/threading.hpp"
#include "isinggan/core/error.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan::inception {

enum class pool_kind { max, average_excluding_padding };

/// 3x3 pooling with the given stride and padding; y is resized.
inline void pool3x3(const tensor<cpu>& x, tensor<cpu>& y, pool_kind kind, int stride, int pad) {
    const int h = int(x.h()), w = int(x.w());
    if (h + 2 * pad < 3 || w + 2 * pad < 3) throw shape_error("pool3x3: input " + x.shape().str() + " is too small");
    const int ho = (h + 2 * pad - 3) / stride + 1, wo = (w + 2 * pad - 3) / stride + 1;
    y.resize({x.n(), x.c(), std::size_t(ho), std::size_t(wo)});
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

/// Copies channels [from, from + count) of src into channels starting at
/// `to` of dst; the batch and spatial sizes must agree.
inline void copy_channels(const tensor<cpu>& src, std::size_t from, std::size_t count, tensor<cpu>& dst,
                          std::size_t to) {
    if (src.n() != dst.n() || src.h() != dst.h() || src.w() != dst.w() || from + count > src.c() ||
        to + count > dst.c())
        throw shape_error("copy_channels: cannot copy " + std::to_string(count) + " channels of " + src.shape().str() +
                          " into " + dst.shape().str());
    const std::size_t plane = src.h() * src.w();
    for (std::size_t n = 0; n < src.n(); ++n)
        std::memcpy(dst.plane(n, to), src.plane(n, from), sizeof(float) * count * plane);
}

/// dst = channels [from, from + count) of src (dst is resized).
inline void slice_channels(const tensor<cpu>& src, std::size_t from, std::size_t count, tensor<cpu>& dst) {
    dst.resize({src.n(), count, src.h(), src.w()});
    copy_channels(src, from, count, dst, 0);
}

}  // namespace isinggan::inception
