#pragma once
// A convolution problem prepared for cuDNN: its descriptors and, chosen once
// and cached per problem, the algorithm of each of the three passes.
//
// Every problem is stated as a plain convolution x[n][c_in][h][w] ->
// y[n][c_out][ho][wo] (cpu_detail::conv_problem, shared with the CPU
// backend), so conv2d and its adjoint conv_transpose2d use the same plans.
// Algorithms are chosen as cuda_config() says (backend/cuda/settings.hpp):
// timed once per problem (the default) or taken from cuDNN's heuristic
// ranking; either way the fastest or best-ranked one that is supported, uses
// the allowed math (no tensor cores under cuda_math::fp32: TF32 would break
// fp32 parity with the CPU backend) and whose workspace fits the limit.
#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "isinggan/backend/cpu/conv2d.hpp"  // cpu_detail::conv_problem and the shape checks
#include "isinggan/backend/cuda/cudnn.hpp"
#include "isinggan/backend/cuda/workspace.hpp"

namespace isinggan::cuda_detail {

/// An algorithm of one pass and the workspace it needs.
template <class Algo>
struct chosen_algorithm {
    bool chosen = false;
    Algo algo{};
    cudnnMathType_t math = CUDNN_FMA_MATH;  // set on the descriptor before each call, as cuDNN asks
    std::size_t workspace_bytes = 0;
};

struct conv_plan {
    conv_plan(const cpu_detail::conv_problem& p, cuda_settings settings)
        : x(p.n, p.c_in, p.h, p.w),
          y(p.n, p.c_out, p.ho, p.wo),
          w(p.c_out, p.c_in, p.g.kernel_h, p.g.kernel_w),
          conv(p.g.pad_h, p.g.pad_w, p.g.stride_h, p.g.stride_w, settings.math),
          x_bias(1, p.c_in, 1, 1),
          y_bias(1, p.c_out, 1, 1),
          settings(settings),
          weight_count(std::size_t(p.c_out) * std::size_t(p.c_in) * std::size_t(p.g.kernel_h) *
                       std::size_t(p.g.kernel_w)) {}

    cudnn_tensor_descriptor x, y;
    cudnn_filter_descriptor w;
    cudnn_convolution_descriptor conv;
    cudnn_tensor_descriptor x_bias, y_bias;  // [1, C, 1, 1], broadcast over x or y
    cuda_settings settings;                  // the math and search this plan was made with
    std::size_t weight_count;
    chosen_algorithm<cudnnConvolutionFwdAlgo_t> forward;
    chosen_algorithm<cudnnConvolutionBwdDataAlgo_t> backward_data;
    chosen_algorithm<cudnnConvolutionBwdFilterAlgo_t> backward_filter;
};

inline bool is_fp32_math(cudnnMathType_t m) { return m == CUDNN_DEFAULT_MATH || m == CUDNN_FMA_MATH; }

/// Scratch memory for a timing search, held only while the search runs: the
/// largest workspace any heuristically ranked, allowed algorithm needs within
/// `limit`, or less when the device cannot spare that much (algorithms that
/// need more are then not timed).
class search_workspace {
public:
    template <class Perf>
    search_workspace(const std::vector<Perf>& ranked, int returned, std::size_t limit) {
        std::size_t want = 0;
        for (int i = 0; i < returned; ++i) {
            const Perf& perf = ranked[std::size_t(i)];
            if (perf.status == CUDNN_STATUS_SUCCESS && perf.memory <= limit && perf.memory > want)
                want = perf.memory;
        }
        for (; want > 0; want /= 2) {
            void* p = nullptr;
            if (cudaMalloc(&p, want) == cudaSuccess) {
                data_ = p;
                bytes_ = want;
                return;
            }
            (void)cudaGetLastError();  // out of memory: try with less
        }
    }
    search_workspace(const search_workspace&) = delete;
    search_workspace& operator=(const search_workspace&) = delete;
    ~search_workspace() {
        if (data_) cudaFree(data_);
    }
    void* data() const noexcept { return data_; }
    std::size_t bytes() const noexcept { return bytes_; }

private:
    void* data_ = nullptr;
    std::size_t bytes_ = 0;
};

/// Whether an algorithm's math is allowed under the plan's settings. Under
/// fp32, a timed algorithm must have run with FMA math, and a heuristic entry
/// of default math is run with FMA math (default math may use TF32 tensor
/// cores on Ampere and later).
inline bool math_allowed(const conv_plan& plan, cudnnMathType_t m, bool timed) {
    if (plan.settings.math == cuda_math::tf32) return true;
    return timed ? m == CUDNN_FMA_MATH : is_fp32_math(m);
}

/// The math type the chosen algorithm runs with (the descriptor must carry it).
inline cudnnMathType_t run_math(const conv_plan& plan, cudnnMathType_t m) {
    return plan.settings.math == cuda_math::tf32 ? m : CUDNN_FMA_MATH;
}

/// The descriptor's math type for queries: what the settings allow.
inline void reset_math(const conv_plan& plan) {
    ISINGGAN_CUDA_CHECK(cudnnSetConvolutionMathType(
        plan.conv.get(), plan.settings.math == cuda_math::tf32 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH));
}

/// The first usable entry of a ranking (cudnn*AlgoPerf_t, by heuristic or by
/// measured time), or null.
template <class Perf>
const Perf* first_usable(const conv_plan& plan, const std::vector<Perf>& ranked, int returned, std::size_t limit,
                         bool timed) {
    for (int i = 0; i < returned; ++i) {
        const Perf& perf = ranked[std::size_t(i)];
        if (perf.status == CUDNN_STATUS_SUCCESS && math_allowed(plan, perf.mathType, timed) && perf.memory <= limit)
            return &perf;
    }
    return nullptr;
}

[[noreturn]] inline void no_algorithm(const conv_plan& plan, const char* pass, std::size_t limit) {
    throw device_error(std::string("cuDNN offers no ") + (plan.settings.math == cuda_math::tf32 ? "" : "fp32 ") +
                       pass + " algorithm for this convolution within a " + std::to_string(limit) +
                       "-byte workspace");
}

/// Chooses a pass's algorithm: `rank` fills a heuristic ranking; with
/// conv_algorithm_search::benchmark, `time` then fills a ranking by measured
/// time, whose first usable entry wins (the heuristic one when no timed
/// entry is usable). Returns the winner; the descriptor is left set to its math.
template <class Perf, class Rank, class Time>
Perf choose(conv_plan& plan, std::size_t limit, const char* pass, Rank&& rank, Time&& time) {
    reset_math(plan);
    std::vector<Perf> heuristic;
    const int ranked = rank(heuristic);
    const Perf* best = nullptr;
    std::vector<Perf> timed;
    if (plan.settings.search == conv_algorithm_search::benchmark) {
        const search_workspace scratch(heuristic, ranked, limit);
        timed.resize(heuristic.size());
        const int measured = time(timed, scratch);
        best = first_usable(plan, timed, measured, limit, true);
    }
    if (!best) best = first_usable(plan, heuristic, ranked, limit, false);
    if (!best) no_algorithm(plan, pass, limit);
    ISINGGAN_CUDA_CHECK(cudnnSetConvolutionMathType(plan.conv.get(), run_math(plan, best->mathType)));
    return *best;
}



// Each pass: cuDNN's heuristic ranking; with conv_algorithm_search::benchmark
// the algorithms are then timed on the call's own buffers (a pass that
// accumulates into its output times into a scratch copy instead).

inline void choose_forward(conv_plan& plan, cuda_workspace& ws, const float* x, const float* w, float* y) {
    using perf_t = cudnnConvolutionFwdAlgoPerf_t;
    const cudnnHandle_t h = thread_cudnn_handle();
    const perf_t best = choose<perf_t>(
        plan, ws.limit(), "forward",
        [&](std::vector<perf_t>& r) {
            int count = 0, returned = 0;
            ISINGGAN_CUDA_CHECK(cudnnGetConvolutionForwardAlgorithmMaxCount(h, &count));
            r.resize(std::size_t(count > 0 ? count : 1));
            ISINGGAN_CUDA_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(
                h, plan.x.get(), plan.w.get(), plan.conv.get(), plan.y.get(), int(r.size()), &returned, r.data()));
            return returned;
        },
        [&](std::vector<perf_t>& r, const search_workspace& scratch) {
            int returned = 0;
            ISINGGAN_CUDA_CHECK(cudnnFindConvolutionForwardAlgorithmEx(
                h, plan.x.get(), x, plan.w.get(), w, plan.conv.get(), plan.y.get(), y, int(r.size()), &returned,
                r.data(), scratch.data(), scratch.bytes()));
            return returned;
        });
    plan.forward.algo = best.algo;
    plan.forward.math = run_math(plan, best.mathType);
    ISINGGAN_CUDA_CHECK(cudnnGetConvolutionForwardWorkspaceSize(h, plan.x.get(), plan.w.get(), plan.conv.get(),
                                                                plan.y.get(), best.algo,
                                                                &plan.forward.workspace_bytes));
    plan.forward.chosen = true;
}

inline void choose_backward_data(conv_plan& plan, cuda_workspace& ws, const float* w, const float* dy, float* dx) {
    using perf_t = cudnnConvolutionBwdDataAlgoPerf_t;
    const cudnnHandle_t h = thread_cudnn_handle();
    const perf_t best = choose<perf_t>(
        plan, ws.limit(), "backward-data",
        [&](std::vector<perf_t>& r) {
            int count = 0, returned = 0;
            ISINGGAN_CUDA_CHECK(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(h, &count));
            r.resize(std::size_t(count > 0 ? count : 1));
            ISINGGAN_CUDA_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(
                h, plan.w.get(), plan.y.get(), plan.conv.get(), plan.x.get(), int(r.size()), &returned, r.data()));
            return returned;
        },
        [&](std::vector<perf_t>& r, const search_workspace& scratch) {
            int returned = 0;
            ISINGGAN_CUDA_CHECK(cudnnFindConvolutionBackwardDataAlgorithmEx(
                h, plan.w.get(), w, plan.y.get(), dy, plan.conv.get(), plan.x.get(), dx, int(r.size()), &returned,
                r.data(), scratch.data(), scratch.bytes()));
            return returned;
        });
    plan.backward_data.algo = best.algo;
    plan.backward_data.math = run_math(plan, best.mathType);
    ISINGGAN_CUDA_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(h, plan.w.get(), plan.y.get(), plan.conv.get(),
                                                                     plan.x.get(), best.algo,
                                                                     &plan.backward_data.workspace_bytes));
    plan.backward_data.chosen = true;
}

inline void choose_backward_filter(conv_plan& plan, cuda_workspace& ws, const float* x, const float* dy) {
    using perf_t = cudnnConvolutionBwdFilterAlgoPerf_t;
    const cudnnHandle_t h = thread_cudnn_handle();
    const perf_t best = choose<perf_t>(
        plan, ws.limit(), "backward-filter",
        [&](std::vector<perf_t>& r) {
            int count = 0, returned = 0;
            ISINGGAN_CUDA_CHECK(cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(h, &count));
            r.resize(std::size_t(count > 0 ? count : 1));
            ISINGGAN_CUDA_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
                h, plan.x.get(), plan.y.get(), plan.conv.get(), plan.w.get(), int(r.size()), &returned, r.data()));
            return returned;
        },
        [&](std::vector<perf_t>& r, const search_workspace& scratch) {
            // The weight gradient is usually accumulated into: time into a copy.
            device_buffer<float> dw(plan.weight_count);
            int returned = 0;
            ISINGGAN_CUDA_CHECK(cudnnFindConvolutionBackwardFilterAlgorithmEx(
                h, plan.x.get(), x, plan.y.get(), dy, plan.conv.get(), plan.w.get(), dw.data(), int(r.size()),
                &returned, r.data(), scratch.data(), scratch.bytes()));
            return returned;
        });
    plan.backward_filter.algo = best.algo;
    plan.backward_filter.math = run_math(plan, best.mathType);
    ISINGGAN_CUDA_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(h, plan.x.get(), plan.y.get(),
                                                                       plan.conv.get(), plan.w.get(), best.algo,
                                                                       &plan.backward_filter.workspace_bytes));
    plan.backward_filter.chosen = true;
}

/// Everything that tells two convolution problems apart, and the settings.
using conv_key = std::array<int, 13>;

inline conv_key key_of(const cpu_detail::conv_problem& p, const cuda_settings& s) {
    return {p.n,          p.c_in,         p.h,            p.w,       p.c_out,   p.g.kernel_h,  p.g.kernel_w,
            p.g.stride_h, p.g.stride_w,   p.g.pad_h,      p.g.pad_w, int(s.math), int(s.search)};
}

/// This thread's plans, one per problem and settings seen (they hold only
/// descriptors and algorithm choices: no device memory).
inline std::map<conv_key, std::unique_ptr<conv_plan>>& thread_conv_plans() {
    thread_local std::map<conv_key, std::unique_ptr<conv_plan>> plans;
    return plans;
}

inline conv_plan& plan_for(const cpu_detail::conv_problem& p) {
    const cuda_settings settings = cuda_config();
    auto& plans = thread_conv_plans();
    auto& slot = plans[key_of(p, settings)];
    if (!slot) slot = std::make_unique<conv_plan>(p, settings);
    return *slot;
}

// The three passes, with cuDNN's alpha/beta blending: out = op(...) + beta out.

inline void conv_forward(const cpu_detail::conv_problem& p, const float* x, const float* w, float* y,
                         cuda_workspace& ws) {
    conv_plan& plan = plan_for(p);
    if (!plan.forward.chosen) choose_forward(plan, ws, x, w, y);
    void* scratch = ws.get(plan.forward.workspace_bytes);
    ISINGGAN_CUDA_CHECK(cudnnSetConvolutionMathType(plan.conv.get(), plan.forward.math));
    const float alpha = 1.0f, beta = 0.0f;
    ISINGGAN_CUDA_CHECK(cudnnConvolutionForward(thread_cudnn_handle(), &alpha, plan.x.get(), x, plan.w.get(), w,
                                                plan.conv.get(), plan.forward.algo, scratch,
                                                plan.forward.workspace_bytes, &beta, plan.y.get(), y));
}

inline void conv_backward_data(const cpu_detail::conv_problem& p, const float* dy, const float* w, float* dx,
                               cuda_workspace& ws) {
    conv_plan& plan = plan_for(p);
    if (!plan.backward_data.chosen) choose_backward_data(plan, ws, w, dy, dx);
    void* scratch = ws.get(plan.backward_data.workspace_bytes);
    ISINGGAN_CUDA_CHECK(cudnnSetConvolutionMathType(plan.conv.get(), plan.backward_data.math));
    const float alpha = 1.0f, beta = 0.0f;
    ISINGGAN_CUDA_CHECK(cudnnConvolutionBackwardData(thread_cudnn_handle(), &alpha, plan.w.get(), w, plan.y.get(), dy,
                                                     plan.conv.get(), plan.backward_data.algo, scratch,
                                                     plan.backward_data.workspace_bytes, &beta, plan.x.get(), dx));
}

inline void conv_backward_weights(const cpu_detail::conv_problem& p, const float* x, const float* dy, float* dw,
                                  float beta, cuda_workspace& ws) {
    conv_plan& plan = plan_for(p);
    if (!plan.backward_filter.chosen) choose_backward_filter(plan, ws, x, dy);
    void* scratch = ws.get(plan.backward_filter.workspace_bytes);
    ISINGGAN_CUDA_CHECK(cudnnSetConvolutionMathType(plan.conv.get(), plan.backward_filter.math));
    const float alpha = 1.0f;
    ISINGGAN_CUDA_CHECK(cudnnConvolutionBackwardFilter(thread_cudnn_handle(), &alpha, plan.x.get(), x, plan.y.get(),
                                                       dy, plan.conv.get(), plan.backward_filter.algo, scratch,
                                                       plan.backward_filter.workspace_bytes, &beta, plan.w.get(), dw));
}

/// out[n][c][:] += bias[c] for an NCHW tensor described by `out_desc`.
inline void add_channel_bias(const cudnn_tensor_descriptor& bias_desc, const float* bias,
                             const cudnn_tensor_descriptor& out_desc, float* out) {
    const float alpha = 1.0f, beta = 1.0f;
    ISINGGAN_CUDA_CHECK(
        cudnnAddTensor(thread_cudnn_handle(), &alpha, bias_desc.get(), bias, &beta, out_desc.get(), out));
}

}  // namespace isinggan::cuda_detail
