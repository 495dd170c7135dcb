#pragma once
// A convolution problem prepared for cuDNN: its descriptors and, chosen once
// and cached per problem, the algorithm of each of the three passes.
//
// Every problem is stated as a plain convolution x[n][c_in][h][w] ->
// y[n][c_out][ho][wo] (cpu_detail::conv_problem, shared with the CPU
// backend), so conv2d and its adjoint conv_transpose2d use the same plans.
// Algorithms come from cuDNN's heuristics (the *_v7 queries, no benchmarking
// runs): the best-ranked one that is supported, does not need tensor-core
// math (TF32 would break fp32 parity with the CPU backend) and whose
// workspace fits the workspace's limit.
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
    std::size_t workspace_bytes = 0;
};

struct conv_plan {
    explicit conv_plan(const cpu_detail::conv_problem& p)
        : x(p.n, p.c_in, p.h, p.w),
          y(p.n, p.c_out, p.ho, p.wo),
          w(p.c_out, p.c_in, p.g.kernel_h, p.g.kernel_w),
          conv(p.g.pad_h, p.g.pad_w, p.g.stride_h, p.g.stride_w),
          x_bias(1, p.c_in, 1, 1),
          y_bias(1, p.c_out, 1, 1) {}

    cudnn_tensor_descriptor x, y;
    cudnn_filter_descriptor w;
    cudnn_convolution_descriptor conv;
    cudnn_tensor_descriptor x_bias, y_bias;  // [1, C, 1, 1], broadcast over x or y
    chosen_algorithm<cudnnConvolutionFwdAlgo_t> forward;
    chosen_algorithm<cudnnConvolutionBwdDataAlgo_t> backward_data;
    chosen_algorithm<cudnnConvolutionBwdFilterAlgo_t> backward_filter;
};

inline bool is_fp32_math(cudnnMathType_t m) { return m == CUDNN_DEFAULT_MATH || m == CUDNN_FMA_MATH; }

/// The first usable entry of a heuristic ranking (cudnn*AlgoPerf_t).
template <class Perf>
const Perf& pick_algorithm(const std::vector<Perf>& ranked, int returned, std::size_t limit, const char* pass) {
    for (int i = 0; i < returned; ++i) {
        const Perf& perf = ranked[std::size_t(i)];
        if (perf.status == CUDNN_STATUS_SUCCESS && is_fp32_math(perf.mathType) && perf.memory <= limit) return perf;
    }
    throw device_error(std::string("cuDNN offers no fp32 ") + pass + " algorithm for this convolution within a " +
                       std::to_string(limit) + "-byte workspace");
}

inline void choose_forward(conv_plan& plan, std::size_t limit) {
    const cudnnHandle_t h = thread_cudnn_handle();
    int count = 0;
    ISINGGAN_CUDA_CHECK(cudnnGetConvolutionForwardAlgorithmMaxCount(h, &count));
    std::vector<cudnnConvolutionFwdAlgoPerf_t> ranked(std::size_t(count > 0 ? count : 1));
    int returned = 0;
    ISINGGAN_CUDA_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(h, plan.x.get(), plan.w.get(), plan.conv.get(),
                                                               plan.y.get(), int(ranked.size()), &returned,
                                                               ranked.data()));
    const auto& best = pick_algorithm(ranked, returned, limit, "forward");
    plan.forward.algo = best.algo;
    ISINGGAN_CUDA_CHECK(cudnnGetConvolutionForwardWorkspaceSize(h, plan.x.get(), plan.w.get(), plan.conv.get(),
                                                                plan.y.get(), best.algo,
                                                                &plan.forward.workspace_bytes));
    plan.forward.chosen = true;
}

inline void choose_backward_data(conv_plan& plan, std::size_t limit) {
    const cudnnHandle_t h = thread_cudnn_handle();
    int count = 0;
    ISINGGAN_CUDA_CHECK(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(h, &count));
    std::vector<cudnnConvolutionBwdDataAlgoPerf_t> ranked(std::size_t(count > 0 ? count : 1));
    int returned = 0;
    ISINGGAN_CUDA_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(h, plan.w.get(), plan.y.get(), plan.conv.get(),
                                                                    plan.x.get(), int(ranked.size()), &returned,
                                                                    ranked.data()));
    const auto& best = pick_algorithm(ranked, returned, limit, "backward-data");
    plan.backward_data.algo = best.algo;
    ISINGGAN_CUDA_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(h, plan.w.get(), plan.y.get(), plan.conv.get(),
                                                                     plan.x.get(), best.algo,
                                                                     &plan.backward_data.workspace_bytes));
    plan.backward_data.chosen = true;
}

inline void choose_backward_filter(conv_plan& plan, std::size_t limit) {
    const cudnnHandle_t h = thread_cudnn_handle();
    int count = 0;
    ISINGGAN_CUDA_CHECK(cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(h, &count));
    std::vector<cudnnConvolutionBwdFilterAlgoPerf_t> ranked(std::size_t(count > 0 ? count : 1));
    int returned = 0;
    ISINGGAN_CUDA_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, plan.x.get(), plan.y.get(), plan.conv.get(),
                                                                      plan.w.get(), int(ranked.size()), &returned,
                                                                      ranked.data()));
    const auto& best = pick_algorithm(ranked, returned, limit, "backward-filter");
    plan.backward_filter.algo = best.algo;
    ISINGGAN_CUDA_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(h, plan.x.get(), plan.y.get(),
                                                                       plan.conv.get(), plan.w.get(), best.algo,
                                                                       &plan.backward_filter.workspace_bytes));
    plan.backward_filter.chosen = true;
}

/// Everything that tells two convolution problems apart.
using conv_key = std::array<int, 11>;

inline conv_key key_of(const cpu_detail::conv_problem& p) {
    return {p.n, p.c_in, p.h, p.w, p.c_out, p.g.kernel_h, p.g.kernel_w, p.g.stride_h, p.g.stride_w, p.g.pad_h,
            p.g.pad_w};
}

/// This thread's plans, one per problem seen (they hold only descriptors and
/// algorithm choices: no device memory).
inline std::map<conv_key, std::unique_ptr<conv_plan>>& thread_conv_plans() {
    thread_local std::map<conv_key, std::unique_ptr<conv_plan>> plans;
    return plans;
}

inline conv_plan& plan_for(const cpu_detail::conv_problem& p) {
    auto& plans = thread_conv_plans();
    auto& slot = plans[key_of(p)];
    if (!slot) slot = std::make_unique<conv_plan>(p);
    return *slot;
}

// The three passes, with cuDNN's alpha/beta blending: out = op(...) + beta out.

inline void conv_forward(const cpu_detail::conv_problem& p, const float* x, const float* w, float* y,
                         cuda_workspace& ws) {
    conv_plan& plan = plan_for(p);
    if (!plan.forward.chosen) choose_forward(plan, ws.limit());
    void* scratch = ws.get(plan.forward.workspace_bytes);
    const float alpha = 1.0f, beta = 0.0f;
    ISINGGAN_CUDA_CHECK(cudnnConvolutionForward(thread_cudnn_handle(), &alpha, plan.x.get(), x, plan.w.get(), w,
                                                plan.conv.get(), plan.forward.algo, scratch,
                                                plan.forward.workspace_bytes, &beta, plan.y.get(), y));
}

inline void conv_backward_data(const cpu_detail::conv_problem& p, const float* dy, const float* w, float* dx,
                               cuda_workspace& ws) {
    conv_plan& plan = plan_for(p);
    if (!plan.backward_data.chosen) choose_backward_data(plan, ws.limit());
    void* scratch = ws.get(plan.backward_data.workspace_bytes);
    const float alpha = 1.0f, beta = 0.0f;
    ISINGGAN_CUDA_CHECK(cudnnConvolutionBackwardData(thread_cudnn_handle(), &alpha, plan.w.get(), w, plan.y.get(), dy,
                                                     plan.conv.get(), plan.backward_data.algo, scratch,
                                                     plan.backward_data.workspace_bytes, &beta, plan.x.get(), dx));
}

inline void conv_backward_weights(const cpu_detail::conv_problem& p, const float* x, const float* dy, float* dw,
                                  float beta, cuda_workspace& ws) {
    conv_plan& plan = plan_for(p);
    if (!plan.backward_filter.chosen) choose_backward_filter(plan, ws.limit());
    void* scratch = ws.get(plan.backward_filter.workspace_bytes);
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
