// The test binary's main: doctest's, plus the skip protocol of
// support/skip.hpp. A run whose selected test cases were all skipped (an
// input in ../shared is absent) exits with 77, which CTest reports as skipped.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

namespace {

int started = 0, skipped = 0;

struct skip_listener : doctest::IReporter {
    explicit skip_listener(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats&) override {}
    void test_case_start(const doctest::TestCaseData&) override { ++started; }
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
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
