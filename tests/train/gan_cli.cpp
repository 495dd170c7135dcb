// The GAN programs' command line: defaults, and a clear usage_error for
// every malformed command (the programs print it and exit with status 2).
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "../../examples/common/gan_cli.hpp"
#include "support/error_message.hpp"

using isinggan::examples::parse_args;
using isinggan::examples::program_args;
using isinggan::examples::usage_error;

namespace {

program_args parse(std::vector<std::string> words) {
    words.insert(words.begin(), "ising_resgan");
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    return parse_args(int(argv.size()), argv.data());
}

std::string error_of(std::vector<std::string> words) {
    return isinggan::testing::error_message<usage_error>([&] { parse(std::move(words)); });
}

}  // namespace

TEST_CASE("no arguments is the demo run, flags fill the settings") {
    CHECK(parse({}).command.empty());
    const auto a = parse({"train", "--out", "run", "--size", "32", "--width", "0.25", "--batch", "16", "--iters", "10",
                          "--lambda", "2.5", "--seed", "7", "--resume"});
    CHECK(a.command == "train");
    CHECK(a.out == "run");
    CHECK(*a.size == 32);
    CHECK(*a.width == 0.25);
    CHECK(a.batch == 16);
    CHECK(a.iters == 10);
    CHECK(*a.lambda == 2.5);
    CHECK(a.seed == 7);
    CHECK(a.seed_given);
    CHECK_FALSE(parse({"train", "--out", "run"}).seed_given);
    CHECK(a.resume);
    CHECK(parse({"sample", "--checkpoint", "c", "--out", "g.png"}).n == 64);
    CHECK(parse({"export", "--checkpoint", "c", "--out", "d"}).n == 1000);
    CHECK(parse({"train", "--help"}).help);
    CHECK(parse({"train", "--out", "r"}).device == "cpu");
    CHECK(parse({"train", "--out", "r", "--device", "cuda"}).device == "cuda");
}

TEST_CASE("a malformed command line names the flag and the problem") {
    CHECK(error_of({"fit"}).find("unknown command 'fit'") != std::string::npos);
    CHECK(error_of({"train"}).find("needs --out") != std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--size"}).find("--size needs a value") != std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--size", "-3"}).find("--size needs a non-negative whole number") !=
          std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--lr", "fast"}).find("--lr needs a number") != std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--batch", "1"}).find("--batch must be at least 2") != std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--iters", "0"}).find("--iters") != std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--modality", "2"}).find("--modality needs --modalities") !=
          std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--out", "s"}).find("given twice") != std::string::npos);
    CHECK(error_of({"sample", "--out", "g.png"}).find("needs --checkpoint") != std::string::npos);
    CHECK(error_of({"sample", "--checkpoint", "c", "--out", "g", "--iters", "3"}).find("'sample' does not take --iters") !=
          std::string::npos);
    CHECK(error_of({"export", "--checkpoint", "c", "--out", "d", "--n", "0"}).find("--n must be at least 1") !=
          std::string::npos);
    CHECK(error_of({"train", "--out", "r", "stray"}).find("unexpected argument 'stray'") != std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--device", "gpu"}).find("--device takes cpu or cuda, got 'gpu'") !=
          std::string::npos);
    CHECK(error_of({"export", "--checkpoint", "c", "--out", "d", "--device", "cuda"}).find("does not take --device") !=
          std::string::npos);
}

TEST_CASE("--minutes, --overwrite: a time limit beside or instead of --iters, and a run replaced") {
    const auto plain = parse({"train", "--out", "r"});
    CHECK(plain.iters == 2000u);  // no --minutes: the step limit as before
    CHECK_FALSE(plain.minutes);
    CHECK_FALSE(plain.overwrite);
    const auto timed = parse({"train", "--out", "r", "--minutes", "0.5"});
    CHECK(*timed.minutes == 0.5);
    CHECK_FALSE(timed.iters);  // the time limit alone: no step limit
    const auto both = parse({"train", "--out", "r", "--minutes", "2", "--iters", "100"});
    CHECK(*both.minutes == 2.0);
    CHECK(both.iters == 100u);
    const auto resumed = parse({"train", "--out", "r", "--resume", "--minutes", "1e-3"});
    CHECK(resumed.resume);
    CHECK(*resumed.minutes == 1e-3);
    CHECK(parse({"train", "--out", "r", "--overwrite"}).overwrite);
}

TEST_CASE("--minutes and --overwrite refuse what they cannot mean") {
    CHECK(error_of({"train", "--out", "r", "--minutes", "0"})
              .find("--minutes needs a positive number of minutes, got '0'") != std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--minutes", "-1.5"}).find("--minutes needs a positive number") !=
          std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--minutes", "soon"}).find("--minutes needs a number, got 'soon'") !=
          std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--minutes", "inf"}).find("--minutes needs a number") != std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--minutes"}).find("--minutes needs a value") != std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--minutes", "1", "--iters", "0"}).find("--iters must be at least 1") !=
          std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--resume", "--overwrite"}).find("give one of them") != std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--overwrite", "--overwrite"}).find("--overwrite is given twice") !=
          std::string::npos);
    CHECK(error_of({"sample", "--checkpoint", "c", "--out", "g", "--minutes", "1"})
              .find("'sample' does not take --minutes") != std::string::npos);
    CHECK(error_of({"export", "--checkpoint", "c", "--out", "d", "--overwrite"})
              .find("'export' does not take --overwrite") != std::string::npos);
}

TEST_CASE("a whole number out of its flag's type is refused, not wrapped around") {
    CHECK(error_of({"train", "--out", "r", "--size", "4294967328"})
              .find("--size is out of range: '4294967328' (at most 2147483647)") != std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--threads", "4294967297"})
              .find("--threads is out of range: '4294967297' (at most 2147483647)") != std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--seed", "18446744073709551616"}).find("--seed is out of range") !=
          std::string::npos);
    CHECK(error_of({"export", "--checkpoint", "c", "--out", "d", "--threads", "2147483648"})
              .find("--threads is out of range") != std::string::npos);
    // Compared with the (64-bit, signed) step count: above its range they would wrap to negative.
    CHECK(error_of({"train", "--out", "r", "--checkpoint-every", "9223372036854775808"})
              .find("--checkpoint-every is out of range: '9223372036854775808' (at most 9223372036854775807)") !=
          std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--sample-every", "18446744073709551615"}).find("--sample-every is out of range") !=
          std::string::npos);
    CHECK(parse({"train", "--out", "r", "--sample-every", "9223372036854775807"}).sample_every == 9223372036854775807ull);
    // The largest values of the types are still taken.
    CHECK(parse({"train", "--out", "r", "--threads", "2147483647"}).threads == 2147483647);
    CHECK(parse({"train", "--out", "r", "--seed", "18446744073709551615"}).seed == 18446744073709551615ull);
}

TEST_CASE("--override goes with --resume; the flags given are kept for the resume to compare") {
    CHECK(error_of({"train", "--out", "r", "--override"}).find("--override goes with --resume") != std::string::npos);
    const auto a = parse({"train", "--out", "r", "--resume", "--override", "--batch", "8"});
    CHECK(a.resume);
    CHECK(a.override_settings);
    CHECK(a.given.count("--batch") == 1);
    CHECK(a.given.count("--lr") == 0);
}

TEST_CASE("every flag reads its value as all the programs do (examples/common/cli.hpp)") {
    // An empty value is malformed like any other, for numbers and paths alike.
    CHECK(error_of({"train", "--out", "r", "--lr", ""}).find("--lr needs a number, got ''") != std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--size", ""}).find("--size needs a non-negative whole number, got ''") !=
          std::string::npos);
    CHECK(error_of({"train", "--out", ""}).find("--out needs a path, got ''") != std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--lr", "0"}).find("--lr needs a positive number, got '0'") !=
          std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--hard-mask", "yes"}).find("--hard-mask takes on or off, got 'yes'") !=
          std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--resume=no"}).find("--resume takes no value") != std::string::npos);
    CHECK(error_of({"train", "--out", "r", "--holdout", "1"}).find("--holdout needs a share in [0, 1), got '1'") !=
          std::string::npos);
    // Each command has its own bounds: export needs no batch norm.
    CHECK(error_of({"export", "--checkpoint", "c", "--out", "d", "--batch", "0"}).find("--batch must be at least 1") !=
          std::string::npos);
    CHECK(parse({"export", "--checkpoint", "c", "--out", "d", "--batch", "1"}).batch == 1);
    // Of two bad flags, the first one typed is named.
    CHECK(error_of({"train", "--out", "r", "--threads", "4294967297", "--iters", "0"}).find("--threads is out of range") !=
          std::string::npos);
    // --flag=value is --flag value; the command comes first.
    const auto a = parse({"train", "--out=run", "--size=32", "--hard-mask", "on", "--mask-range", "signed"});
    CHECK(a.out == "run");
    CHECK(*a.size == 32);
    CHECK(*a.hard_mask);
    CHECK(*a.mask_range == "signed");
    CHECK(a.given == std::set<std::string>{"--out", "--size", "--hard-mask", "--mask-range"});
    CHECK(error_of({"--out", "r", "train"}).find("unknown command '--out'") != std::string::npos);
}

TEST_CASE("--help lists the commands, and a command's flags with their defaults") {
    const auto top = parse({"--help"});
    CHECK(top.help);
    for (const char* command : {"train", "sample", "export"}) CHECK(top.help_text.find(command) != std::string::npos);
    const auto train = parse({"train", "-h"});
    CHECK(train.help);
    CHECK(train.help_text.find("Usage: ising_resgan train") != std::string::npos);
    CHECK(train.help_text.find("--iters N") != std::string::npos);
    CHECK(train.help_text.find("(default 2000;") != std::string::npos);
    CHECK(train.help_text.find("--hard-mask on|off") != std::string::npos);
    CHECK(train.help_text.find("--device cpu|cuda") != std::string::npos);
    const auto exporting = parse({"export", "--help"});
    CHECK(exporting.help_text.find("pairs to write (default 1000)") != std::string::npos);
    CHECK(exporting.help_text.find("lists a command's flags") == std::string::npos);  // the program's footer only
}
