#pragma once
// im2col / col2im: the rearrangement that turns a convolution into a GEMM.
//
// For one sample x[C][H][W] and an output of Ho x Wo positions, the column
// matrix has C*kh*kw rows; row (c, i, j) holds, for every output position
// (oy, ox), the input value x[c][oy*sh - ph + i][ox*sw - pw + j] (0 outside).
// `ld` is the row stride of the column matrix, so several samples can sit
// side by side in one matrix (sample b at column offset b * Ho*Wo).
#include <algorithm>
#include <cstring>
#include <utility>

#include "isinggan/backend/cpu/conv_geometry.hpp"

namespace isinggan::cpu_detail {

struct plane_dims {
    int h, w;    // input plane
    int ho, wo;  // output plane
};

/// floor(a / b) for b > 0.
constexpr int floor_div(int a, int b) noexcept { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/// Along one axis: the outputs [first, last) of [0, out) whose tap `tap` reads
/// input o*stride - pad + tap inside [0, in).
inline std::pair<int, int> tap_outputs(int tap, int stride, int pad, int in, int out) noexcept {
    const int first = std::clamp(-floor_div(tap - pad, stride), 0, out);
    const int last = std::clamp(floor_div(in - 1 + pad - tap, stride) + 1, first, out);
    return {first, last};
}

/// The output columns [first, last) whose input column ox*sw - pw + j lies in [0, w).
inline std::pair<int, int> valid_columns(const plane_dims& d, const conv2d_geometry& g, int j) noexcept {
    return tap_outputs(j, g.stride_w, g.pad_w, d.w, d.wo);
}

/// Writes the kh*kw rows of channel plane `x` starting at `col`, for the
/// output rows [oy0, oy1) (all of them by default).
inline void im2col_plane(const float* x, const plane_dims& d, const conv2d_geometry& g, float* col, long ld,
                         int oy0 = 0, int oy1 = -1) {
    if (oy1 < 0) oy1 = d.ho;
    for (int i = 0; i < g.kernel_h; ++i) {
        for (int j = 0; j < g.kernel_w; ++j, col += ld) {
            // Output columns whose input column ox*sw - pw + j falls inside [0, w).
            const auto [first, last] = valid_columns(d, g, j);
            for (int oy = oy0; oy < oy1; ++oy) {
                float* out = col + static_cast<long>(oy - oy0) * d.wo;
                const int iy = oy * g.stride_h - g.pad_h + i;
                if (iy < 0 || iy >= d.h || first >= last) {
                    std::memset(out, 0, sizeof(float) * d.wo);
                    continue;
                }
                const float* in = x + static_cast<long>(iy) * d.w - g.pad_w + j;
                std::fill(out, out + first, 0.0f);
                if (g.stride_w == 1) std::memcpy(out + first, in + first, sizeof(float) * (last - first));
                else
                    for (int ox = first; ox < last; ++ox) out[ox] = in[static_cast<long>(ox) * g.stride_w];
                std::fill(out + last, out + d.wo, 0.0f);
            }
        }
    }
}

/// Adds the kh*kw rows starting at `col` back into channel plane `x` (the
/// adjoint of im2col_plane), for the output rows [oy0, oy1) (all by default).
/// The caller zeroes `x` first when it wants a fresh result.
inline void col2im_plane(const float* col, const plane_dims& d, const conv2d_geometry& g, float* x, long ld,
                         int oy0 = 0, int oy1 = -1) {
    if (oy1 < 0) oy1 = d.ho;
    for (int i = 0; i < g.kernel_h; ++i) {
        for (int j = 0; j < g.kernel_w; ++j, col += ld) {
            const auto [first, last] = valid_columns(d, g, j);
            if (first >= last) continue;
            for (int oy = oy0; oy < oy1; ++oy) {
                const int iy = oy * g.stride_h - g.pad_h + i;
                if (iy < 0 || iy >= d.h) continue;
                const float* in = col + static_cast<long>(oy - oy0) * d.wo;
                float* out = x + static_cast<long>(iy) * d.w - g.pad_w + j;
                if (g.stride_w == 1)
                    for (int ox = first; ox < last; ++ox) out[ox] += in[ox];
                else
                    for (int ox = first; ox < last; ++ox) out[static_cast<long>(ox) * g.stride_w] += in[ox];
            }
        }
    }
}

}  // namespace isinggan::cpu_detail
