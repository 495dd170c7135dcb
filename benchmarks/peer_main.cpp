// The peer benchmark: the same work timed in isinggan and in libtorch in one
// run, reported as a ratio. Benchmarks come in pairs "<case>/isinggan" and
// "<case>/libtorch" (plus optional "<case>/libtorch_<variant>", another way
// of writing the libtorch side, shown as "<case>_<variant>"); after the usual Google Benchmark output this prints
// one line per case with isinggan time / libtorch time (below 1: we are faster).
//
// Both sides get the same threads: libtorch is told to use as many as OpenMP
// offers (Debian's build starts with one).
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdio>
#include <map>
#include <string>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace {

struct timing {
    double isinggan = 0, libtorch = 0;
    double gflops = 0;  // isinggan's, when the benchmark reports GFLOP/s
};

class ratio_reporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const auto& r : runs) {
            if (r.run_type != Run::RT_Iteration || r.error_occurred) continue;
            const std::string name = r.run_name.function_name;  // without the /real_time suffix
            const auto slash = name.rfind('/');
            if (slash == std::string::npos) continue;
            const std::string side = name.substr(slash + 1), key = name.substr(0, slash);
            const double t = r.GetAdjustedRealTime();
            if (side.rfind("isinggan", 0) == 0) {
                table[key].isinggan = t;
                if (auto it = r.counters.find("GFLOP/s"); it != r.counters.end()) table[key].gflops = it->second.value;
            } else if (side.rfind("libtorch", 0) == 0) {
                // "libtorch_<variant>" is a second libtorch way of doing the case's work,
                // compared with the same isinggan run.
                table[key + side.substr(std::string("libtorch").size())].libtorch = t;
            }
        }
    }
    std::map<std::string, timing> table;
};

}  // namespace

int main(int argc, char** argv) {
#if defined(_OPENMP)
    const int threads = omp_get_max_threads();
#else
    const int threads = 1;
#endif
    torch::set_num_threads(threads);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    ratio_reporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();

    std::printf("\nisinggan vs libtorch %s, %d threads each (ratio = isinggan time / libtorch time)\n",
                TORCH_VERSION, threads);
    std::printf("%-52s %12s %12s %8s %10s\n", "case", "isinggan ms", "libtorch ms", "ratio", "GFLOP/s");
    for (auto [key, t] : reporter.table) {
        if (t.isinggan <= 0) {  // a libtorch variant: the isinggan run of its case
            for (const auto& [base, b] : reporter.table)
                if (b.isinggan > 0 && key.rfind(base + "_", 0) == 0) t.isinggan = b.isinggan, t.gflops = b.gflops;
        }
        if (t.isinggan <= 0 || t.libtorch <= 0) continue;
        std::printf("%-52s %12.3f %12.3f %8.3f %10.1f\n", key.c_str(), t.isinggan, t.libtorch, t.isinggan / t.libtorch,
                    t.gflops);
    }
    return 0;
}
