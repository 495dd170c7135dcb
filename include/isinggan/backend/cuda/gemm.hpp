#pragma once
// Row-major GEMM on the GPU through cuBLAS (which is column-major: a row-major
// C = A B is the column-major C^T = B^T A^T, so the operands swap).
#include <memory>

#include "isinggan/backend/cpu/gemm.hpp"  // the `transpose` enum
#include "isinggan/backend/cuda/check.hpp"
#include "isinggan/backend/cuda/settings.hpp"
#include "isinggan/backend/cuda/stream.hpp"

namespace isinggan {

/// Owns a cuBLAS handle; one per thread or stream.
class cublas_handle {
public:
    cublas_handle() { ISINGGAN_CUDA_CHECK(cublasCreate(&handle_)); }
    cublas_handle(const cublas_handle&) = delete;
    cublas_handle& operator=(const cublas_handle&) = delete;
    ~cublas_handle() {
        if (handle_) cublasDestroy(handle_);
    }
    cublasHandle_t get() const noexcept { return handle_; }

private:
    cublasHandle_t handle_ = nullptr;
};

namespace cuda_detail {

/// The cuBLAS handle of the calling thread, created on first use and bound
/// to the thread's current stream.
inline const cublas_handle& thread_cublas_handle() {
    thread_local cublas_handle handle;
    thread_local cudaStream_t bound = nullptr;
    if (current_stream() != bound) {
        ISINGGAN_CUDA_CHECK(cublasSetStream(handle.get(), current_stream()));
        bound = current_stream();
    }
    return handle;
}

}  // namespace cuda_detail

namespace ops {

/// C = alpha op(A) op(B) + beta C on device pointers, row-major, as ops::gemm(cpu, ...).
inline void gemm(cuda, const cublas_handle& handle, transpose ta, transpose tb, int m, int n, int k, float alpha,
                 const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc) {
    if (m == 0 || n == 0) return;
    ISINGGAN_CUDA_CHECK(cublasSetMathMode(
        handle.get(), cuda_config().math == cuda_math::tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
    const cublasOperation_t opa = ta == transpose::yes ? CUBLAS_OP_T : CUBLAS_OP_N;
    const cublasOperation_t opb = tb == transpose::yes ? CUBLAS_OP_T : CUBLAS_OP_N;
    ISINGGAN_CUDA_CHECK(cublasSgemm(handle.get(), opb, opa, n, m, k, &alpha, b, ldb, a, lda, &beta, c, ldc));
}

/// The same on the calling thread's cuBLAS handle, as the layers call it.
inline void gemm(cuda, transpose ta, transpose tb, int m, int n, int k, float alpha, const float* a, int lda,
                 const float* b, int ldb, float beta, float* c, int ldc) {
    gemm(cuda{}, cuda_detail::thread_cublas_handle(), ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace ops
}  // namespace isinggan
