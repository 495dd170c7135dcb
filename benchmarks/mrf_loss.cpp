// The fused MRF smoothness losses (energy and gradient in one pass) on the
// paper's mask batch, 64 × 1 × 256 × 256, reported as pixels per second.
#include <benchmark/benchmark.h>

#include <string>

#include "isinggan/core/random.hpp"
#include "isinggan/losses/mrf.hpp"

namespace ig = isinggan;

namespace {

template <class Loss>
void bm_mrf(benchmark::State& state, ig::shape4 s, bool with_gradient) {
    ig::rng gen(5);
    ig::tensor<ig::cpu> f(s), grad;
    ig::fill_uniform(f, 0.0, 1.0, gen);
    ig::tensor<ig::cpu> guide({s.n, 3, s.h, s.w});
    if constexpr (Loss::needs_guide) ig::fill_uniform(guide, 0.0, 1.0, gen);
    Loss loss;
    for (auto _ : state) {
        double e;
        if constexpr (Loss::needs_guide)
            e = with_gradient ? loss.forward_backward(f, guide, grad) : loss.forward(f, guide);
        else
            e = with_gradient ? loss.forward_backward(f, grad) : loss.forward(f);
        benchmark::DoNotOptimize(e);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.size()));
}

template <class Loss>
void add(const std::string& name, ig::shape4 s) {
    const std::string key = "mrf/" + name + "/" + std::to_string(s.n) + "x" + std::to_string(s.c) + "x" +
                            std::to_string(s.h) + "x" + std::to_string(s.w);
    for (bool g : {false, true})
        benchmark::RegisterBenchmark((key + (g ? "/energy+gradient" : "/energy")).c_str(), bm_mrf<Loss>, s, g)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
}

const int registered = [] {
    const ig::shape4 masks{64, 1, 256, 256};
    add<ig::mrf_loss<ig::ising>>("ising_4n", masks);
    add<ig::mrf_loss<ig::ising_bilinear, ig::eight_neighborhood>>("ising_bilinear_8n", masks);
    add<ig::mrf_loss<ig::huber<0.1>, ig::eight_neighborhood_distance_weighted>>("huber_8n_weighted", masks);
    add<ig::mrf_loss<ig::ising, ig::four_neighborhood, ig::image_guided<0.2>>>("ising_4n_guided", masks);
    add<ig::mrf_loss<ig::potts<3>>>("potts3_4n", ig::shape4{64, 3, 256, 256});
    add<ig::laplacian_l1>("laplacian_l1", masks);
    return 0;
}();

}  // namespace
