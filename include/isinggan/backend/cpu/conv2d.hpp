#pragma once
// 2-d convolution on the CPU: forward, backward-data, backward-weights and
// backward-bias, as im2col + GEMM.
//
// Samples are processed in chunks. A chunk's column matrices sit side by side
// ([C*kh*kw] x [chunk * Ho*Wo]) so that small feature maps (the generator's
// 4x4 and 8x8 stages) still give the GEMM enough columns to run at full speed;
// large maps use a chunk of one sample and write straight into the output.
// Weights are [C_out][C_in][kh][kw], PyTorch's layout, read as a
// C_out x (C_in*kh*kw) matrix. Stride-1 problems on maps so small that much
// of im2col's work would multiply padding go tap by tap instead (conv2d_taps.hpp).
// On AVX-512 builds, problems whose channels come in whole vectors of 16 go
// through the direct kernels of conv2d_direct.hpp before either.
#include <algorithm>
#include <cstring>
#include <span>
#include <string>

#include "isinggan/backend/cpu/batch_chunks.hpp"
#include "isinggan/backend/cpu/conv2d_direct.hpp"
#include "isinggan/backend/cpu/conv2d_taps.hpp"
#include "isinggan/backend/cpu/conv_geometry.hpp"
#include "isinggan/backend/cpu/gemm.hpp"
#include "isinggan/backend/cpu/im2col.hpp"
#include "isinggan/backend/cpu/threading.hpp"
#include "isinggan/backend/cpu/workspace.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan {
namespace cpu_detail {

/// One convolution problem: x[n][c_in][h][w] -> y[n][c_out][ho][wo].
struct conv_problem {
    int n, c_in, h, w, c_out, ho, wo;
    conv2d_geometry g;

    long in_plane() const { return long(h) * w; }
    long out_plane() const { return long(ho) * wo; }
    long k() const { return long(c_in) * g.kernel_h * g.kernel_w; }  // GEMM inner dimension
    plane_dims dims() const { return {h, w, ho, wo}; }

    /// Samples per chunk: enough to give the GEMM ~512 columns (measured best on
    /// the paper's shapes: wider chunks only grow the column matrix past the
    /// caches), and with the column matrix under 16 M floats (64 MiB).
    int chunk() const {
        const long want = std::max<long>(1, (512 + out_plane() - 1) / out_plane());
        const long fit = std::max<long>(1, (16L << 20) / std::max<long>(1, k() * out_plane()));
        return static_cast<int>(std::min<long>({want, fit, long(n)}));
    }
};

/// Column matrix of samples [b0, b0 + nb) of x, row stride nb * Ho*Wo.
inline void im2col_chunk(const conv_problem& p, const float* x, int b0, int nb, float* col) {
    const long ld = nb * p.out_plane();
    const long kk = long(p.g.kernel_h) * p.g.kernel_w;
    parallel_for(long(nb) * p.c_in, kk * p.out_plane(), [&](long t) {
        const long b = t / p.c_in, c = t % p.c_in;
        im2col_plane(x + ((b0 + b) * p.c_in + c) * p.in_plane(), p.dims(), p.g, col + c * kk * ld + b * p.out_plane(),
                     ld);
    });
}

/// Adds a chunk's column matrix back into samples [b0, b0 + nb) of x.
inline void col2im_chunk(const conv_problem& p, const float* col, int b0, int nb, float* x) {
    const long ld = nb * p.out_plane();
    const long kk = long(p.g.kernel_h) * p.g.kernel_w;
    parallel_for(long(nb) * p.c_in, kk * p.out_plane(), [&](long t) {
        const long b = t / p.c_in, c = t % p.c_in;
        col2im_plane(col + c * kk * ld + b * p.out_plane(), p.dims(), p.g, x + ((b0 + b) * p.c_in + c) * p.in_plane(),
                     ld);
    });
}

/// Large maps: one sample's column matrix would be far bigger than the caches
/// (576 x 65,536 floats, 151 MB, for a 64-channel 3x3 layer at 256 px), written
/// by im2col and read back by the GEMM from memory. Such samples go in blocks
/// of output rows whose column matrix stays under ~1 M floats.
inline constexpr long row_block_threshold = 4L << 20;  // floats of one sample's column matrix
inline int rows_per_block(const conv_problem& p) {
    if (p.k() * p.out_plane() <= row_block_threshold) return p.ho;
    return static_cast<int>(std::clamp<long>((1L << 20) / (p.k() * p.wo), 1, p.ho));
}

/// Column matrix of output rows [oy0, oy1) of sample b, row stride (oy1 - oy0) * Wo.
inline void im2col_rows(const conv_problem& p, const float* x, int b, int oy0, int oy1, float* col) {
    const long ld = long(oy1 - oy0) * p.wo;
    const long kk = long(p.g.kernel_h) * p.g.kernel_w;
    parallel_for(p.c_in, kk * ld, [&](long c) {
        im2col_plane(x + (long(b) * p.c_in + c) * p.in_plane(), p.dims(), p.g, col + c * kk * ld, ld, oy0, oy1);
    });
}

/// Adds the column matrix of output rows [oy0, oy1) back into sample b of x.
inline void col2im_rows(const conv_problem& p, const float* col, int b, int oy0, int oy1, float* x) {
    const long ld = long(oy1 - oy0) * p.wo;
    const long kk = long(p.g.kernel_h) * p.g.kernel_w;
    parallel_for(p.c_in, kk * ld, [&](long c) {
        col2im_plane(col + c * kk * ld, p.dims(), p.g, x + (long(b) * p.c_in + c) * p.in_plane(), ld, oy0, oy1);
    });
}

/// [nb][channels][plane] (NCHW samples) <-> [channels][nb * plane] (side by side).
inline void gather_chunk(const float* nchw, int channels, long plane, int b0, int nb, float* folded) {
    parallel_for(long(nb) * channels, plane, [&](long t) {
        const long b = t / channels, c = t % channels;
        std::memcpy(folded + c * nb * plane + b * plane, nchw + ((b0 + b) * channels + c) * plane,
                    sizeof(float) * plane);
    });
}
inline void scatter_chunk(const float* folded, int channels, long plane, int b0, int nb, float* nchw) {
    parallel_for(long(nb) * channels, plane, [&](long t) {
        const long b = t / channels, c = t % channels;
        std::memcpy(nchw + ((b0 + b) * channels + c) * plane, folded + c * nb * plane + b * plane,
                    sizeof(float) * plane);
    });
}

/// How a batch is cut into chunks and whether the chunks run in parallel.
/// With at least as many samples as threads, each thread takes whole chunks
/// and runs im2col and a single-threaded GEMM on them: no synchronisation
/// inside a chunk, and every core busy. With fewer samples the chunks run one
/// after another and each GEMM is split across the cores instead.
inline batch_chunks make_plan(const conv_problem& p) {
    const int threads = threads_for(2.0 * p.n * p.out_plane() * p.k() * p.c_out);
    int chunk = p.chunk();
    if (threads > 1 && p.n >= threads) {
        chunk = std::min(chunk, (p.n + threads - 1) / threads);
        const int chunks = (p.n + chunk - 1) / chunk;
        return {chunk, chunks, std::min(threads, chunks)};
    }
    return {chunk, (p.n + chunk - 1) / chunk, 1};
}

/// y = W * im2col(x), overwriting y.
inline void conv_forward(const conv_problem& p, const float* x, const float* wmat, float* y, cpu_workspace& ws) {
    if (use_direct(p)) return conv_forward_direct(p, x, wmat, y, ws);
    if (use_taps(p)) return conv_forward_taps(p, x, wmat, y, ws);
    const auto plan = make_plan(p);
    const int rows = rows_per_block(p);
    for_each_chunk(p.n, plan, ws, [&](int b0, int nb, int thread) {
        if (nb == 1 && rows < p.ho) {
            float* col = ws.get(cpu_workspace::columns, p.k() * rows * p.wo, thread);
            for (int oy0 = 0; oy0 < p.ho; oy0 += rows) {
                const int oy1 = std::min(p.ho, oy0 + rows);
                const int cols = (oy1 - oy0) * p.wo;
                im2col_rows(p, x, b0, oy0, oy1, col);
                ops::gemm(cpu{}, transpose::no, transpose::no, p.c_out, cols, int(p.k()), 1.0f, wmat, int(p.k()), col,
                          cols, 0.0f, y + long(b0) * p.c_out * p.out_plane() + long(oy0) * p.wo, int(p.out_plane()));
            }
            return;
        }
        const long cols = nb * p.out_plane();
        float* col = ws.get(cpu_workspace::columns, p.k() * cols, thread);
        im2col_chunk(p, x, b0, nb, col);
        float* out = y + long(b0) * p.c_out * p.out_plane();
        if (nb > 1) out = ws.get(cpu_workspace::gathered, long(p.c_out) * cols, thread);
        ops::gemm(cpu{}, transpose::no, transpose::no, p.c_out, int(cols), int(p.k()), 1.0f, wmat, int(p.k()), col,
                  int(cols), 0.0f, out, int(cols));
        if (nb > 1) scatter_chunk(out, p.c_out, p.out_plane(), b0, nb, y);
    });
}

/// dx = col2im(W^T * dy), overwriting dx.
inline void conv_backward_data(const conv_problem& p, const float* dy, const float* wmat, float* dx,
                               cpu_workspace& ws) {
    if (use_direct_data(p)) return conv_backward_data_direct(p, dy, wmat, dx, ws);
    if (use_taps(p)) return conv_backward_data_taps(p, dy, wmat, dx, ws);
    const auto plan = make_plan(p);
    const int rows = rows_per_block(p);
    for_each_chunk(p.n, plan, ws, [&](int b0, int nb, int thread) {
        if (nb == 1 && rows < p.ho) {
            float* col = ws.get(cpu_workspace::columns, p.k() * rows * p.wo, thread);
            std::memset(dx + long(b0) * p.c_in * p.in_plane(), 0, sizeof(float) * p.c_in * p.in_plane());
            for (int oy0 = 0; oy0 < p.ho; oy0 += rows) {
                const int oy1 = std::min(p.ho, oy0 + rows);
                const int cols = (oy1 - oy0) * p.wo;
                ops::gemm(cpu{}, transpose::yes, transpose::no, int(p.k()), cols, p.c_out, 1.0f, wmat, int(p.k()),
                          dy + long(b0) * p.c_out * p.out_plane() + long(oy0) * p.wo, int(p.out_plane()), 0.0f, col,
                          cols);
                col2im_rows(p, col, b0, oy0, oy1, dx);
            }
            return;
        }
        const long cols = nb * p.out_plane();
        float* col = ws.get(cpu_workspace::columns, p.k() * cols, thread);
        const float* rhs = dy + long(b0) * p.c_out * p.out_plane();
        if (nb > 1) {
            float* folded = ws.get(cpu_workspace::gathered, long(p.c_out) * cols, thread);
            gather_chunk(dy, p.c_out, p.out_plane(), b0, nb, folded);
            rhs = folded;
        }
        ops::gemm(cpu{}, transpose::yes, transpose::no, int(p.k()), int(cols), p.c_out, 1.0f, wmat, int(p.k()), rhs,
                  int(cols), 0.0f, col, int(cols));
        std::memset(dx + long(b0) * p.c_in * p.in_plane(), 0, sizeof(float) * nb * p.c_in * p.in_plane());
        col2im_chunk(p, col, b0, nb, dx);
    });
}

/// dW = beta * dW + dy * im2col(x)^T, summed over the batch. Parallel chunks
/// accumulate into per-thread partial sums, added up at the end.
inline void conv_backward_weights(const conv_problem& p, const float* x, const float* dy, float* dwmat, float beta,
                                  cpu_workspace& ws) {
    if (use_direct(p)) return conv_backward_weights_direct(p, x, dy, dwmat, beta, ws);
    if (use_taps(p)) return conv_backward_weights_taps(p, x, dy, dwmat, beta, ws);
    const auto plan = make_plan(p);
    const long wsize = long(p.c_out) * p.k();
    if (plan.threads > 1) {
        ws.reserve_threads(plan.threads);
        for (int t = 0; t < plan.threads; ++t) std::memset(ws.get(cpu_workspace::partial, wsize, t), 0, sizeof(float) * wsize);
    }
    const int rows = rows_per_block(p);
    for_each_chunk(p.n, plan, ws, [&](int b0, int nb, int thread) {
        float* target = plan.threads > 1 ? ws.get(cpu_workspace::partial, wsize, thread) : dwmat;
        if (nb == 1 && rows < p.ho) {
            float* col = ws.get(cpu_workspace::columns, p.k() * rows * p.wo, thread);
            for (int oy0 = 0; oy0 < p.ho; oy0 += rows) {
                const int oy1 = std::min(p.ho, oy0 + rows);
                const int cols = (oy1 - oy0) * p.wo;
                im2col_rows(p, x, b0, oy0, oy1, col);
                const float b = plan.threads > 1 || b0 > 0 || oy0 > 0 ? 1.0f : beta;
                ops::gemm(cpu{}, transpose::no, transpose::yes, p.c_out, int(p.k()), cols, 1.0f,
                          dy + long(b0) * p.c_out * p.out_plane() + long(oy0) * p.wo, int(p.out_plane()), col, cols, b,
                          target, int(p.k()));
            }
            return;
        }
        const long cols = nb * p.out_plane();
        float* col = ws.get(cpu_workspace::columns, p.k() * cols, thread);
        im2col_chunk(p, x, b0, nb, col);
        const float* lhs = dy + long(b0) * p.c_out * p.out_plane();
        if (nb > 1) {
            float* folded = ws.get(cpu_workspace::gathered, long(p.c_out) * cols, thread);
            gather_chunk(dy, p.c_out, p.out_plane(), b0, nb, folded);
            lhs = folded;
        }
        const float b = plan.threads > 1 || b0 > 0 ? 1.0f : beta;
        ops::gemm(cpu{}, transpose::no, transpose::yes, p.c_out, int(p.k()), int(cols), 1.0f, lhs, int(cols), col,
                  int(cols), b, target, int(p.k()));
    });
    if (plan.threads > 1) {
        parallel_for((wsize + 4095) / 4096, 4096 * plan.threads, [&](long blk) {
            const long lo = blk * 4096, hi = std::min(wsize, lo + 4096);
            for (long i = lo; i < hi; ++i) dwmat[i] = beta == 0.0f ? 0.0f : beta * dwmat[i];
            for (int t = 0; t < plan.threads; ++t) {
                const float* part = ws.get(cpu_workspace::partial, wsize, t);  // sized above: no allocation
                for (long i = lo; i < hi; ++i) dwmat[i] += part[i];
            }
        });
    }
}

/// y[n][c][:] += bias[c].
inline void add_channel_bias(float* y, int n, int channels, long plane, const float* bias) {
    parallel_for(long(n) * channels, plane, [&](long t) {
        const float b = bias[t % channels];
        float* p = y + t * plane;
        for (long i = 0; i < plane; ++i) p[i] += b;
    });
}

/// db[c] = beta * db[c] + sum over n, y, x of dy[n][c][y][x] (double accumulation).
inline void channel_sum(const float* dy, int n, int channels, long plane, float* db, float beta) {
    parallel_for(channels, long(n) * plane, [&](long c) {
        double s = 0.0;
        for (int b = 0; b < n; ++b) {
            const float* p = dy + (long(b) * channels + c) * plane;
            for (long i = 0; i < plane; ++i) s += p[i];
        }
        db[c] = beta == 0.0f ? static_cast<float>(s) : static_cast<float>(beta * db[c] + s);
    });
}

inline std::string conv_what(const char* op, const shape4& x, const shape4& w) {
    return std::string(op) + ": input " + x.str() + ", weight " + w.str();
}

inline int to_int(std::size_t v, const char* op) {
    if (v > static_cast<std::size_t>(1) << 30) throw shape_error(std::string(op) + ": dimension too large");
    return static_cast<int>(v);
}

/// Checks a convolution's input and weight shapes and returns its problem.
inline conv_problem make_conv_problem(const shape4& x, const shape4& w, const conv2d_geometry& g, const char* op) {
    g.validate(op);
    require_nonempty(x, op);
    require_nonempty(w, op);
    if (w.c != x.c)
        throw shape_error(conv_what(op, x, w) + ": the weight expects " + std::to_string(w.c) +
                          " input channels but the input has " + std::to_string(x.c));
    if (int(w.h) != g.kernel_h || int(w.w) != g.kernel_w)
        throw shape_error(conv_what(op, x, w) + ": the weight's kernel is " + std::to_string(w.h) + "x" +
                          std::to_string(w.w) + " but the geometry says " + std::to_string(g.kernel_h) + "x" +
                          std::to_string(g.kernel_w));
    conv_problem p{to_int(x.n, op), to_int(x.c, op), to_int(x.h, op), to_int(x.w, op), to_int(w.n, op), 0, 0, g};
    p.ho = g.conv_out_h(p.h);
    p.wo = g.conv_out_w(p.w);
    return p;
}

inline void check_bias(std::span<const float> bias, int channels, const char* op) {
    if (!bias.empty() && bias.size() != static_cast<std::size_t>(channels))
        throw shape_error(std::string(op) + ": bias has " + std::to_string(bias.size()) + " values for " +
                          std::to_string(channels) + " output channels");
}

}  // namespace cpu_detail

namespace ops {

/// y = conv2d(x, w) + bias. x: [N, C_in, H, W]; w: [C_out, C_in, kh, kw];
/// bias: C_out values or empty. y is resized to [N, C_out, Ho, Wo].
inline void conv2d_forward(cpu, const tensor<cpu>& x, const tensor<cpu>& w, std::span<const float> bias,
                           tensor<cpu>& y, const conv2d_geometry& g, cpu_workspace& ws) {
    const auto p = cpu_detail::make_conv_problem(x.shape(), w.shape(), g, "conv2d_forward");
    cpu_detail::check_bias(bias, p.c_out, "conv2d_forward");
    y.resize({x.n(), w.n(), std::size_t(p.ho), std::size_t(p.wo)});
    cpu_detail::conv_forward(p, x.data(), w.data(), y.data(), ws);
    if (!bias.empty()) cpu_detail::add_channel_bias(y.data(), p.n, p.c_out, p.out_plane(), bias.data());
}

/// dx = dL/dx given dy = dL/dy. dx is resized to `input_shape`, the shape of
/// the forward input (needed because strided convolutions floor the size).
inline void conv2d_backward_data(cpu, const tensor<cpu>& dy, const tensor<cpu>& w, const shape4& input_shape,
                                 tensor<cpu>& dx, const conv2d_geometry& g, cpu_workspace& ws) {
    const auto p = cpu_detail::make_conv_problem(input_shape, w.shape(), g, "conv2d_backward_data");
    require_shape(dy.shape(), {input_shape.n, w.n(), std::size_t(p.ho), std::size_t(p.wo)},
                  "conv2d_backward_data: output gradient");
    dx.resize(input_shape);
    cpu_detail::conv_backward_data(p, dy.data(), w.data(), dx.data(), ws);
}

/// dw (+)= dL/dw, summed over the batch. dw must have w's shape; with
/// accumulate = false its old contents are overwritten.
inline void conv2d_backward_weights(cpu, const tensor<cpu>& x, const tensor<cpu>& dy, tensor<cpu>& dw,
                                    const conv2d_geometry& g, cpu_workspace& ws, bool accumulate = true) {
    const auto p = cpu_detail::make_conv_problem(x.shape(), dw.shape(), g, "conv2d_backward_weights");
    require_shape(dy.shape(), {x.n(), dw.n(), std::size_t(p.ho), std::size_t(p.wo)},
                  "conv2d_backward_weights: output gradient");
    cpu_detail::conv_backward_weights(p, x.data(), dy.data(), dw.data(), accumulate ? 1.0f : 0.0f, ws);
}

/// db (+)= dL/dbias: the sum of dy over batch and space, one value per channel.
inline void conv2d_backward_bias(cpu, const tensor<cpu>& dy, std::span<float> db, bool accumulate = true) {
    require_nonempty(dy.shape(), "conv2d_backward_bias");
    if (db.size() != dy.c())
        throw shape_error("conv2d_backward_bias: bias gradient has " + std::to_string(db.size()) + " values for " +
                          std::to_string(dy.c()) + " channels of " + dy.shape().str());
    cpu_detail::channel_sum(dy.data(), int(dy.n()), int(dy.c()), long(dy.h() * dy.w()), db.data(),
                            accumulate ? 1.0f : 0.0f);
}

}  // namespace ops
}  // namespace isinggan
