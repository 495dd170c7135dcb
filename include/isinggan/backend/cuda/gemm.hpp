#pragma once
// Row-major GEMM on the GPU through cuBLAS (which is column-major: a row-major
// C = A B is the column-major C^T = B^T A^T, so the operands swap).
#include <memory>

#include "isinggan/backend/cpu/gemm.hpp"  // the `transpose` enum
#include "isinggan/backend/cuda/check.hpp"

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

namespace ops {

/// C = alpha op(A) op(B) + beta C on device pointers, row-major, as ops::gemm(cpu, ...).
inline void gemm(cuda, const cublas_handle& handle, transpose ta, transpose tb, int m, int n, int k, float alpha,
                 const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc) {
    if (m == 0 || n == 0) return;
    const cublasOperation_t opa = ta == transpose::yes ? CUBLAS_OP_T : CUBLAS_OP_N;
    const cublasOperation_t opb = tb == transpose::yes ? CUBLAS_OP_T : CUBLAS_OP_N;
    ISINGGAN_CUDA_CHECK(cublasSgemm(handle.get(), opb, opa, n, m, k, &alpha, b, ldb, a, lda, &beta, c, ldc));
}

}  // namespace ops
}  // namespace isinggan
