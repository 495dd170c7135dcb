#pragma once
// General matrix multiply on row-major float matrices, written against
// Eigen's API. When the build defines EIGEN_USE_BLAS (CMake option
// ISINGGAN_USE_BLAS, on when OpenBLAS is found) Eigen hands each product to
// sgemm; otherwise Eigen's own kernel runs.
//
// Threading: isinggan splits work across cores itself, with OpenMP, and runs
// every BLAS call single-threaded. On few cores this beats letting OpenBLAS
// start its own threads: two thread pools on two cores take turns spinning
// while the other works. (With ISINGGAN_OPENBLAS, the first GEMM sets
// OpenBLAS's thread count to 1 for the whole process.)
#include <algorithm>

#include <Eigen/Core>

#include "isinggan/backend/cpu/threading.hpp"
#include "isinggan/core/backend.hpp"
#include "isinggan/core/error.hpp"

#if defined(ISINGGAN_OPENBLAS)
extern "C" void openblas_set_num_threads(int);
#endif

namespace isinggan {

enum class transpose : bool { no = false, yes = true };

namespace cpu_detail {

inline void single_threaded_blas() {
#if defined(ISINGGAN_OPENBLAS)
    static const bool done = [] {
        openblas_set_num_threads(1);
        return true;
    }();
    (void)done;
#endif
}

/// One thread's GEMM (Eigen does not start threads inside an OpenMP region,
/// and BLAS runs single-threaded).
inline void gemm_serial(transpose ta, transpose tb, int m, int n, int k, float alpha, const float* a, int lda,
                        const float* b, int ldb, float beta, float* c, int ldc) {
    using mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using stride = Eigen::OuterStride<>;
    Eigen::Map<mat, Eigen::Unaligned, stride> cm(c, m, n, stride(ldc));
    if (k == 0 || alpha == 0.0f) {
        if (beta == 0.0f) cm.setZero();
        else if (beta != 1.0f) cm *= beta;
        return;
    }
    const Eigen::Index ar = ta == transpose::no ? m : k, ac = ta == transpose::no ? k : m;
    const Eigen::Index br = tb == transpose::no ? k : n, bc = tb == transpose::no ? n : k;
    Eigen::Map<const mat, Eigen::Unaligned, stride> am(a, ar, ac, stride(lda));
    Eigen::Map<const mat, Eigen::Unaligned, stride> bm(b, br, bc, stride(ldb));
    auto run = [&](const auto& lhs, const auto& rhs) {
        if (beta == 0.0f) cm.noalias() = alpha * (lhs * rhs);
        else {
            if (beta != 1.0f) cm *= beta;
            cm.noalias() += alpha * (lhs * rhs);
        }
    };
    if (ta == transpose::no && tb == transpose::no) run(am, bm);
    else if (ta == transpose::no) run(am, bm.transpose());
    else if (tb == transpose::no) run(am.transpose(), bm);
    else run(am.transpose(), bm.transpose());
}

}  // namespace cpu_detail

namespace ops {

/// C = alpha * op(A) * op(B) + beta * C, all row-major.
/// op(A) is M x K, op(B) is K x N, C is M x N; lda/ldb/ldc are the row strides
/// of A, B, C as stored. beta == 0 ignores C's old contents (NaN included).
/// Outside a parallel region a large product is split across cores by
/// columns (or rows, when C is tall); inside one it runs on the calling thread.
inline void gemm(cpu, transpose ta, transpose tb, int m, int n, int k, float alpha, const float* a, int lda,
                 const float* b, int ldb, float beta, float* c, int ldc) {
    if (m < 0 || n < 0 || k < 0) throw argument_error("gemm: negative dimension");
    if (m == 0 || n == 0) return;
    cpu_detail::single_threaded_blas();
    const int threads = cpu_detail::max_threads();
    const double flops = 2.0 * m * n * k;
    if (threads <= 1 || flops < 4e6 || cpu_detail::in_parallel()) {
        cpu_detail::gemm_serial(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    // Split the longer side of C into one block per thread, in multiples of 16
    // so that every block keeps whole SIMD registers.
    const bool split_columns = n >= m;
    const int extent = split_columns ? n : m;
    const int block = std::max(16, (extent / threads + 15) / 16 * 16);
    const int blocks = (extent + block - 1) / block;
    cpu_detail::parallel_for(blocks, std::size_t(-1), [&](long i) {
        const int lo = int(i) * block, len = std::min(block, extent - lo);
        if (split_columns) {
            const float* bj = tb == transpose::no ? b + lo : b + long(lo) * ldb;
            cpu_detail::gemm_serial(ta, tb, m, len, k, alpha, a, lda, bj, ldb, beta, c + lo, ldc);
        } else {
            const float* ai = ta == transpose::no ? a + long(lo) * lda : a + lo;
            cpu_detail::gemm_serial(ta, tb, len, n, k, alpha, ai, lda, b, ldb, beta, c + long(lo) * ldc, ldc);
        }
    });
}

}  // namespace ops
}  // namespace isinggan
