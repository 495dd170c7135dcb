#pragma once
// General matrix multiply on row-major float matrices, written against
// Eigen's API. When the build defines EIGEN_USE_BLAS (CMake option
// ISINGGAN_USE_BLAS, on when OpenBLAS is found) Eigen hands the product to
// sgemm; otherwise Eigen's own kernel runs, threaded by OpenMP.
#include <Eigen/Core>

#include "isinggan/core/backend.hpp"
#include "isinggan/core/error.hpp"

namespace isinggan {

enum class transpose : bool { no = false, yes = true };

namespace ops {

/// C = alpha * op(A) * op(B) + beta * C, all row-major.
/// op(A) is M x K, op(B) is K x N, C is M x N; lda/ldb/ldc are the row strides
/// of A, B, C as stored. beta == 0 ignores C's old contents (NaN included).
inline void gemm(cpu, transpose ta, transpose tb, int m, int n, int k, float alpha, const float* a, int lda,
                 const float* b, int ldb, float beta, float* c, int ldc) {
    if (m < 0 || n < 0 || k < 0) throw argument_error("gemm: negative dimension");
    if (m == 0 || n == 0) return;
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
        if (beta == 0.0f) {
            if (alpha == 1.0f) cm.noalias() = lhs * rhs;
            else cm.noalias() = alpha * (lhs * rhs);
        } else {
            if (beta != 1.0f) cm *= beta;
            if (alpha == 1.0f) cm.noalias() += lhs * rhs;
            else cm.noalias() += alpha * (lhs * rhs);
        }
    };
    if (ta == transpose::no && tb == transpose::no) run(am, bm);
    else if (ta == transpose::no) run(am, bm.transpose());
    else if (tb == transpose::no) run(am.transpose(), bm);
    else run(am.transpose(), bm.transpose());
}

}  // namespace ops
}  // namespace isinggan
