// Runs an ISA-matrix test binary where this CPU can execute it, and reports
// the test skipped (exit 77, CTest's SKIP_RETURN_CODE) with the reason where
// it cannot. Compiled for the baseline instruction set of the architecture, so
// that this check itself runs on any CPU.
//
// usage: isinggan_isa_launch LEVEL BINARY [ARGS...]   (LEVEL: x86-64, x86-64-v2, x86-64-v3, x86-64-v4)
#include <cstdio>
#include <cstring>

#include <unistd.h>

namespace {

bool cpu_runs(const char* level) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (std::strcmp(level, "x86-64") == 0) return true;
    if (std::strcmp(level, "x86-64-v2") == 0) return __builtin_cpu_supports("x86-64-v2");
    if (std::strcmp(level, "x86-64-v3") == 0) return __builtin_cpu_supports("x86-64-v3");
    if (std::strcmp(level, "x86-64-v4") == 0) return __builtin_cpu_supports("x86-64-v4");
#endif
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: isinggan_isa_launch LEVEL BINARY [ARGS...]\n");
        return 2;
    }
    if (!cpu_runs(argv[1])) {
        std::printf("SKIPPED: this CPU does not support the %s instruction set level\n", argv[1]);
        return 77;
    }
    std::printf("isa: this CPU supports %s; running %s\n", argv[1], argv[2]);
    std::fflush(stdout);
    execv(argv[2], argv + 2);
    std::perror(argv[2]);
    return 2;
}
