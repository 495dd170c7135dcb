#pragma once
// OpenMP across cores, when the build has it. Without OpenMP the loops run
// serially and give the same results.
#include <cstddef>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace isinggan::cpu_detail {

inline int max_threads() noexcept {
#if defined(_OPENMP)
    return omp_get_max_threads();
#else
    return 1;
#endif
}

inline int thread_index() noexcept {
#if defined(_OPENMP)
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/// True inside an OpenMP parallel region (where work must not be split again).
inline bool in_parallel() noexcept {
#if defined(_OPENMP)
    return omp_in_parallel() != 0;
#else
    return false;
#endif
}

/// Work (in rough flops) below which a loop stays on one thread. Waking the
/// other threads costs microseconds on an idle machine but can cost a whole
/// scheduler time slice on a busy one, so small loops are not worth it.
inline constexpr std::size_t min_parallel_work = std::size_t(1) << 18;

/// Threads for a kernel of about `flops` work: one inside a parallel region or
/// for tiny work (waking the others costs more), else all of them.
inline int threads_for(double flops) noexcept {
    return in_parallel() || flops < double(min_parallel_work) * 4 ? 1 : max_threads();
}

/// Calls body(i) for i in [0, n), split across threads when the total work
/// (n * cost_per_item, in rough flops) makes it worth waking them.
template <class Body>
void parallel_for(std::ptrdiff_t n, std::size_t cost_per_item, Body&& body) {
#if defined(_OPENMP)
    if (n > 1 && (cost_per_item >= min_parallel_work || static_cast<std::size_t>(n) * cost_per_item >= min_parallel_work) && !omp_in_parallel()) {
#pragma omp parallel for schedule(static)
        for (std::ptrdiff_t i = 0; i < n; ++i) body(i);
        return;
    }
#endif
    (void)cost_per_item;
    for (std::ptrdiff_t i = 0; i < n; ++i) body(i);
}

}  // namespace isinggan::cpu_detail
