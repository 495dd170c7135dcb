#pragma once
// Naive convolution loops in double precision: the reference the GEMM
// kernels are checked against. Written straight from the definitions, with
// no shared code with the kernels under test.
#include <vector>

#include "isinggan/backend/cpu/conv_geometry.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan::testing {

/// y[n][o][oy][ox] = b[o] + sum_{c,i,j} x[n][c][oy*sh-ph+i][ox*sw-pw+j] w[o][c][i][j]
inline std::vector<double> reference_conv2d(const tensor<cpu>& x, const tensor<cpu>& w, const std::vector<float>& b,
                                            const conv2d_geometry& g, int& ho, int& wo) {
    const int n = int(x.n()), c = int(x.c()), h = int(x.h()), wd = int(x.w()), o = int(w.n());
    ho = (h + 2 * g.pad_h - g.kernel_h) / g.stride_h + 1;
    wo = (wd + 2 * g.pad_w - g.kernel_w) / g.stride_w + 1;
    std::vector<double> y(std::size_t(n) * o * ho * wo, 0.0);
    for (int b0 = 0; b0 < n; ++b0)
        for (int oc = 0; oc < o; ++oc)
            for (int oy = 0; oy < ho; ++oy)
                for (int ox = 0; ox < wo; ++ox) {
                    double s = b.empty() ? 0.0 : b[oc];
                    for (int ic = 0; ic < c; ++ic)
                        for (int i = 0; i < g.kernel_h; ++i)
                            for (int j = 0; j < g.kernel_w; ++j) {
                                const int iy = oy * g.stride_h - g.pad_h + i, ix = ox * g.stride_w - g.pad_w + j;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                s += double(x(b0, ic, iy, ix)) * w(oc, ic, i, j);
                            }
                    y[((std::size_t(b0) * o + oc) * ho + oy) * wo + ox] = s;
                }
    return y;
}

/// The gradients of conv2d given dy: dx (input-shaped, zero where no window
/// reads) and dw (weight-shaped), each entry a sum over the windows.
inline void reference_conv2d_gradients(const tensor<cpu>& x, const tensor<cpu>& w, const tensor<cpu>& dy,
                                       const conv2d_geometry& g, std::vector<double>& dx, std::vector<double>& dw) {
    const int n = int(x.n()), c = int(x.c()), h = int(x.h()), wd = int(x.w()), o = int(w.n());
    const int ho = int(dy.h()), wo = int(dy.w());
    dx.assign(x.size(), 0.0);
    dw.assign(w.size(), 0.0);
    for (int b0 = 0; b0 < n; ++b0)
        for (int oc = 0; oc < o; ++oc)
            for (int oy = 0; oy < ho; ++oy)
                for (int ox = 0; ox < wo; ++ox) {
                    const double d = dy(b0, oc, oy, ox);
                    for (int ic = 0; ic < c; ++ic)
                        for (int i = 0; i < g.kernel_h; ++i)
                            for (int j = 0; j < g.kernel_w; ++j) {
                                const int iy = oy * g.stride_h - g.pad_h + i, ix = ox * g.stride_w - g.pad_w + j;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                dx[((std::size_t(b0) * c + ic) * h + iy) * wd + ix] += d * w(oc, ic, i, j);
                                dw[((std::size_t(oc) * c + ic) * g.kernel_h + i) * g.kernel_w + j] += d * x(b0, ic, iy, ix);
                            }
                }
}

/// Transposed convolution by scattering: every input pixel adds w times itself
/// into the output window it maps to. w is [C_in][C_out][kh][kw].
inline std::vector<double> reference_conv_transpose2d(const tensor<cpu>& x, const tensor<cpu>& w,
                                                      const std::vector<float>& b, const conv2d_geometry& g, int& ho,
                                                      int& wo) {
    const int n = int(x.n()), c = int(x.c()), h = int(x.h()), wd = int(x.w()), o = int(w.c());
    ho = (h - 1) * g.stride_h - 2 * g.pad_h + g.kernel_h + g.output_pad_h;
    wo = (wd - 1) * g.stride_w - 2 * g.pad_w + g.kernel_w + g.output_pad_w;
    std::vector<double> y(std::size_t(n) * o * ho * wo, 0.0);
    for (int b0 = 0; b0 < n; ++b0) {
        for (int oc = 0; oc < o; ++oc)
            for (int p = 0; p < ho * wo; ++p) y[(std::size_t(b0) * o + oc) * ho * wo + p] = b.empty() ? 0.0 : b[oc];
        for (int ic = 0; ic < c; ++ic)
            for (int iy = 0; iy < h; ++iy)
                for (int ix = 0; ix < wd; ++ix)
                    for (int oc = 0; oc < o; ++oc)
                        for (int i = 0; i < g.kernel_h; ++i)
                            for (int j = 0; j < g.kernel_w; ++j) {
                                const int oy = iy * g.stride_h - g.pad_h + i, ox = ix * g.stride_w - g.pad_w + j;
                                if (oy < 0 || oy >= ho || ox < 0 || ox >= wo) continue;
                                y[((std::size_t(b0) * o + oc) * ho + oy) * wo + ox] +=
                                    double(x(b0, ic, iy, ix)) * w(ic, oc, i, j);
                            }
    }
    return y;
}

}  // namespace isinggan::testing
