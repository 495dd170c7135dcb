#pragma once
// Convolution without a column matrix: forward, data gradient and weight
// gradient, written once over the vector operations of simd.hpp (AVX-512,
// AVX2 + FMA, NEON; SSE2 and scalar builds compile them but use im2col).
//
// im2col copies every input value kh·kw times into a column matrix that the
// GEMM then packs again: for the discriminator's 5x5 stride-2 layers that is
// about a quarter of the forward time. Here the input of a chunk of samples is
// copied once, zero-padded and channels-last, x̂[b][row][col][c], and a small
// register-blocked kernel computes R output positions × L·V output channels
// at a time straight from it (L = simd::lanes):
//
//     y[b][o][oy][ox] = Σ_{i,j,c} W[o][c][i][j] · x̂[b][oy·sh + i][ox·sw + j][c]
//
// one weight vector (L output channels) times one broadcast input value per
// multiply-add, the R × V accumulators held in registers over the whole sum.
// The tile (R, V) is chosen per instruction set from its register count
// (direct_tile_rows, direct_max_vectors). Channels-last makes the sum over c a
// walk through consecutive floats; a tile's R positions may lie in different
// rows and samples, so small maps waste nothing, and a tile runs only the taps
// that reach the input for one of its positions. Input channels go in blocks
// whose weights stay in L2, large maps in blocks of positions. The data
// gradient is the adjoint (sums over output channels added into a padded
// channels-last dx̂), the weight gradient tiles (tap, input channel) pairs
// against output channels.
//
// conv2d.hpp takes these kernels whenever the output channels (for the data
// gradient: the input channels) are a multiple of 16, for conv2d and for
// conv_transpose2d, whose passes are the same products. The rule depends on
// the shape alone, never on the batch, and the kernels never mix samples in
// a sum: a sample's output and input gradient are the same to the bit in any
// batch and with any thread count (docs/determinism.md).
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "isinggan/backend/cpu/batch_chunks.hpp"
#include "isinggan/backend/cpu/im2col.hpp"
#include "isinggan/backend/cpu/simd.hpp"
#include "isinggan/backend/cpu/threading.hpp"
#include "isinggan/backend/cpu/workspace.hpp"

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

namespace isinggan::cpu_detail {

// Full unrolling keeps a tile's accumulators in registers. (nvcc's front end,
// which reads this header in .cu files, does not know the pragma.)
#define ISINGGAN_PRAGMA(x) _Pragma(#x)
#if defined(__CUDACC__)
#define ISINGGAN_UNROLL(n)
#else
#define ISINGGAN_UNROLL(n) ISINGGAN_PRAGMA(GCC unroll n)
#endif

/// Whether this build routes convolutions through the direct kernels.
inline constexpr bool direct_conv_built = simd::direct_kernels;

/// Whether the forward product of `p` goes through the direct kernel.
template <class Problem>
bool use_direct(const Problem& p) {
    return direct_conv_built && p.c_out % 16 == 0;
}

/// The padded channels-last copy of a chunk: rows and columns the kernel reads.
template <class Problem>
struct direct_layout {
    long rows, cols;  // (ho − 1)·sh + kh, (wo − 1)·sw + kw
    explicit direct_layout(const Problem& p)
        : rows(long(p.ho - 1) * p.g.stride_h + p.g.kernel_h), cols(long(p.wo - 1) * p.g.stride_w + p.g.kernel_w) {}
    long sample() const { return rows * cols; }  // positions of one padded sample (times c_in floats)
};

/// The taps [first, last) of a kernel axis that land inside the input for
/// output coordinate o (the others read padding: zeros that need no work).
struct tap_range {
    int first, last;
    static tap_range at(int o, int stride, int pad, int kernel, int in) {
        const int origin = o * stride - pad;
        return {std::clamp(-origin, 0, kernel), std::clamp(in - origin, 0, kernel)};
    }
    void widen(const tap_range& o) {
        first = std::min(first, o.first);
        last = std::max(last, o.last);
    }
};

/// Share of (position, tap) pairs that read the input rather than padding.
template <class Problem>
double direct_inside_share(const Problem& p) {
    auto axis = [](int out, int stride, int pad, int kernel, int in) {
        long inside = 0;
        for (int o = 0; o < out; ++o) {
            const auto r = tap_range::at(o, stride, pad, kernel, in);
            inside += std::max(0, r.last - r.first);
        }
        return double(inside) / (double(out) * kernel);
    };
    return axis(p.ho, p.g.stride_h, p.g.pad_h, p.g.kernel_h, p.h) * axis(p.wo, p.g.stride_w, p.g.pad_w, p.g.kernel_w, p.w);
}

/// The order in which a chunk's output positions are cut into tiles. Maps
/// where padding is a large share of the work (the discriminator's 4 × 4)
/// take the samples innermost: a tile then holds one position of R samples,
/// whose taps all skip the same padding. Elsewhere positions run sample by
/// sample, row by row.
struct position_order {
    long plane, nb;
    int wo;
    bool samples_inner;
    /// Tile-order index q → sample, output row and column.
    void at(long q, long& b, long& oy, long& ox) const {
        const long pos = samples_inner ? q / nb : q % plane;
        b = samples_inner ? q % nb : q / plane;
        oy = pos / wo;
        ox = pos % wo;
    }
    /// Row of position (b, pos) in a [tile order][channels] buffer.
    long index(long b, long pos) const { return samples_inner ? pos * nb + b : b * plane + pos; }
};

template <class Problem>
bool direct_samples_inner(const Problem& p) {
    return direct_inside_share(p) < 0.85;
}

/// The positions [first, first + count) of a tile in tile order (rows past
/// `count` repeat the last): where each one's tap (0, 0), channel 0, lies in the
/// chunk's padded channels-last buffer, its tap row 0's padded row, and the
/// taps that reach the input for any of them.
template <int R>
struct tile_positions {
    long offset[R];
    long row[R];
    tap_range rows, cols;

    template <class Problem>
    tile_positions(const Problem& p, const direct_layout<Problem>& l, const position_order& order, long first,
                   int count)
        : rows{p.g.kernel_h, 0}, cols{p.g.kernel_w, 0} {
        for (int r = 0; r < R; ++r) {
            long b, oy, ox;
            order.at(first + std::min(r, count - 1), b, oy, ox);
            row[r] = oy * p.g.stride_h;
            offset[r] = ((b * l.rows + row[r]) * l.cols + ox * p.g.stride_w) * p.c_in;
            rows.widen(tap_range::at(int(oy), p.g.stride_h, p.g.pad_h, p.g.kernel_h, p.h));
            cols.widen(tap_range::at(int(ox), p.g.stride_w, p.g.pad_w, p.g.kernel_w, p.w));
        }
    }
};

#if defined(__AVX512F__)
inline constexpr long transpose_block = 16;

/// dst[c·ds + r] = src[r·ss + c] for 16 × 16 floats, in registers.
inline void transpose_block_registers(const float* src, long ss, float* dst, long ds) {
    // The zero-masked forms with a full mask: the same instructions, without
    // the unmasked intrinsics' undefined pass-through that GCC 12 warns about.
    constexpr __mmask16 all_lanes = 0xFFFF;
    simd::vec r[16], t[16];
    for (int i = 0; i < 16; ++i) r[i] = simd::load(src + i * ss);
    // Within each 128-bit lane: pairs of rows interleaved, then 4 × 4 blocks transposed.
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_maskz_unpacklo_ps(all_lanes, r[i], r[i + 1]);
        t[i + 1] = _mm512_maskz_unpackhi_ps(all_lanes, r[i], r[i + 1]);
    }
    for (int g = 0; g < 16; g += 4) {
        r[g] = _mm512_shuffle_ps(t[g], t[g + 2], 0x44);
        r[g + 1] = _mm512_shuffle_ps(t[g], t[g + 2], 0xEE);
        r[g + 2] = _mm512_shuffle_ps(t[g + 1], t[g + 3], 0x44);
        r[g + 3] = _mm512_shuffle_ps(t[g + 1], t[g + 3], 0xEE);
    }
    // r[4g + k], lane L, now holds column 4L + k of rows 4g .. 4g+3: gather the lanes.
    for (int k = 0; k < 4; ++k) {
        const simd::vec u0 = _mm512_maskz_shuffle_f32x4(all_lanes, r[k], r[4 + k], 0x44), u1 = _mm512_maskz_shuffle_f32x4(all_lanes, r[k], r[4 + k], 0xEE);
        const simd::vec v0 = _mm512_maskz_shuffle_f32x4(all_lanes, r[8 + k], r[12 + k], 0x44),
                     v1 = _mm512_maskz_shuffle_f32x4(all_lanes, r[8 + k], r[12 + k], 0xEE);
        simd::store(dst + (0 + k) * ds, _mm512_maskz_shuffle_f32x4(all_lanes, u0, v0, 0x88));
        simd::store(dst + (4 + k) * ds, _mm512_maskz_shuffle_f32x4(all_lanes, u0, v0, 0xDD));
        simd::store(dst + (8 + k) * ds, _mm512_maskz_shuffle_f32x4(all_lanes, u1, v1, 0x88));
        simd::store(dst + (12 + k) * ds, _mm512_maskz_shuffle_f32x4(all_lanes, u1, v1, 0xDD));
    }
}

#elif defined(__AVX2__) && defined(__FMA__)
inline constexpr long transpose_block = 8;

/// dst[c·ds + r] = src[r·ss + c] for 8 × 8 floats, in registers.
inline void transpose_block_registers(const float* src, long ss, float* dst, long ds) {
    __m256 r[8], t[8];
    for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * ss);
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int g = 0; g < 8; g += 4) {
        r[g] = _mm256_shuffle_ps(t[g], t[g + 2], 0x44);
        r[g + 1] = _mm256_shuffle_ps(t[g], t[g + 2], 0xEE);
        r[g + 2] = _mm256_shuffle_ps(t[g + 1], t[g + 3], 0x44);
        r[g + 3] = _mm256_shuffle_ps(t[g + 1], t[g + 3], 0xEE);
    }
    // r[4g + k], 128-bit lane L, holds column 4L + k of rows 4g .. 4g+3.
    for (int k = 0; k < 4; ++k) {
        _mm256_storeu_ps(dst + k * ds, _mm256_permute2f128_ps(r[k], r[4 + k], 0x20));
        _mm256_storeu_ps(dst + (4 + k) * ds, _mm256_permute2f128_ps(r[k], r[4 + k], 0x31));
    }
}
#else
inline constexpr long transpose_block = 8;

/// dst[c·ds + r] = src[r·ss + c] for 8 × 8 floats (the compiler vectorises what it can).
inline void transpose_block_registers(const float* src, long ss, float* dst, long ds) {
    for (int r = 0; r < 8; ++r)
        for (int c = 0; c < 8; ++c) dst[c * ds + r] = src[r * ss + c];
}
#endif

/// dst[c·ds + r] = src[r·ss + c] for r < rows, c < cols: square blocks in
/// registers, the edges one by one.
inline void transpose_matrix(const float* src, long ss, long rows, long cols, float* dst, long ds) {
    constexpr long B = transpose_block;
    const long rb = rows / B * B, cb = cols / B * B;
    for (long r = 0; r < rb; r += B)
        for (long c = 0; c < cb; c += B) transpose_block_registers(src + r * ss + c, ss, dst + c * ds + r, ds);
    for (long r = 0; r < rows; ++r)
        for (long c = r < rb ? cb : 0; c < cols; ++c) dst[c * ds + r] = src[r * ss + c];
}

/// x[b0 .. b0+nb) (NCHW) → x̂[b][row][col][c], zero outside the input.
template <class Problem>
void pack_direct_input(const Problem& p, const direct_layout<Problem>& l, const float* x, int b0, int nb, float* xp) {
    const long cin = p.c_in;
    parallel_for(long(nb) * l.rows, l.cols * cin, [&](long t) {
        const long b = t / l.rows, r = t % l.rows;
        float* row = xp + (b * l.rows + r) * l.cols * cin;
        const long iy = r - p.g.pad_h;
        if (iy < 0 || iy >= p.h) {
            std::memset(row, 0, sizeof(float) * l.cols * cin);
            return;
        }
        // Columns left of and right of the input are padding.
        const long x0 = std::min<long>(p.g.pad_w, l.cols), x1 = std::clamp<long>(p.g.pad_w + p.w, x0, l.cols);
        std::memset(row, 0, sizeof(float) * x0 * cin);
        std::memset(row + x1 * cin, 0, sizeof(float) * (l.cols - x1) * cin);
        const float* src = x + (long(b0 + b) * cin) * p.in_plane() + iy * p.w - p.g.pad_w;
        transpose_matrix(src + x0, p.in_plane(), cin, x1 - x0, row + x0 * cin, cin);
    });
}

/// W[o][c][i][j] → Ŵ[o / LV][c / cblock][i][j][c % cblock][LV]: for a block
/// of L·V output channels and one of `cblock` input channels, the kernel
/// reads its weights in one sweep, L·V floats per (i, j, c).
template <class Problem>
void pack_direct_weights(const Problem& p, int width, int cblock, const float* w, float* wp) {
    const long taps = long(p.g.kernel_h) * p.g.kernel_w, k = long(p.c_in) * taps;
    parallel_for(p.c_out / width, k * width, [&](long blk) {
        float* dst = wp + blk * k * width;
        for (int c0 = 0; c0 < p.c_in; c0 += cblock) {
            const int cn = std::min(cblock, p.c_in - c0);
            // For each c, the block's [o][tap] weights transposed into [tap][o].
            for (int c = c0; c < c0 + cn; ++c)
                transpose_matrix(w + blk * width * k + c * taps, k, width, taps, dst + (c - c0) * width,
                                 long(cn) * width);
            dst += long(cn) * taps * width;
        }
    });
}

/// out[r][0 .. LV) (+)= Σ over input channels [0, cn) and the taps
/// rows × cols, for the R positions whose (0, 0) tap, channel 0, is at pos[r].
template <int V, int R>
inline void direct_tile(const float* const* pos, const float* wp, int cn, int kw, tap_range rows, tap_range cols,
                        long row_stride, long col_stride, float* out, long out_ld, bool accumulate) {
    // Fully unrolled (the pragmas), so the accumulators live in registers.
    simd::vec acc[R][V];
ISINGGAN_UNROLL(16)
    for (int r = 0; r < R; ++r)
ISINGGAN_UNROLL(4)
        for (int v = 0; v < V; ++v)
            acc[r][v] = accumulate ? simd::load(out + r * out_ld + simd::lanes * v) : simd::zero();
    for (int i = rows.first; i < rows.last; ++i)
        for (int j = cols.first; j < cols.last; ++j) {
            const float* wt = wp + (long(i) * kw + j) * cn * simd::lanes * V;
            const long off = i * row_stride + j * col_stride;
            const float* x[R];
ISINGGAN_UNROLL(16)
            for (int r = 0; r < R; ++r) x[r] = pos[r] + off;
            for (int c = 0; c < cn; ++c) {
                simd::vec w[V];
ISINGGAN_UNROLL(4)
                for (int v = 0; v < V; ++v) w[v] = simd::load(wt + (long(c) * V + v) * simd::lanes);
ISINGGAN_UNROLL(16)
                for (int r = 0; r < R; ++r) {
                    const simd::vec xb = simd::broadcast(x[r][c]);
ISINGGAN_UNROLL(4)
                    for (int v = 0; v < V; ++v) acc[r][v] = simd::fma(xb, w[v], acc[r][v]);
                }
            }
        }
ISINGGAN_UNROLL(16)
    for (int r = 0; r < R; ++r)
ISINGGAN_UNROLL(4)
        for (int v = 0; v < V; ++v) simd::store(out + r * out_ld + simd::lanes * v, acc[r][v]);
}

/// Output positions handled together through every block of weights: their
/// slice of x̂ and of the output stay in L2 (a 256 × 256 map does not).
inline constexpr long direct_block_positions = 512;

/// The register tile: R × V accumulators, V weight vectors and a broadcast
/// within the instruction set's registers (32 on AVX-512 and NEON: V = 4, 2,
/// 1 with R = 6, 12, 16; 16 on AVX2: V = 2, 1 with R = 6, 12).
inline constexpr int direct_max_vectors = simd::registers >= 32 ? 4 : 2;
template <int V>
inline constexpr int direct_tile_rows = V == 4 ? 6 : V == 2 ? (simd::registers >= 32 ? 12 : 6)
                                                            : (simd::registers >= 32 ? 16 : 12);
static_assert(direct_tile_rows<direct_max_vectors> * direct_max_vectors + direct_max_vectors < simd::registers,
              "the direct kernels' register tile must fit the instruction set's vector registers");

/// Input channels per block: the block's weights for one channel block of
/// L·V outputs stay within ~512 KiB (half of L2), so they are read from L2 by every tile.
template <class Problem>
int direct_channel_block(const Problem& p, int width) {
    const long per_channel = long(p.g.kernel_h) * p.g.kernel_w * width * long(sizeof(float));
    const long most = std::clamp<long>((512L << 10) / per_channel, 8, p.c_in);
    const long blocks = (p.c_in + most - 1) / most;
    return int((p.c_in + blocks - 1) / blocks);  // equal blocks: no short last one
}

/// y for samples [b0, b0 + nb): the positions of tiles [t0, t1), through the
/// packed input xp and an [positions][c_out] buffer `out`.
template <int V, class Problem>
void direct_tiles(const Problem& p, const direct_layout<Problem>& l, const position_order& order, const float* xp,
                  const float* wp, int nb, long t0, long t1, float* out) {
    constexpr int R = direct_tile_rows<V>;
    const int width = simd::lanes * V;
    const long positions = nb * p.out_plane();
    const long cin = p.c_in, taps = long(p.g.kernel_h) * p.g.kernel_w;
    const int cblock = direct_channel_block(p, width);
    // Blocks of tiles; within one, the weight blocks outermost: a block's
    // weights are read from L2 by every tile.
    const long block_tiles = std::max<long>(1, direct_block_positions / R);
    for (long tb = t0; tb < t1; tb += block_tiles) {
        for (int o = 0; o < p.c_out; o += width) {
            for (int c0 = 0; c0 < p.c_in; c0 += cblock) {
                const int cn = std::min<int>(cblock, p.c_in - c0);
                const float* wblk = wp + (long(o) * cin + long(c0) * width) * taps;
                for (long t = tb; t < std::min(t1, tb + block_tiles); ++t) {
                    // Past the chunk's end, rows repeat the last position (stored, never read).
                    const tile_positions<R> tp(p, l, order, t * R, int(std::min<long>(R, positions - t * R)));
                    const float* pos[R];
                    for (int r = 0; r < R; ++r) pos[r] = xp + tp.offset[r] + c0;
                    direct_tile<V, R>(pos, wblk, cn, p.g.kernel_w, tp.rows, tp.cols, l.cols * cin, cin,
                                      out + t * R * p.c_out + o, p.c_out, c0 > 0);
                }
            }
        }
    }
}

/// [positions in tile order][c_out] → y[b][o][oy][ox] for samples [b0, b0 + nb).
template <class Problem>
void unpack_direct_output(const Problem& p, const position_order& order, const float* out, int b0, int nb, float* y) {
    const long plane = p.out_plane();
    const long ld = order.index(0, 1) * p.c_out;  // from one position to the next, same sample
    parallel_for(nb, plane * p.c_out, [&](long b) {
        transpose_matrix(out + order.index(b, 0) * p.c_out, ld, plane, p.c_out, y + (b0 + b) * p.c_out * plane, plane);
    });
}

/// How a batch is cut: chunks of whole samples with at least `min_positions`
/// output positions, one chunk per thread at a time; a batch smaller than the
/// threads runs its chunks one after another and splits the work inside them.
struct direct_plan {
    batch_chunks chunks;
    int inner_threads;  // > 1: split inside each chunk
};

/// With the samples innermost, chunks are whole multiples of `samples_per_tile`
/// where the batch allows, so that no tile mixes two positions.
template <class Problem>
direct_plan make_direct_plan(const Problem& p, long min_positions, int samples_per_tile = 1) {
    const long plane = p.out_plane();
    const int threads = threads_for(2.0 * p.n * plane * p.k() * p.c_out);
    // Whole chunks per thread need a batch of at least one tile's samples per thread.
    const bool per_chunk = threads > 1 && p.n >= long(threads) * samples_per_tile;
    const auto round_up = [&](long c) { return (c + samples_per_tile - 1) / samples_per_tile * samples_per_tile; };
    int chunk = int(std::clamp<long>(round_up((min_positions + plane - 1) / plane), 1, p.n));
    if (per_chunk) {
        const long share = (p.n + threads - 1) / threads;
        chunk = int(std::min<long>(chunk, share >= samples_per_tile ? share / samples_per_tile * samples_per_tile : share));
    }
    const int chunks = (p.n + chunk - 1) / chunk;
    return {{chunk, chunks, per_chunk ? std::min(threads, chunks) : 1}, per_chunk ? 1 : threads};
}

template <int V, class Problem>
void conv_forward_direct_v(const Problem& p, const float* x, const float* w, float* y, cpu_workspace& ws) {
    constexpr int R = direct_tile_rows<V>;
    const direct_layout<Problem> l(p);
    float* wp = ws.get(cpu_workspace::packed, long(p.c_out) * p.k());
    pack_direct_weights(p, simd::lanes * V, direct_channel_block(p, simd::lanes * V), w, wp);
    const long plane = p.out_plane();
    const bool samples_inner = direct_samples_inner(p);
    const auto plan = make_direct_plan(p, 24L * R, samples_inner ? R : 1);
    for_each_chunk(p.n, plan.chunks, ws, [&](int b0, int nb, int thread) {
        const position_order order{plane, nb, p.wo, samples_inner};
        float* xp = ws.get(cpu_workspace::columns, nb * l.sample() * p.c_in, thread);
        const long tiles = (nb * plane + R - 1) / R;
        float* out = ws.get(cpu_workspace::gathered, tiles * R * p.c_out, thread);
        pack_direct_input(p, l, x, b0, nb, xp);
        if (plan.inner_threads == 1) {
            direct_tiles<V>(p, l, order, xp, wp, nb, 0, tiles, out);
        } else {
            const long per = (tiles + plan.inner_threads - 1) / plan.inner_threads;
            parallel_for(plan.inner_threads, per * R * long(p.k()) * p.c_out, [&](long part) {
                direct_tiles<V>(p, l, order, xp, wp, nb, part * per, std::min(tiles, (part + 1) * per), out);
            });
        }
        unpack_direct_output(p, order, out, b0, nb, y);
    });
}

/// Calls f(std::integral_constant<int, V>) with the most vectors of
/// simd::lanes channels (up to direct_max_vectors) that tile `channels` exactly.
template <class F>
void with_channel_vectors(int channels, F&& f) {
    constexpr int L = simd::lanes;
    if constexpr (direct_max_vectors >= 4)
        if (channels % (4 * L) == 0) return f(std::integral_constant<int, 4>{});
    if (channels % (2 * L) == 0) return f(std::integral_constant<int, 2>{});
    f(std::integral_constant<int, 1>{});
}

/// y = conv(x, W) for `p`, overwriting y. Requires use_direct(p).
template <class Problem>
void conv_forward_direct(const Problem& p, const float* x, const float* w, float* y, cpu_workspace& ws) {
    with_channel_vectors(p.c_out, [&](auto v) { conv_forward_direct_v<decltype(v)::value>(p, x, w, y, ws); });
}

// --- weight gradient -------------------------------------------------------
//
//     dW[o][c][i][j] = Σ_{b,oy,ox} dy[b][o][oy][ox] · x̂[b][oy·sh + i][ox·sw + j][c]
//
// For one kernel row i, the kw·c_in values (j, c) a position reads are
// consecutive in x̂, so a tile of R of them is R broadcasts at fixed offsets
// from one pointer, against V vectors of L output channels of dy, which is
// copied channels-last for the purpose: dŷ[b][oy][ox][o].

/// dy[b0 .. b0+nb) (NCHW) → dŷ[position][o].
template <class Problem>
void pack_direct_output_grad(const Problem& p, const float* dy, int b0, int nb, float* dyp) {
    const long plane = p.out_plane(), cout = p.c_out;
    parallel_for(nb, plane * cout, [&](long b) {
        transpose_matrix(dy + (b0 + b) * cout * plane, plane, cout, plane, dyp + b * plane * cout, cout);
    });
}

/// acc[r][v] = Σ over the chunk's positions in output rows [row0, row1) of x̂[row i, (j, c) = first + r] · dŷ[o0 + Lv ..],
/// added into sums[i][j][c][o] (dW transposed), rows past `count` dropped.
template <int V, int R, class Problem>
inline void direct_weight_tile(const Problem& p, const direct_layout<Problem>& l, const float* xp, const float* dyp,
                               int nb, int row0, int row1, int i, long first, int count, int o0, float* sums) {
    const long cin = p.c_in, cout = p.c_out;
    simd::vec acc[R][V];
ISINGGAN_UNROLL(16)
    for (int r = 0; r < R; ++r)
ISINGGAN_UNROLL(4)
        for (int v = 0; v < V; ++v) acc[r][v] = simd::zero();
    // Only the output rows where tap row i reads the input, and the columns
    // where some tap column j of the tile does (elsewhere x̂ is zero padding).
    const int j_first = int(first / cin), j_last = int((first + count - 1) / cin);
    const auto rows = tap_outputs(i, p.g.stride_h, p.g.pad_h, p.h, p.ho);
    const int oy0 = std::max(row0, rows.first), oy1 = std::min(row1, rows.second);
    const int ox0 = tap_outputs(j_last, p.g.stride_w, p.g.pad_w, p.w, p.wo).first;
    const int ox1 = tap_outputs(j_first, p.g.stride_w, p.g.pad_w, p.w, p.wo).second;
    for (int b = 0; b < nb; ++b)
        for (int oy = oy0; oy < oy1; ++oy) {
            const float* x =
                xp + ((long(b) * l.rows + long(oy) * p.g.stride_h + i) * l.cols + long(ox0) * p.g.stride_w) * cin + first;
            const float* d = dyp + ((long(b) * p.ho + oy) * p.wo + ox0) * cout + o0;
            for (int ox = ox0; ox < ox1; ++ox, x += p.g.stride_w * cin, d += cout) {
                simd::vec g[V];
ISINGGAN_UNROLL(4)
                for (int v = 0; v < V; ++v) g[v] = simd::load(d + simd::lanes * v);
ISINGGAN_UNROLL(16)
                for (int r = 0; r < R; ++r) {
                    const simd::vec xb = simd::broadcast(x[r]);
ISINGGAN_UNROLL(4)
                    for (int v = 0; v < V; ++v) acc[r][v] = simd::fma(xb, g[v], acc[r][v]);
                }
            }
        }
    float* target = sums + (long(i) * p.g.kernel_w * cin + first) * cout + o0;
ISINGGAN_UNROLL(16)
    for (int r = 0; r < R; ++r) {
        if (r >= count) break;
ISINGGAN_UNROLL(4)
        for (int v = 0; v < V; ++v) {
            float* q = target + r * cout + simd::lanes * v;
            simd::store(q, simd::add(simd::load(q), acc[r][v]));
        }
    }
}

template <int V, class Problem>
void conv_backward_weights_direct_v(const Problem& p, const float* x, const float* dy, float* dw, float beta,
                                    cpu_workspace& ws) {
    constexpr int R = direct_tile_rows<V>;
    const direct_layout<Problem> l(p);
    const long wsize = long(p.c_out) * p.k(), row = long(p.g.kernel_w) * p.c_in;
    const long row_tiles = (row + R - 1) / R, o_blocks = p.c_out / (simd::lanes * V);
    const long passes = p.g.kernel_h * row_tiles * o_blocks;  // (i, tile of (j, c), block of o)
    auto plan = make_direct_plan(p, 1024);
    // Each thread sums its chunks into its own sums[i][j][c][o], added up and
    // turned into dW's layout at the end. Where the weights outweigh the
    // batch's input (512 × 512 × 5 × 5 on 4 × 4 maps), one chunk of the whole
    // batch instead, its passes split across the threads: one set of sums.
    if (plan.chunks.threads > 1 && wsize * plan.chunks.threads > long(p.n) * l.sample() * p.c_in)
        plan = direct_plan{{p.n, 1, 1}, plan.chunks.threads};
    const int slots = plan.chunks.threads;
    ws.reserve_threads(slots);
    for (int t = 0; t < slots; ++t) std::memset(ws.get(cpu_workspace::partial, wsize, t), 0, sizeof(float) * wsize);
    for_each_chunk(p.n, plan.chunks, ws, [&](int b0, int nb, int thread) {
        // x̂ gets R spare floats: a row tile's last reads may run past the chunk's end (never stored).
        float* xp = ws.get(cpu_workspace::columns, nb * l.sample() * p.c_in + R, thread);
        float* dyp = ws.get(cpu_workspace::gathered, nb * p.out_plane() * p.c_out, thread);
        pack_direct_input(p, l, x, b0, nb, xp);
        pack_direct_output_grad(p, dy, b0, nb, dyp);
        float* sums = ws.get(cpu_workspace::partial, wsize, thread);
        // Large maps go in blocks of output rows, each through every pass,
        // so the rows' slice of x̂ and dŷ is read from L2.
        const int block_rows = int(std::clamp<long>(direct_block_positions / (long(nb) * p.wo), 1, p.ho));
        for (int row0 = 0; row0 < p.ho; row0 += block_rows) {
            const int row1 = std::min(p.ho, row0 + block_rows);
            auto run = [&](long q) {
                const int i = int(q / (row_tiles * o_blocks));
                const long t = (q / o_blocks) % row_tiles;
                const int o0 = int(q % o_blocks) * simd::lanes * V;
                direct_weight_tile<V, R>(p, l, xp, dyp, nb, row0, row1, i, t * R, int(std::min<long>(R, row - t * R)),
                                         o0, sums);
            };
            if (plan.inner_threads > 1)  // passes write apart
                parallel_for(passes, long(nb) * (row1 - row0) * p.wo * R * 32 * V, run);
            else
                for (long q = 0; q < passes; ++q) run(q);
        }
    });
    // The threads' sums added into the first; then sums[(i, j, c)][o] →
    // dW[o][c][i][j] by two transposes in cache-sized pieces, 16 output channels at a time.
    float* total = ws.get(cpu_workspace::partial, wsize, 0);
    for (int t = 1; t < slots; ++t) {
        const float* part = ws.get(cpu_workspace::partial, wsize, t);
        parallel_for((wsize + 4095) / 4096, 4096, [&](long blk) {
            for (long q = blk * 4096; q < std::min(wsize, blk * 4096 + 4096); ++q) total[q] += part[q];
        });
    }
    const long k = p.k(), taps = long(p.g.kernel_h) * p.g.kernel_w;
    const int helpers = in_parallel() ? thread_index() + 1 : max_threads();
    ws.reserve_threads(helpers);
    for (int t = 0; t < helpers; ++t) ws.get(cpu_workspace::gathered, 17 * k, t);  // sized before the threads start
    parallel_for(p.c_out / 16, 16 * k, [&](long ob) {
        float* rows = ws.get(cpu_workspace::gathered, 17 * k, thread_index());  // [16][(i, j, c)], then one [(c, i, j)]
        float* row = rows + 16 * k;
        transpose_matrix(total + ob * 16, p.c_out, k, 16, rows, k);
        for (long o = 0; o < 16; ++o) {
            transpose_matrix(rows + o * k, p.c_in, taps, p.c_in, row, taps);
            float* target = dw + (ob * 16 + o) * k;
            for (long q = 0; q < k; ++q) target[q] = beta == 0.0f ? row[q] : beta * target[q] + row[q];
        }
    });
}

/// dW = beta · dW + the weight gradient of `p`, summed over the batch. Requires use_direct(p).
template <class Problem>
void conv_backward_weights_direct(const Problem& p, const float* x, const float* dy, float* dw, float beta,
                                  cpu_workspace& ws) {
    with_channel_vectors(p.c_out,
                         [&](auto v) { conv_backward_weights_direct_v<decltype(v)::value>(p, x, dy, dw, beta, ws); });
}

// --- data gradient -----------------------------------------------------------
//
//     dx̂[b][oy·sh + i][ox·sw + j][c] += Σ_o W[o][c][i][j] · dy[b][o][oy][ox]
//
// the forward's adjoint: for a tile of R output positions and one tap, R × LV
// sums over o (R broadcasts of dy at fixed offsets, V vectors of L input
// channels of W), added into a padded channels-last dx̂, then copied out.

/// W[o][c][i][j] → Ŵ[c / LV][o / oblock][i][j][o % oblock][LV].
template <class Problem>
void pack_direct_data_weights(const Problem& p, int width, int oblock, const float* w, float* wp) {
    const long taps = long(p.g.kernel_h) * p.g.kernel_w, k = long(p.c_in) * taps;
    parallel_for(p.c_in / width, long(p.c_out) * taps * width, [&](long blk) {
        float* dst = wp + blk * long(p.c_out) * taps * width;
        for (int o0 = 0; o0 < p.c_out; o0 += oblock) {
            const int on = std::min(oblock, p.c_out - o0);
            // For each o, the block's [c][tap] weights transposed into [tap][c].
            for (int o = o0; o < o0 + on; ++o)
                transpose_matrix(w + long(o) * k + blk * width * taps, taps, width, taps, dst + long(o - o0) * width,
                                 long(on) * width);
            dst += long(on) * taps * width;
        }
    });
}

/// Output channels per block of the data gradient: a block's weights for L·V
/// input channels stay within ~512 KiB.
template <class Problem>
int direct_output_block(const Problem& p, int width) {
    const long per_channel = long(p.g.kernel_h) * p.g.kernel_w * width * long(sizeof(float));
    const long most = std::clamp<long>((512L << 10) / per_channel, 8, p.c_out);
    const long blocks = (p.c_out + most - 1) / most;
    return int((p.c_out + blocks - 1) / blocks);
}

/// For every tap in rows × cols, R × LV sums over `on` output channels of dy
/// (rows `ld` apart, the tile's positions consecutive from dyq), added into dx̂
/// at dst[r] shifted by the tap, for the first `count` positions and only
/// where the tap lands in dx̂ rows [band0, band1) (position r's tap row 0 is row_of[r]).
template <int V, int R>
inline void direct_data_tile(const float* dyq, long ld, int on, const float* wp, int kw, tap_range rows, tap_range cols,
                             float* const* dst, const long* row_of, long band0, long band1, int count, long row_stride,
                             long col_stride) {
    for (int i = rows.first; i < rows.last; ++i)
        for (int j = cols.first; j < cols.last; ++j) {
            const float* wt = wp + (long(i) * kw + j) * on * simd::lanes * V;
            simd::vec acc[R][V];
ISINGGAN_UNROLL(16)
            for (int r = 0; r < R; ++r)
ISINGGAN_UNROLL(4)
                for (int v = 0; v < V; ++v) acc[r][v] = simd::zero();
            const float* d = dyq;
            for (int o = 0; o < on; ++o, d += ld) {
                simd::vec w[V];
ISINGGAN_UNROLL(4)
                for (int v = 0; v < V; ++v) w[v] = simd::load(wt + (long(o) * V + v) * simd::lanes);
ISINGGAN_UNROLL(16)
                for (int r = 0; r < R; ++r) {
                    const simd::vec db = simd::broadcast(d[r]);
ISINGGAN_UNROLL(4)
                    for (int v = 0; v < V; ++v) acc[r][v] = simd::fma(db, w[v], acc[r][v]);
                }
            }
            const long off = i * row_stride + j * col_stride;
ISINGGAN_UNROLL(16)
            for (int r = 0; r < R; ++r) {
                if (r >= count) break;
                if (row_of[r] + i < band0 || row_of[r] + i >= band1) continue;  // another thread's rows
ISINGGAN_UNROLL(4)
                for (int v = 0; v < V; ++v) {
                    float* q = dst[r] + off + simd::lanes * v;
                    simd::store(q, simd::add(simd::load(q), acc[r][v]));
                }
            }
        }
}

/// dx̂[b][row][col][c] → dx[b0 + b][c][iy][ix]; input rows and columns the
/// forward never read get zero.
template <class Problem>
void unpack_direct_input_grad(const Problem& p, const direct_layout<Problem>& l, const float* dxp, int b0, int nb,
                              float* dx) {
    const long cin = p.c_in;
    parallel_for(long(nb) * p.h, long(p.w) * cin, [&](long t) {
        const long b = t / p.h, iy = t % p.h, r = iy + p.g.pad_h;
        float* dst = dx + long(b0 + b) * cin * p.in_plane() + iy * p.w;
        // Columns [0, inside) were read by the forward; the rest get zero.
        const long inside = r < l.rows ? std::clamp<long>(l.cols - p.g.pad_w, 0, p.w) : 0;
        if (inside > 0)
            transpose_matrix(dxp + ((b * l.rows + r) * l.cols + p.g.pad_w) * cin, cin, inside, cin, dst, p.in_plane());
        for (long c = 0; c < cin; ++c) std::fill(dst + c * p.in_plane() + inside, dst + c * p.in_plane() + p.w, 0.0f);
    });
}

/// Whether the data gradient of `p` goes through the direct kernel: its input
/// channels are whole vectors. (Depends on the shape only, never on the batch
/// size, so that a sample's gradient is the same in any batch, to the bit.)
template <class Problem>
bool use_direct_data(const Problem& p) {
    return direct_conv_built && p.c_in % 16 == 0;
}

template <int V, class Problem>
void conv_backward_data_direct_v(const Problem& p, const float* dy, const float* w, float* dx, cpu_workspace& ws) {
    constexpr int R = direct_tile_rows<V>;
    const int width = simd::lanes * V;
    const direct_layout<Problem> l(p);
    const long taps = long(p.g.kernel_h) * p.g.kernel_w, cin = p.c_in, plane = p.out_plane();
    const int oblock = direct_output_block(p, width);
    float* wp = ws.get(cpu_workspace::packed, long(p.c_out) * p.k());
    pack_direct_data_weights(p, width, oblock, w, wp);
    const bool samples_inner = direct_samples_inner(p);
    const auto plan = make_direct_plan(p, 24L * R, samples_inner ? R : 1);
    for_each_chunk(p.n, plan.chunks, ws, [&](int b0, int nb, int thread) {
        const position_order order{plane, nb, p.wo, samples_inner};
        const long ld = nb * plane;
        const long groups = samples_inner ? plane : nb, group = samples_inner ? nb : plane;
        float* dxp = ws.get(cpu_workspace::columns, nb * l.sample() * cin, thread);
        // dy of the chunk as [o][positions in tile order], R spare floats for a last tile's reads.
        float* dyf = ws.get(cpu_workspace::gathered, long(p.c_out) * ld + R, thread);
        std::memset(dxp, 0, sizeof(float) * nb * l.sample() * cin);
        parallel_for(p.c_out, ld, [&](long o) {
            for (long b = 0; b < nb; ++b) {
                const float* src = dy + ((b0 + b) * p.c_out + o) * plane;
                float* dst = dyf + o * ld;
                for (long q = 0; q < plane; ++q) dst[order.index(b, q)] = src[q];
            }
        });
        // Threads splitting one chunk (a batch smaller than the threads) each
        // own a band of dx̂ rows: every thread runs the tiles whose taps reach
        // its band and adds only there, so every sum is formed in the same
        // order as on one thread.
        const int bands = plan.inner_threads;
        auto run_band = [&](long band) {
            const long band0 = l.rows * band / bands, band1 = l.rows * (band + 1) / bands;
            // Tiles never mix samples, nor positions when the samples are
            // innermost: the adds into one sample's dx̂ then come in an order
            // that does not depend on the other samples of the batch. Large
            // groups go in blocks of positions, each through every weight block.
            const long block = std::max<long>(R, direct_block_positions / R * R);
            for (long g = 0; g < groups; ++g) {
                for (long start = g * group; start < (g + 1) * group; start += block) {
                    const long end = std::min((g + 1) * group, start + block);
                    for (int c0 = 0; c0 < p.c_in; c0 += width) {
                        for (int o0 = 0; o0 < p.c_out; o0 += oblock) {
                            const int on = std::min(oblock, p.c_out - o0);
                            const float* wblk = wp + (long(c0) * p.c_out + long(o0) * width) * taps;
                            for (long first = start; first < end; first += R) {
                                const int count = int(std::min<long>(R, end - first));
                                const tile_positions<R> tp(p, l, order, first, count);
                                float* dst[R];
                                for (int r = 0; r < R; ++r) dst[r] = dxp + tp.offset[r] + c0;
                                // Only the kernel rows that reach the band.
                                tap_range rows = tp.rows;
                                rows.first = int(std::max<long>(rows.first, band0 - tp.row[count - 1]));
                                rows.last = int(std::min<long>(rows.last, band1 - tp.row[0]));
                                if (rows.first >= rows.last) continue;
                                direct_data_tile<V, R>(dyf + long(o0) * ld + first, ld, on, wblk, p.g.kernel_w, rows,
                                                       tp.cols, dst, tp.row, band0, band1, count, l.cols * cin, cin);
                            }
                        }
                    }
                }
            }
        };
        if (bands == 1) run_band(0);
        else
            parallel_for(bands, ld * p.k() * p.c_out * 2 / bands, run_band);
        unpack_direct_input_grad(p, l, dxp, b0, nb, dx);
    });
}

/// dx = the data gradient of `p`, overwriting dx. Requires use_direct_data(p).
template <class Problem>
void conv_backward_data_direct(const Problem& p, const float* dy, const float* w, float* dx, cpu_workspace& ws) {
    with_channel_vectors(p.c_in, [&](auto v) { conv_backward_data_direct_v<decltype(v)::value>(p, dy, w, dx, ws); });
}


}  // namespace isinggan::cpu_detail

#undef ISINGGAN_UNROLL
#undef ISINGGAN_PRAGMA
