#pragma once
// The program behind examples/gan, resgan, ising_gan and ising_resgan: the
// command line (gan_cli.hpp) and the commands (gan_commands.hpp). A program's
// main.cpp includes this header and calls run:
//
//     int main(int argc, char** argv) {
//         return isinggan::examples::gan_program<isinggan::models::residual_generator,
//                                                isinggan::mrf_loss<isinggan::ising>>::run("ising_resgan", argc, argv);
//     }
#include <exception>
#include <iostream>
#include <string>

#include "gan_cli.hpp"
#include "gan_commands.hpp"
#include "job.hpp"
#include "program_main.hpp"

namespace isinggan::examples {

template <template <int, int> class Generator, class Smoothness>
int gan_program<Generator, Smoothness>::run(const std::string& name, int argc, char** argv) {
    // Under mpirun or srun, one rank of a data-parallel job (docs/cluster.md).
    return program_main(name, name + " <command>", argc, argv, [&](job& ranks) {
        const program_args args = parse_args(argc, argv, name);
        if (args.help) {
            std::cout << args.help_text;
            return 0;
        }
        if (args.command.empty()) return demo(name);
        set_threads(args.threads);
        if (args.command == "train") return train(name, args);
        if (ranks.rank() != 0) return 0;  // sample and export: rank 0 alone draws and writes
        return generate_from_checkpoint(name, args);
    });
}

}  // namespace isinggan::examples
