#pragma once
// Reporting a test as skipped. CTest counts a test that exits with 77 as
// skipped (SKIP_RETURN_CODE), so a test that needs something absent (a GPU,
// the ../shared data) says why and exits with 77 rather than passing silently.
#include <cstdio>
#include <cstdlib>

namespace isinggan::testing {

[[noreturn]] inline void skip_test(const char* why) {
    std::printf("SKIPPED: %s\n", why);
    std::fflush(stdout);
    std::_Exit(77);
}

}  // namespace isinggan::testing
