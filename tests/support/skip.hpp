#pragma once
// Skipping a test whose inputs are absent (the ../shared data, a GPU).
//
// A test case that needs ../shared says so with a decorator, so doctest skips
// it before it starts and the other cases of the binary still run:
//
//     TEST_CASE("bbbc038: ..." * testing::needs(testing::bbbc038_present()))
//
// Under CTest every test case runs in a process of its own
// (doctest_discover_tests); test_main.cpp prints "SKIPPED: <case>" and exits
// that process with 77 when the cases it selected were all skipped, which
// CTest counts as skipped (SKIP_RETURN_CODE 77): a missing input never shows
// as a pass, and never stops the cases after it.
#include <filesystem>

#include <doctest/doctest.h>

namespace isinggan::testing {

/// Whether the shared folder holds `relative` (a file or a folder).
inline bool shared_present(const char* relative) {
    return std::filesystem::exists(std::filesystem::path(ISINGGAN_SHARED_DIR) / relative);
}
inline bool bbbc038_present() { return shared_present("data/bbbc038/stage1_train"); }
inline bool safetensors_fixtures_present() { return shared_present("fixtures/safetensors"); }

/// The decorator that skips a test case when its input is absent.
inline doctest::skip needs(bool present) { return doctest::skip(!present); }

}  // namespace isinggan::testing
