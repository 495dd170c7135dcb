// The test binary's main: doctest's, plus the skip protocol of
// support/skip.hpp. A run whose selected test cases were all skipped (an
// input in ../shared is absent) exits with 77, which CTest reports as skipped.
// The OpenMP thread count a case sets (tests of tiny networks use one thread)
// is put back when the case ends, so that it cannot leak into the cases run
// after it in the same process.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#if defined(_OPENMP)
#include <omp.h>
#endif

namespace {

int started = 0, skipped = 0;
[[maybe_unused]] int threads_before = 1;

struct skip_listener : doctest::IReporter {
    explicit skip_listener(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats&) override {}
    void test_case_start(const doctest::TestCaseData&) override {
        ++started;
#if defined(_OPENMP)
        threads_before = omp_get_max_threads();
#endif
    }
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {
#if defined(_OPENMP)
        omp_set_num_threads(threads_before);
#endif
    }
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    // doctest also reports the cases a -tc filter leaves out; only those marked skip count.
    void test_case_skipped(const doctest::TestCaseData& tc) override {
        if (!tc.m_skip) return;
        ++skipped;
        std::printf("SKIPPED: %s (an input it needs is absent)\n", tc.m_name);
    }
};

}  // namespace

DOCTEST_REGISTER_LISTENER("skips", 1, skip_listener);

int main(int argc, char** argv) {
    doctest::Context context(argc, argv);
    const int rc = context.run();
    if (context.shouldExit()) return rc;
    if (rc == 0 && started == 0 && skipped > 0) return 77;
    return rc;
}
