#pragma once
// laplacian_l1 (losses/mrf/laplacian_l1.hpp) on the GPU: λ·Σ|(Δf)_p| with the
// 3×3 Laplacian and a replicate or zero border, and its gradient
// λ·Δᵀ sign(Δf). One thread per pixel; the gradient thread recomputes the
// Laplacian of the pixel and of its four neighbours instead of storing signs,
// which needs no scratch memory. The Laplacian is rounded step by step in
// the CPU's order, so both backends see the same signs.
#include <cstddef>
#include <string>

#include "isinggan/backend/cuda/launch.cuh"
#include "isinggan/backend/cuda/tensor.hpp"
#include "isinggan/core/mrf/options.hpp"  // mrf_options, laplacian_border

namespace isinggan::cuda_detail {

/// f(y, x) with the border rule for an index one step outside the h × w plane.
__device__ inline float laplacian_read(const float* f, int h, int w, int y, int x, bool replicate) {
    if (y < 0 || y >= h || x < 0 || x >= w) {
        if (!replicate) return 0.0f;
        y = min(max(y, 0), h - 1);
        x = min(max(x, 0), w - 1);
    }
    return f[y * w + x];
}

/// (Δf) at (y, x): up + down + left + right − 4 f, in that order.
__device__ inline float laplacian_at(const float* f, int h, int w, int y, int x, bool replicate) {
    const float up = laplacian_read(f, h, w, y - 1, x, replicate);
    const float down = laplacian_read(f, h, w, y + 1, x, replicate);
    const float left = laplacian_read(f, h, w, y, x - 1, replicate);
    const float right = laplacian_read(f, h, w, y, x + 1, replicate);
    const float sum = __fadd_rn(__fadd_rn(__fadd_rn(up, down), left), right);
    return __fsub_rn(sum, __fmul_rn(4.0f, f[y * w + x]));
}

__device__ inline float sign_of(float v) { return float((v > 0.0f) - (v < 0.0f)); }

/// partials[block] = the block's share of Σ|Δf|; grad (if not null) gets
/// scale · (Δᵀ sign(Δf)), written or added. With a replicate border, a read
/// past the edge lands on the edge pixel itself, so that pixel's own sign
/// counts once more per missing neighbour.
ISINGGAN_KERNEL void laplacian_l1_kernel(const float* f, std::size_t total, int h, int w, bool replicate, float scale,
                                         float* grad, bool accumulate, double* partials) {
    const std::size_t plane_size = std::size_t(h) * std::size_t(w);
    double energy = 0.0;
    ISINGGAN_GRID_STRIDE_LOOP(i, total) {
        const float* map = f + (i / plane_size) * plane_size;
        const int p = int(i % plane_size), y = p / w, x = p % w;
        const float l = laplacian_at(map, h, w, y, x, replicate);
        energy += fabsf(l);
        if (!grad) continue;
        const int ny[4] = {y - 1, y + 1, y, y}, nx[4] = {x, x, x - 1, x + 1};
        float neighbours = 0.0f;
        int missing = 0;
        for (int k = 0; k < 4; ++k) {
            if (ny[k] < 0 || ny[k] >= h || nx[k] < 0 || nx[k] >= w) ++missing;
            else neighbours += sign_of(laplacian_at(map, h, w, ny[k], nx[k], replicate));
        }
        const float self = -4.0f + (replicate ? float(missing) : 0.0f);
        const float t = self * sign_of(l) + neighbours;  // small integers: exact in any order
        grad[i] = (accumulate ? grad[i] : 0.0f) + scale * t;
    }
    const double sum = block_sum(energy);
    if (threadIdx.x == 0) partials[blockIdx.x] = sum;
}

}  // namespace isinggan::cuda_detail

namespace isinggan::ops {

/// λ·L(f), reduced as `options` says; with grad_f, writes (overwrite: resized
/// to f's shape) or adds (accumulate: must have f's shape) ∂(λL)/∂f there.
inline double laplacian_l1_forward_backward(cuda, const tensor<cuda>& f, tensor<cuda>* grad_f,
                                            const mrf_options& options,
                                            laplacian_border border = laplacian_border::replicate,
                                            gradient_mode mode = gradient_mode::overwrite) {
    mrf_detail::require_valid(options);
    require_nonempty(f.shape(), "laplacian_l1 input");
    if (f.h() > (std::size_t(1) << 30) || f.w() > (std::size_t(1) << 30) || f.h() * f.w() > (std::size_t(1) << 31))
        throw shape_error("laplacian_l1: maps of " + f.shape().str() + " are too large");
    if (grad_f) {
        if (grad_f == &f) throw argument_error("laplacian_l1: the gradient tensor must not be the input tensor");
        if (mode == gradient_mode::overwrite) grad_f->resize(f.shape());
        else require_shape(grad_f->shape(), f.shape(), "laplacian_l1 gradient (accumulate mode)");
    }
    const double scale = mrf_detail::output_scale(options, f.shape());
    const int blocks = cuda_detail::blocks_for(f.size());
    double* partials = cuda_detail::reduction_partials();
    cuda_detail::laplacian_l1_kernel<<<blocks, cuda_detail::block_threads, 0, current_stream()>>>(
        f.data(), f.size(), int(f.h()), int(f.w()), border == laplacian_border::replicate, static_cast<float>(scale),
        grad_f ? grad_f->data() : nullptr, mode == gradient_mode::accumulate, partials);
    ISINGGAN_CUDA_CHECK_LAUNCH(laplacian_l1_kernel);
    return scale * cuda_detail::sum_partials(partials, blocks);
}

/// λ·L(f), reduced: the value only.
inline double laplacian_l1_forward(cuda, const tensor<cuda>& f, const mrf_options& options,
                                   laplacian_border border = laplacian_border::replicate) {
    return laplacian_l1_forward_backward(cuda{}, f, nullptr, options, border);
}

}  // namespace isinggan::ops
