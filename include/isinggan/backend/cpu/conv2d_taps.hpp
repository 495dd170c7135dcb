#pragma once
// Stride-1 convolution on small feature maps, one kernel tap at a time.
//
// im2col multiplies every kernel tap with every output position, also where
// the tap falls on the zero padding. With the discriminator's 5x5 kernels
// (padding 2) on 4x4 maps that is more than half of all multiply-adds. Here
// each tap (i, j) is its own GEMM over only the output positions where it
// lands inside the input, which form a rectangle:
//
//     y[:, :, rect] += W[:, :, i, j] · x[:, :, rect shifted by (i − pad_h, j − pad_w)]
//
// so padding costs nothing. The price is a gather and a scatter per tap, cheap
// next to the GEMMs on the small maps where this pays: conv2d.hpp takes this
// path for stride-1 problems where at most 3/4 of the im2col products touch
// the input (tap_work_fraction).
#include <algorithm>
#include <cstring>

#include "isinggan/backend/cpu/batch_chunks.hpp"
#include "isinggan/backend/cpu/conv_geometry.hpp"
#include "isinggan/backend/cpu/gemm.hpp"
#include "isinggan/backend/cpu/threading.hpp"
#include "isinggan/backend/cpu/workspace.hpp"

namespace isinggan::cpu_detail {

/// The output positions [y0, y1) x [x0, x1) where one tap reads inside the input.
struct tap_rect {
    int y0, y1, x0, x1;
    int rows() const { return y1 - y0; }
    int cols() const { return x1 - x0; }
    long size() const { return long(rows()) * cols(); }
};

/// For stride 1, output row oy reads input row oy + i − pad_h, valid when inside [0, h).
inline tap_rect tap_output_rect(int ho, int wo, int h, int w, const conv2d_geometry& g, int i, int j) {
    tap_rect r{std::max(0, g.pad_h - i), std::min(ho, h + g.pad_h - i), std::max(0, g.pad_w - j),
               std::min(wo, w + g.pad_w - j)};
    r.y1 = std::max(r.y1, r.y0);
    r.x1 = std::max(r.x1, r.x0);
    return r;
}

/// Copies rect r (shifted by (dy, dx) into a [h, w] plane) of samples
/// [b0, b0 + nb) as [channels][nb][rect].
inline void gather_rect(const float* nchw, int channels, int h, int w, int b0, int nb, const tap_rect& r, int dy,
                        int dx, float* out) {
    const long size = r.size();
    const int cols = r.cols();
    for (long t = 0; t < long(channels) * nb; ++t) {
        const long c = t / nb, b = t % nb;
        const float* plane = nchw + ((b0 + b) * channels + c) * long(h) * w;
        float* dst = out + t * size;
        for (int y = r.y0; y < r.y1; ++y) {  // rows of a few floats: a loop, not memcpy calls
            const float* s = plane + long(y + dy) * w + r.x0 + dx;
            float* d = dst + long(y - r.y0) * cols;
            for (int x = 0; x < cols; ++x) d[x] = s[x];
        }
    }
}

/// Adds [channels][nb][rect] back into rect r (shifted by (dy, dx)) of samples [b0, b0 + nb).
inline void add_rect(const float* in, int channels, int h, int w, int b0, int nb, const tap_rect& r, int dy, int dx,
                     float* nchw) {
    const long size = r.size();
    const int cols = r.cols();
    for (long t = 0; t < long(channels) * nb; ++t) {
        const long c = t / nb, b = t % nb;
        float* plane = nchw + ((b0 + b) * channels + c) * long(h) * w;
        const float* src = in + t * size;
        for (int y = r.y0; y < r.y1; ++y) {
            float* d = plane + long(y + dy) * w + r.x0 + dx;
            const float* s = src + long(y - r.y0) * cols;
            for (int x = 0; x < cols; ++x) d[x] += s[x];
        }
    }
}

/// Share of im2col's products that touch the input rather than the padding.
/// Returns 1 for strided problems, which the tap path does not handle.
template <class Problem>
double tap_work_fraction(const Problem& p) {
    if (p.g.stride_h != 1 || p.g.stride_w != 1) return 1.0;
    long inside = 0;
    for (int i = 0; i < p.g.kernel_h; ++i)
        for (int j = 0; j < p.g.kernel_w; ++j) inside += tap_output_rect(p.ho, p.wo, p.h, p.w, p.g, i, j).size();
    return double(inside) / (double(p.g.kernel_h) * p.g.kernel_w * p.out_plane());
}

/// The tap path wins when padding would be at least a quarter of the work.
template <class Problem>
bool use_taps(const Problem& p) {
    return tap_work_fraction(p) <= 0.75;
}

/// How a batch is cut for the tap path: as make_plan in conv2d.hpp, but a
/// chunk holds a whole thread's share of the batch (the per-tap GEMMs need
/// the columns: a tap's rectangle is a few positions per sample).
template <class Problem>
batch_chunks make_tap_plan(const Problem& p) {
    const double flops = 2.0 * p.n * p.out_plane() * p.k() * p.c_out * tap_work_fraction(p);
    const int threads = p.n < 2 ? 1 : threads_for(flops);
    const long per_sample = long(std::max(p.c_in, p.c_out)) * std::max(p.out_plane(), p.in_plane());
    const int fit = int(std::max<long>(1, (16L << 20) / std::max<long>(1, per_sample)));
    const int chunk = std::min({fit, p.n, threads > 1 ? (p.n + threads - 1) / threads : p.n});
    const int chunks = (p.n + chunk - 1) / chunk;
    return {chunk, chunks, std::min(threads, chunks)};
}

/// Calls body(i, j, rect) for every kernel tap (i, j) that lands inside the input somewhere.
template <class Problem, class Body>
void for_each_tap(const Problem& p, Body&& body) {
    for (int i = 0; i < p.g.kernel_h; ++i)
        for (int j = 0; j < p.g.kernel_w; ++j) {
            const tap_rect r = tap_output_rect(p.ho, p.wo, p.h, p.w, p.g, i, j);
            if (r.size() > 0) body(i, j, r);
        }
}

/// W [c_out][c_in][taps] -> [taps][c_out][c_in], so each tap's matrix is contiguous.
template <class Problem>
const float* pack_taps(const Problem& p, const float* wmat, cpu_workspace& ws) {
    const int taps = p.g.kernel_h * p.g.kernel_w;
    const long plane = long(p.c_out) * p.c_in;
    float* packed = ws.get(cpu_workspace::packed, std::size_t(taps * plane), 0);
    // In blocks of 64 weights: the block's reads stay in cache, the writes are runs of 64.
    constexpr long block = 64;
    parallel_for((plane + block - 1) / block, block * taps, [&](long blk) {
        const long lo = blk * block, hi = std::min(plane, lo + block);
        for (int t = 0; t < taps; ++t)
            for (long o = lo; o < hi; ++o) packed[t * plane + o] = wmat[o * taps + t];
    });
    return packed;
}

/// y = conv(x, W), overwriting y.
template <class Problem>
void conv_forward_taps(const Problem& p, const float* x, const float* wmat, float* y, cpu_workspace& ws) {
    const float* packed = pack_taps(p, wmat, ws);
    for_each_chunk(p.n, make_tap_plan(p), ws, [&](int b0, int nb, int thread) {
        std::memset(y + long(b0) * p.c_out * p.out_plane(), 0, sizeof(float) * nb * p.c_out * p.out_plane());
        for_each_tap(p, [&](int i, int j, const tap_rect& r) {
            const long cols = nb * r.size();
            float* xt = ws.get(cpu_workspace::columns, std::size_t(p.c_in) * cols, thread);
            float* yt = ws.get(cpu_workspace::gathered, std::size_t(p.c_out) * cols, thread);
            gather_rect(x, p.c_in, p.h, p.w, b0, nb, r, i - p.g.pad_h, j - p.g.pad_w, xt);
            const float* wt = packed + long(i * p.g.kernel_w + j) * p.c_out * p.c_in;
            ops::gemm(cpu{}, transpose::no, transpose::no, p.c_out, int(cols), p.c_in, 1.0f, wt, p.c_in, xt,
                      int(cols), 0.0f, yt, int(cols));
            add_rect(yt, p.c_out, p.ho, p.wo, b0, nb, r, 0, 0, y);
        });
    });
}

/// dx = conv^T(dy, W), overwriting dx.
template <class Problem>
void conv_backward_data_taps(const Problem& p, const float* dy, const float* wmat, float* dx, cpu_workspace& ws) {
    const float* packed = pack_taps(p, wmat, ws);
    for_each_chunk(p.n, make_tap_plan(p), ws, [&](int b0, int nb, int thread) {
        std::memset(dx + long(b0) * p.c_in * p.in_plane(), 0, sizeof(float) * nb * p.c_in * p.in_plane());
        for_each_tap(p, [&](int i, int j, const tap_rect& r) {
            const long cols = nb * r.size();
            float* dyt = ws.get(cpu_workspace::gathered, std::size_t(p.c_out) * cols, thread);
            float* dxt = ws.get(cpu_workspace::columns, std::size_t(p.c_in) * cols, thread);
            gather_rect(dy, p.c_out, p.ho, p.wo, b0, nb, r, 0, 0, dyt);
            const float* wt = packed + long(i * p.g.kernel_w + j) * p.c_out * p.c_in;
            ops::gemm(cpu{}, transpose::yes, transpose::no, p.c_in, int(cols), p.c_out, 1.0f, wt, p.c_in, dyt,
                      int(cols), 0.0f, dxt, int(cols));
            add_rect(dxt, p.c_in, p.h, p.w, b0, nb, r, i - p.g.pad_h, j - p.g.pad_w, dx);
        });
    });
}

/// dW = beta * dW + the batch's sum of dy ⊗ x per tap. Each chunk sums into
/// its own [taps][c_out][c_in] buffer; the buffers are added up at the end.
template <class Problem>
void conv_backward_weights_taps(const Problem& p, const float* x, const float* dy, float* dwmat, float beta,
                                cpu_workspace& ws) {
    const int taps = p.g.kernel_h * p.g.kernel_w;
    const long plane = long(p.c_out) * p.c_in, wsize = taps * plane;
    const batch_chunks plan = make_tap_plan(p);
    ws.reserve_threads(plan.threads);
    for (int t = 0; t < plan.threads; ++t) std::memset(ws.get(cpu_workspace::partial, wsize, t), 0, sizeof(float) * wsize);
    for_each_chunk(p.n, plan, ws, [&](int b0, int nb, int thread) {
        float* sum = ws.get(cpu_workspace::partial, wsize, thread);
        for_each_tap(p, [&](int i, int j, const tap_rect& r) {
            const long cols = nb * r.size();
            float* xt = ws.get(cpu_workspace::columns, std::size_t(p.c_in) * cols, thread);
            float* dyt = ws.get(cpu_workspace::gathered, std::size_t(p.c_out) * cols, thread);
            gather_rect(x, p.c_in, p.h, p.w, b0, nb, r, i - p.g.pad_h, j - p.g.pad_w, xt);
            gather_rect(dy, p.c_out, p.ho, p.wo, b0, nb, r, 0, 0, dyt);
            ops::gemm(cpu{}, transpose::no, transpose::yes, p.c_out, p.c_in, int(cols), 1.0f, dyt, int(cols), xt,
                      int(cols), 1.0f, sum + long(i * p.g.kernel_w + j) * plane, p.c_in);
        });
    });
    // Sum the chunks' buffers and unpack [taps][c_out][c_in] -> [c_out][c_in][taps],
    // in blocks of 64 weights so that both sides stay in cache.
    constexpr long block = 64;
    parallel_for((plane + block - 1) / block, block * taps * plan.threads, [&](long blk) {
        const long lo = blk * block, hi = std::min(plane, lo + block);
        float* total = ws.get(cpu_workspace::partial, wsize, 0);  // sized above: no allocation
        for (int k = 1; k < plan.threads; ++k) {
            const float* part = ws.get(cpu_workspace::partial, wsize, k);
            for (int t = 0; t < taps; ++t)
                for (long o = lo; o < hi; ++o) total[t * plane + o] += part[t * plane + o];
        }
        for (long o = lo; o < hi; ++o)
            for (int t = 0; t < taps; ++t) {
                float& d = dwmat[o * taps + t];
                d = beta == 0.0f ? total[t * plane + o] : beta * d + total[t * plane + o];
            }
    });
}

}  // namespace isinggan::cpu_detail
