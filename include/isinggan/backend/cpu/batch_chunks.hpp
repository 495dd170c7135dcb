#pragma once
// How a convolution's batch is cut into chunks of samples, and the loop over
// them: serial, or one chunk per OpenMP iteration with each thread using its
// own slots of the workspace. The im2col path (conv2d.hpp, make_plan) and the
// tap path (conv2d_taps.hpp, make_tap_plan) size the chunks differently and
// share the rest.
#include <algorithm>

#include "isinggan/backend/cpu/threading.hpp"
#include "isinggan/backend/cpu/workspace.hpp"

namespace isinggan::cpu_detail {

struct batch_chunks {
    int chunk;    // samples per chunk
    int chunks;   // number of chunks
    int threads;  // 1: serial chunks
};

/// Calls body(b0, nb, thread) for every chunk of the n samples: the chunk's
/// first sample, its size and the thread (workspace slot) running it.
template <class Body>
void for_each_chunk(int n, const batch_chunks& plan, cpu_workspace& ws, Body&& body) {
    if (plan.threads <= 1) {
        for (int b0 = 0; b0 < n; b0 += plan.chunk) body(b0, std::min(plan.chunk, n - b0), 0);
        return;
    }
    ws.reserve_threads(plan.threads);
#if defined(_OPENMP)
#pragma omp parallel for num_threads(plan.threads) schedule(static)
#endif
    for (int i = 0; i < plan.chunks; ++i) {
        const int b0 = i * plan.chunk;
        body(b0, std::min(plan.chunk, n - b0), thread_index());
    }
}

}  // namespace isinggan::cpu_detail
