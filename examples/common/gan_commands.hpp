#pragma once
// What the four GAN programs (examples/gan, resgan, ising_gan, ising_resgan)
// do: the commands train, sample, export and the no-argument demo, for the
// program's generator and smoothness policy. The command line is gan_cli.hpp's,
// and gan_program::run, which parses it, is defined with it in gan_program.hpp:
// this header goes without CLI11, so the part nvcc compiles
// (gan_program_cuda.cuh) includes it alone.
//
// The pieces: gan_recipe.hpp (the defaults of the flags not given),
// gan_resume.hpp (a resumed run's settings), gan_models.hpp (the networks built),
// gan_training_run.hpp (the training run, compiled once per network pair) and
// gan_generate.hpp (sample and export).
#include <filesystem>
#include <iostream>
#include <string>

#include "checkpoint_metadata.hpp"
#include "gan_args.hpp"
#include "gan_generate.hpp"
#include "gan_models.hpp"
#include "gan_recipe.hpp"
#include "gan_resume.hpp"
#include "run_files.hpp"

namespace isinggan::examples {

namespace fs = std::filesystem;

template <template <int, int> class Generator, class Smoothness>
class gan_program {
    static_assert(listed<Smoothness, program_smoothness_policies>,
                  "the training units compile the smoothness policies of gan_models.hpp's list only");

public:
    /// The program: parses the command line (argv) and runs its command; returns the exit status.
    /// Defined in gan_program.hpp.
    static int run(const std::string& name, int argc, char** argv);

private:
    static constexpr bool ising = Smoothness::enabled;

    /// No arguments: a few minutes of training on synthetic data at a small
    /// side, then a small exported set.
    static int demo(const std::string& name) {
        program_args a;
        a.command = "train";
        a.out = (fs::path("isinggan-runs") / name).string();
        a.size = 32;
        a.width = 0.25;
        a.batch = 32;
        // 2000 steps: by then the masks have the synthetic nuclei's number, size and contrast and
        // differ from sample to sample; at 300 steps they were one repeated shape (measured:
        // examples/README.md, "Run").
        a.iters = 2000;
        a.sample_every = 250;
        a.checkpoint_every = 500;
        a.overwrite = true;  // each demo run replaces the previous one
        // The recipe's average (0.999) would still be mostly the initial weights after 2000 steps.
        a.ema = 0.99;
        // Measured as above without the recipe's ambiguity penalty (measured at 64 px only).
        a.mask_ambiguity = 0.0;
        std::cout << name << ": no arguments, so a short demo: " << *a.iters << " steps at " << *a.size << "x"
                  << *a.size << ", width " << *a.width << ", on the embedded synthetic nuclei (" << name
                  << " --help lists the flags)\n";
        if (const int rc = train(name, a); rc != 0) return rc;
        program_args e;
        e.command = "export";
        e.checkpoint = checkpoint_path(a.out).string();
        e.out = (fs::path(a.out) / "export").string();
        e.n = 256;
        if (const int rc = generate_from_checkpoint(name, e); rc != 0) return rc;
        std::cout << "\nEverything is under " << fs::absolute(a.out).string() << ":\n"
                  << "  config.json, log.csv          settings and the per-step losses\n"
                  << "  checkpoint.safetensors        both networks and their optimizers\n"
                  << "  samples/step_*.png            generated images with the mask outline in green\n"
                  << "  export/images, export/masks   " << e.n << " generated pairs (flat layout), manifest.csv\n";
        return 0;
    }

    static int train(const std::string& name, program_args a) {
        const fs::path run = a.out;
        if (!a.resume && !a.overwrite) {
            // A second run in the same folder would overwrite the first one's checkpoint and mix the logs.
            if (const auto found = run_files_in(run); !found.empty())
                throw usage_error("--out " + run.string() + " already holds a run (" + found.front() +
                                  (found.size() > 1 ? " and " + found.back() : "") +
                                  "): continue it with --resume, or replace it with --overwrite");
        }
        if (a.resume) resume_settings(a, name, Generator<32, 8>::name, ising);
        if (!ising && a.lambda) throw usage_error("--lambda: " + name + " has no smoothness term");
        if (!ising && a.smooth_mask) throw usage_error("--smooth-mask: " + name + " has no smoothness term");
        apply_recipe(a);
        if (a.device == "cuda") {
#ifdef ISINGGAN_EXAMPLES_CUDA
            return train_on_gpu(name, a);
#else
            throw usage_error("--device cuda: this build of " + name +
                              " has no CUDA backend (build it where the CUDA toolkit and cuDNN are installed)");
#endif
        }
        return for_cpu_model(*a.patch, width_divisor(a.width.value_or(1.0)), [&]<int S, int D>() {
            return with_networks<Generator, cpu, S, D>(
                a, [&]<class Networks>() { return train_networks<Networks, cpu, Smoothness>(name, a); });
        });
    }

#ifdef ISINGGAN_EXAMPLES_CUDA
    /// train on the GPU: defined in gan_program_cuda.cuh, compiled by nvcc
    /// in the program's cuda.cu.
    static int train_on_gpu(const std::string& name, const program_args& a);
#endif

    static int generate_from_checkpoint(const std::string& name, const program_args& a) {
        return examples::generate_from_checkpoint<Generator>(name, a);
    }
};

}  // namespace isinggan::examples
