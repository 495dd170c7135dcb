#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "isinggan/backend/cpu/gemm.hpp"
#include "isinggan/core/random.hpp"

using namespace isinggan;

namespace {

struct gemm_case {
    int m, n, k;
    transpose ta, tb;
    float alpha, beta;
    int pad;  // extra elements per row, to exercise leading dimensions
};

void check_gemm(const gemm_case& t, rng& gen) {
    const int a_rows = t.ta == transpose::no ? t.m : t.k, a_cols = t.ta == transpose::no ? t.k : t.m;
    const int b_rows = t.tb == transpose::no ? t.k : t.n, b_cols = t.tb == transpose::no ? t.n : t.k;
    const int lda = a_cols + t.pad, ldb = b_cols + t.pad, ldc = t.n + t.pad;
    std::vector<float> a(std::size_t(a_rows) * lda), b(std::size_t(b_rows) * ldb), c(std::size_t(t.m) * ldc);
    for (auto& v : a) v = float(gen.uniform(-1, 1));
    for (auto& v : b) v = float(gen.uniform(-1, 1));
    for (auto& v : c) v = float(gen.uniform(-1, 1));
    if (t.beta == 0.0f)  // beta == 0 must ignore C entirely, NaN included
        for (auto& v : c) v = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> c0 = c;
    ops::gemm(cpu{}, t.ta, t.tb, t.m, t.n, t.k, t.alpha, a.data(), lda, b.data(), ldb, t.beta, c.data(), ldc);
    auto at = [&](int i, int p) { return t.ta == transpose::no ? a[std::size_t(i) * lda + p] : a[std::size_t(p) * lda + i]; };
    auto bt = [&](int p, int j) { return t.tb == transpose::no ? b[std::size_t(p) * ldb + j] : b[std::size_t(j) * ldb + p]; };
    double worst = 0.0;
    for (int i = 0; i < t.m; ++i)
        for (int j = 0; j < t.n; ++j) {
            double s = 0.0;
            for (int p = 0; p < t.k; ++p) s += double(at(i, p)) * bt(p, j);
            double ref = t.alpha * s;
            if (t.beta != 0.0f) ref += double(t.beta) * c0[std::size_t(i) * ldc + j];
            const double err = std::abs(c[std::size_t(i) * ldc + j] - ref) / std::max(1.0, std::abs(ref));
            worst = std::isnan(err) ? 1e30 : std::max(worst, err);
        }
    CAPTURE(t.m);
    CAPTURE(t.n);
    CAPTURE(t.k);
    CHECK(worst < 1e-4);
    // The padding between rows of C is never written.
    for (int i = 0; i < t.m; ++i)
        for (int j = t.n; j < ldc; ++j)
            CHECK((std::isnan(c0[std::size_t(i) * ldc + j]) ? std::isnan(c[std::size_t(i) * ldc + j])
                                                            : c[std::size_t(i) * ldc + j] == c0[std::size_t(i) * ldc + j]));
}

}  // namespace

TEST_CASE("gemm: agrees with a naive loop for every transpose, alpha, beta and stride") {
    rng gen(11);
    const int sizes[][3] = {{1, 1, 1}, {7, 5, 3}, {33, 17, 65}, {64, 100, 128}, {3, 200, 1}};
    for (auto [m, n, k] : sizes)
        for (auto ta : {transpose::no, transpose::yes})
            for (auto tb : {transpose::no, transpose::yes})
                for (float beta : {0.0f, 1.0f, -0.5f}) check_gemm({m, n, k, ta, tb, 0.75f, beta, (m + n) % 3}, gen);
}

TEST_CASE("gemm: k = 0 scales C by beta, negative sizes throw") {
    std::vector<float> c = {1, 2, 3, 4};
    ops::gemm(cpu{}, transpose::no, transpose::no, 2, 2, 0, 1.0f, nullptr, 1, nullptr, 2, 0.5f, c.data(), 2);
    CHECK(c == std::vector<float>{0.5f, 1, 1.5f, 2});
    ops::gemm(cpu{}, transpose::no, transpose::no, 2, 2, 0, 1.0f, nullptr, 1, nullptr, 2, 0.0f, c.data(), 2);
    CHECK(c == std::vector<float>{0, 0, 0, 0});
    CHECK_THROWS_AS(ops::gemm(cpu{}, transpose::no, transpose::no, -1, 2, 2, 1.0f, c.data(), 2, c.data(), 2, 0.0f,
                              c.data(), 2),
                    argument_error);
}
