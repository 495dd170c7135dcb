// isinggan_bench_gpu: the paper's training step on the GPU, timed the way
// benchmarks/gpu/torch_gan_step.py times PyTorch, so the two can run side by
// side on one machine (benchmarks/gpu/compare.py does that and prints ratios).
//
// One step = gan_trainer::step(real, z): discriminator on the real and the
// generated batch, Adam; generator through the updated discriminator plus the
// Ising term on the mask (λ = 1.5), Adam. The real batch and z already lie on
// the GPU (data loading is not timed, as in the PyTorch script); each timed
// step ends with cudaDeviceSynchronize.
//
//   isinggan_bench_gpu [--size 256] [--batch 64] [--width-divisor 1]
//                      [--models gan,resgan] [--warmup 3] [--steps 10] [--json out.json]
//                      [--math fp32|tf32] [--search benchmark|heuristic]   (backend/cuda/settings.hpp)
//                      [--breakdown]   (also time each phase of the step on its own)
// Sizes and width divisors compiled in: 256 with 1, 64 with 4, 32 with 8.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "isinggan/backend/cuda/ops.hpp"
#include "isinggan/models/discriminator.hpp"
#include "isinggan/models/generator.hpp"
#include "isinggan/train/gan_trainer.hpp"

using namespace isinggan;

namespace {

struct settings {
    int size = 256, batch = 64, width = 1, warmup = 3, steps = 10;
    std::vector<std::string> models{"gan", "resgan"};
    std::string json;
    bool breakdown = false;
    cuda_settings cuda;
};

struct result {
    std::string model;
    double median_ms = 0, min_ms = 0;
    std::vector<double> times_ms;
    std::size_t g_params = 0, d_params = 0;
};

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr,
                 "isinggan_bench_gpu: %s\n"
                 "usage: isinggan_bench_gpu [--size 256|64|32] [--batch N] [--width-divisor 1|4|8]\n"
                 "                          [--models gan,resgan] [--warmup N] [--steps N] [--json FILE]\n"
                 "                          [--math fp32|tf32] [--search benchmark|heuristic] [--breakdown]\n",
                 why.c_str());
    std::exit(2);
}

settings parse(int argc, char** argv) {
    settings s;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(a + " needs a value");
            return argv[++i];
        };
        auto number = [&]() {
            const std::string v = value();
            try {
                std::size_t used = 0;
                const int n = std::stoi(v, &used);
                if (used != v.size() || n < 0) throw std::invalid_argument(v);
                return n;
            } catch (const std::exception&) {
                usage(a + " takes a non-negative whole number, got \"" + v + "\"");
            }
        };
        if (a == "--size") s.size = number();
        else if (a == "--batch") s.batch = number();
        else if (a == "--width-divisor") s.width = number();
        else if (a == "--warmup") s.warmup = number();
        else if (a == "--steps") s.steps = number();
        else if (a == "--json") s.json = value();
        else if (a == "--breakdown") s.breakdown = true;
        else if (a == "--math") {
            const std::string m = value();
            if (m != "fp32" && m != "tf32") usage("--math takes fp32 or tf32, got \"" + m + "\"");
            s.cuda.math = m == "tf32" ? cuda_math::tf32 : cuda_math::fp32;
        } else if (a == "--search") {
            const std::string m = value();
            if (m != "benchmark" && m != "heuristic") usage("--search takes benchmark or heuristic, got \"" + m + "\"");
            s.cuda.search = m == "heuristic" ? conv_algorithm_search::heuristic : conv_algorithm_search::benchmark;
        }
        else if (a == "--models") {
            s.models.clear();
            std::stringstream in(value());
            for (std::string m; std::getline(in, m, ',');) {
                if (m != "gan" && m != "resgan") usage("unknown model \"" + m + "\" (gan, resgan)");
                s.models.push_back(m);
            }
        } else if (a == "-h" || a == "--help") usage("times one GAN training step on the GPU");
        else usage("unknown argument \"" + a + "\"");
    }
    if (s.batch < 2) usage("--batch must be at least 2 (batch norm)");
    if (s.steps < 1) usage("--steps must be at least 1");
    return s;
}

template <class Generator, class Discriminator>
result time_model(const settings& s, const std::string& name) {
    using trainer = train::gan_trainer<Generator, Discriminator, mrf_loss<ising>>;
    train::gan_options o;
    o.batch = std::size_t(s.batch);
    auto t = std::make_unique<trainer>(o);
    // A batch of the right value ranges, made on the host once.
    rng gen(7);
    tensor<cpu> real({std::size_t(s.batch), 4, std::size_t(s.size), std::size_t(s.size)});
    fill_uniform(real, -1.0, 1.0, gen);
    for (std::size_t n = 0; n < real.n(); ++n)
        for (float* m = real.plane(n, 3); m != real.plane(n, 3) + real.shape().plane_size(); ++m) *m = *m > 0 ? 1.0f : 0.0f;
    tensor<cpu> z({std::size_t(s.batch), 100, 1, 1});
    fill_uniform(z, -1.0, 1.0, gen);
    const tensor<cuda> real_d = to_device(real), z_d = to_device(z);

    result r;
    r.model = name;
    r.g_params = parameter_count(t->generator());
    r.d_params = parameter_count(t->discriminator());
    for (int i = 0; i < s.warmup + s.steps; ++i) {
        ISINGGAN_CUDA_CHECK(cudaDeviceSynchronize());
        const auto start = std::chrono::steady_clock::now();
        t->step(real_d, z_d);
        ISINGGAN_CUDA_CHECK(cudaDeviceSynchronize());
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        if (i >= s.warmup) r.times_ms.push_back(ms);
    }
    std::vector<double> sorted = r.times_ms;
    std::sort(sorted.begin(), sorted.end());
    r.min_ms = sorted.front();
    r.median_ms = sorted.size() % 2 ? sorted[sorted.size() / 2]
                                    : 0.5 * (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]);
    return r;
}

/// --breakdown: the phases of one step run one by one with a synchronisation
/// after each, to show where the time goes (the sum exceeds a real step's
/// time by the lost overlap).
template <class Generator, class Discriminator>
void print_breakdown(const settings& s, const std::string& name) {
    auto g = std::make_unique<Generator>();
    auto d = std::make_unique<Discriminator>();
    optim::basic_adam<cuda> g_adam({.lr = 2e-4}), d_adam({.lr = 2e-4});
    mrf_loss<ising> smooth(mrf_options{.lambda = 1.5, .reduce = reduction::mean});
    rng gen(7);
    tensor<cpu> real_host({std::size_t(s.batch), 4, std::size_t(s.size), std::size_t(s.size)}),
        z_host({std::size_t(s.batch), 100, 1, 1});
    fill_uniform(real_host, -1.0, 1.0, gen);
    fill_uniform(z_host, -1.0, 1.0, gen);
    const tensor<cuda> real = to_device(real_host), z = to_device(z_host);
    tensor<cuda> fake, grad, d_image, d_mask;
    std::vector<std::pair<std::string, double>> phases;
    auto phase = [&](const std::string& what, auto&& f) {
        ISINGGAN_CUDA_CHECK(cudaDeviceSynchronize());
        const auto start = std::chrono::steady_clock::now();
        f();
        ISINGGAN_CUDA_CHECK(cudaDeviceSynchronize());
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        for (auto& [k, v] : phases)
            if (k == what) {
                v += ms;
                return;
            }
        phases.emplace_back(what, ms);
    };
    const int rounds = s.warmup + s.steps;
    for (int i = 0; i < rounds; ++i) {
        if (i == s.warmup) phases.clear();
        const tensor<cuda>* image = nullptr;
        const tensor<cuda>* mask = nullptr;
        phase("G forward", [&] {
            auto [im, m] = g->forward(z);
            image = &im;
            mask = &m;
        });
        phase("stack fake pairs", [&] { concat_channels(cuda{}, *image, *mask, fake); });
        phase("D zero_grad", [&] { zero_grad(*d); });
        phase("D forward (real, fake, fake)", [&] { bce_with_logits(cuda{}, d->forward(real), 1.0f, &grad); });
        phase("D backward, parameters only (real, fake)", [&] { backward_params(*d, grad); });
        phase("D forward (real, fake, fake)", [&] { bce_with_logits(cuda{}, d->forward(fake), 0.0f, &grad); });
        phase("D backward, parameters only (real, fake)", [&] { backward_params(*d, grad); });
        phase("D Adam", [&] { d_adam.step(*d); });
        phase("D forward (real, fake, fake)", [&] { bce_with_logits(cuda{}, d->forward(fake), 1.0f, &grad); });
        const tensor<cuda>* d_input = nullptr;
        phase("D backward, input gradient only", [&] { d_input = &backward_input(*d, grad); });
        phase("split, Ising term", [&] {
            split_channels(cuda{}, *d_input, 3, d_image, d_mask);
            ops::smoothness_forward_backward(cuda{}, smooth, *mask, *image, d_mask, gradient_mode::accumulate);
        });
        phase("G zero_grad", [&] { zero_grad(*g); });
        phase("G backward", [&] { g->backward(d_image, d_mask); });
        phase("G Adam", [&] { g_adam.step(*g); });
    }
    double total = 0;
    for (const auto& [k, v] : phases) total += v;
    std::printf("breakdown of %s (%d steps, ms per step):\n", name.c_str(), s.steps);
    for (const auto& [k, v] : phases) std::printf("  %-44s %8.2f  %5.1f%%\n", k.c_str(), v / s.steps, 100 * v / total);
}

template <int Size, int Width>
result run(const settings& s, const std::string& model) {
    if (s.breakdown) {
        if (model == "gan")
            print_breakdown<models::paper_generator<Size, Width, cuda>, models::paper_discriminator<Size, Width, cuda>>(
                s, model);
        else
            print_breakdown<models::residual_generator<Size, Width, cuda>,
                            models::paper_discriminator<Size, Width, cuda>>(s, model);
    }
    if (model == "gan")
        return time_model<models::paper_generator<Size, Width, cuda>, models::paper_discriminator<Size, Width, cuda>>(
            s, model);
    return time_model<models::residual_generator<Size, Width, cuda>, models::paper_discriminator<Size, Width, cuda>>(
        s, model);
}

}  // namespace

int main(int argc, char** argv) {
    const settings s = parse(argc, argv);
    if (cuda_detail::device_count() == 0) {
        std::fprintf(stderr, "isinggan_bench_gpu: no CUDA device present\n");
        return 77;
    }
    cuda_config() = s.cuda;
    cudaDeviceProp prop{};
    ISINGGAN_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
    std::vector<result> results;
    try {
        for (const auto& m : s.models) {
            result r;
            if (s.size == 256 && s.width == 1) r = run<256, 1>(s, m);
            else if (s.size == 64 && s.width == 4) r = run<64, 4>(s, m);
            else if (s.size == 32 && s.width == 8) r = run<32, 8>(s, m);
            else usage("compiled sizes are 256 (width divisor 1), 64 (4) and 32 (8)");
            std::printf("isinggan %s %dpx b%d w%d %s: median %.2f ms, min %.2f ms (%d steps) [G %zu, D %zu parameters]\n",
                        m.c_str(), s.size, s.batch, s.width, s.cuda.math == cuda_math::tf32 ? "tf32" : "fp32",
                        r.median_ms, r.min_ms, s.steps, r.g_params, r.d_params);
            std::fflush(stdout);
            results.push_back(r);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "isinggan_bench_gpu: %s\n", e.what());
        return 1;
    }
    if (!s.json.empty()) {
        std::ofstream f(s.json);
        f << "{\n  \"framework\": \"isinggan\",\n  \"device_name\": \"" << prop.name << "\",\n  \"size\": " << s.size
          << ",\n  \"math\": \"" << (s.cuda.math == cuda_math::tf32 ? "tf32" : "fp32") << "\",\n  \"batch\": " << s.batch << ",\n  \"width_divisor\": " << s.width << ",\n  \"results\": [\n";
        for (std::size_t i = 0; i < results.size(); ++i) {
            const auto& r = results[i];
            f << "    {\"model\": \"" << r.model << "\", \"median_ms\": " << r.median_ms << ", \"min_ms\": " << r.min_ms
              << ", \"steps\": " << r.times_ms.size() << ", \"generator_parameters\": " << r.g_params
              << ", \"discriminator_parameters\": " << r.d_params << "}" << (i + 1 < results.size() ? "," : "")
              << "\n";
        }
        f << "  ]\n}\n";
        if (!f) {
            std::fprintf(stderr, "isinggan_bench_gpu: cannot write %s\n", s.json.c_str());
            return 1;
        }
    }
    return 0;
}
