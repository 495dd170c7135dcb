#pragma once
// The GAN programs' `sample` and `export` commands: the generator of a
// checkpoint (its moving average when the run kept one) draws pairs, on the CPU,
// whichever device trained it.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>

#include "checkpoint_metadata.hpp"
#include "gan_args.hpp"
#include "gan_models.hpp"
#include "gan_resume.hpp"
#include "pair_report.hpp"
#include "isinggan/train/gan_export.hpp"
#include "isinggan/train/gan_sampling.hpp"
#include "isinggan/train/progress.hpp"
#include "isinggan/train/sample_grid.hpp"

namespace isinggan::examples {

/// `sample` (a grid of --n pairs in one PNG) or `export` (--n pairs as files) from --checkpoint.
template <template <int, int> class Generator>
int generate_from_checkpoint(const std::string& name, const program_args& a) {
    const auto meta = train::read_checkpoint_info(a.checkpoint).metadata;
    check_program(meta, a.checkpoint, name, Generator<32, 8>::name);
    const int size = int(metadata_number(meta, "size", a.checkpoint));
    // Runs from before --patch trained on whole images: their "size" is the networks' side.
    const int patch = meta.count("patch") ? int(metadata_number(meta, "patch", a.checkpoint)) : size;
    if (!models::supported_size(patch) || patch > size || size % patch != 0)
        throw io_error(a.checkpoint + ": checkpoint entries \"size\" " + std::to_string(size) +
                       " and \"patch\" " + std::to_string(patch) + " do not fit together");
    const std::size_t tiles = std::size_t(size / patch);
    const int divisor = width_divisor(metadata_number(meta, "width", a.checkpoint));
    const std::string networks = meta.count("networks") ? meta.at("networks") : "paper";
    if (networks != "paper" && networks != "dcgan")
        throw io_error(a.checkpoint + ": unknown \"networks\" entry '" + networks + "'");
    return for_cpu_model(patch, divisor, [&]<int S, int D>() { return with_generator<Generator, S, D>(networks, [&]<class G>() {
        G g;
        train::load_generator(a.checkpoint, g);
        {
            const checkpoint_reader r(a.checkpoint);
            if (train::checkpoint_holds(r, g, train::generator_ema_prefix))
                std::cout << "drawing from the generator's moving average (--ema) in " << a.checkpoint << '\n';
        }
        if (a.command == "sample") {
            tensor<cpu> images, masks;
            train::generate_tiled(g, a.seed, 0, a.n, tiles, images, masks);
            const fs::path out = a.out;
            if (out.has_parent_path()) fs::create_directories(out.parent_path());
            train::write_sample_grid(out, images, masks);
            std::cout << "wrote " << a.n << " samples to " << out.string() << '\n'
                      << pair_report_line(measure_pairs(images, masks, a.seed), a.n) << '\n';
            return 0;
        }
        train::progress_reporter progress("export", a.n);
        train::export_options o;
        o.count = a.n;
        o.seed = a.seed;
        o.batch = a.batch;
        o.prefix = name;
        o.tiles = tiles;
        o.on_progress = [&](std::size_t done) { progress.update(done); };
        const auto r = train::export_pairs(g, a.out, o);
        progress.finish();
        std::cout << "exported " << r.pairs << " pairs to " << a.out << " in " << short_text(r.seconds) << " s ("
                  << short_text(r.pairs_per_second()) << " pairs/s)\n";
        // Sample i depends on (seed, i) only: these are the first exported pairs, bit for bit.
        tensor<cpu> images, masks;
        train::generate_tiled(g, a.seed, 0, std::min<std::size_t>(r.pairs, 256), tiles, images, masks);
        std::cout << pair_report_line(measure_pairs(images, masks, a.seed), r.pairs) << '\n';
        return 0;
    }); });
}

}  // namespace isinggan::examples
