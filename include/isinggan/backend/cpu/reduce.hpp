#pragma once
// Per-channel reductions over batch and space, the statistics batch norm needs.
#include <span>
#include <string>

#include "isinggan/backend/cpu/conv2d.hpp"
#include "isinggan/backend/cpu/threading.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan::ops {

/// sum[c] = sum of x[n][c][:][:] over n and space, accumulated in double.
inline void channel_sum(cpu, const tensor<cpu>& x, std::span<float> sum) {
    conv2d_backward_bias(cpu{}, x, sum, false);
}

/// Per-channel mean and biased variance (divisor N*H*W, as batch norm uses in
/// training), two passes in double so large means do not cancel the variance.
inline void channel_mean_var(cpu, const tensor<cpu>& x, std::span<float> mean, std::span<float> var) {
    require_nonempty(x.shape(), "channel_mean_var");
    if (mean.size() != x.c() || var.size() != x.c())
        throw shape_error("channel_mean_var: need " + std::to_string(x.c()) + " means and variances for tensor " +
                          x.shape().str());
    const long n = long(x.n()), plane = long(x.h() * x.w()), channels = long(x.c());
    const double count = double(n) * plane;
    cpu_detail::parallel_for(channels, n * plane * 2, [&](long c) {
        double s = 0.0;
        for (long b = 0; b < n; ++b) {
            const float* p = x.plane(b, c);
            for (long i = 0; i < plane; ++i) s += p[i];
        }
        const double m = s / count;
        double q = 0.0;
        for (long b = 0; b < n; ++b) {
            const float* p = x.plane(b, c);
            for (long i = 0; i < plane; ++i) {
                const double d = p[i] - m;
                q += d * d;
            }
        }
        mean[c] = float(m);
        var[c] = float(q / count);
    });
}

}  // namespace isinggan::ops
