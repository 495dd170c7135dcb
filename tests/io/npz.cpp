// Tests include/isinggan/io/npz.hpp on archives written by numpy (np.savez,
// np.savez_compressed, float32 and Fortran-ordered arrays), on its own
// round trip, and on corrupted files.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "isinggan/io/npz.hpp"
#include "isinggan/metrics/fid_statistics_npz.hpp"
#include "metrics/fid_hashed_values.hpp"
#include "support/error_message.hpp"
#include "support/temp_directory.hpp"

using namespace isinggan;

namespace {

std::filesystem::path fixture_path(const std::string& name) {
    return std::filesystem::path(ISINGGAN_TEST_FIXTURES) / "fid" / name;
}

/// make_fid_fixtures.py's statistics: mu = hash(7, 5), sigma = hash(8, 25) as 5x5.
void check_fixture_statistics(const metrics::fid_statistics& s, bool mu_is_float32) {
    REQUIRE(s.dim() == 5);
    REQUIRE(s.sigma.rows() == 5);
    for (int i = 0; i < 5; ++i) {
        const double mu = testing::hashed_uniform(7, std::uint64_t(i));
        CHECK(s.mu(i) == (mu_is_float32 ? double(float(mu)) : mu));
        for (int j = 0; j < 5; ++j) CHECK(s.sigma(i, j) == testing::hashed_uniform(8, std::uint64_t(i * 5 + j)));
    }
}

std::vector<unsigned char> fixture_bytes(const std::string& name) { return io::read_file_bytes(fixture_path(name)); }

}  // namespace

TEST_CASE("npz: reads statistics written by np.savez and np.savez_compressed") {
    check_fixture_statistics(metrics::read_fid_statistics(fixture_path("stats_savez.npz")), false);
    check_fixture_statistics(metrics::read_fid_statistics(fixture_path("stats_savez_compressed.npz")), false);
}

TEST_CASE("npz: float32 and Fortran-ordered arrays are converted") {
    check_fixture_statistics(metrics::read_fid_statistics(fixture_path("stats_float32_fortran.npz")), true);
}

TEST_CASE("npz: written statistics read back exactly") {
    testing::temp_directory dir("isinggan-npz");
    metrics::fid_statistics s;
    s.mu = Eigen::VectorXd::LinSpaced(4, -1.0, 2.5);
    s.sigma = Eigen::MatrixXd::Random(4, 4);
    s.sigma(2, 3) = 1.0 / 3.0;
    metrics::write_fid_statistics(dir / "out.npz", s);
    const auto back = metrics::read_fid_statistics(dir / "out.npz");
    CHECK(back.mu == s.mu);
    CHECK(back.sigma == s.sigma);
}

TEST_CASE("npz: corrupt or unsuitable files give an io_error naming the file") {
    testing::temp_directory dir("isinggan-npz");
    auto expect_error = [&](const std::vector<unsigned char>& bytes, const std::string& what) {
        CAPTURE(what);
        const auto path = dir / "bad.npz";
        io::write_file_bytes(path, bytes);
        const std::string msg = testing::error_message<io_error>([&] { metrics::read_fid_statistics(path); });
        CHECK(msg.rfind(path.string(), 0) == 0);
    };
    for (const char* name : {"stats_savez.npz", "stats_savez_compressed.npz"}) {
        CAPTURE(name);
        const auto good = fixture_bytes(name);
        auto truncated = good;
        truncated.resize(good.size() / 2);
        expect_error(truncated, "truncated");
        // Inside the first member's data (after its 30-byte local header and name):
        // caught by the CRC, by inflate or by the .npy header checks.
        const std::size_t data_start = 30 + (good[26] | good[27] << 8) + (good[28] | good[29] << 8);
        for (std::size_t at : {data_start + 3, data_start + 40, data_start + 100}) {
            auto flipped = good;
            flipped[at] ^= 0x5A;
            expect_error(flipped, "flipped byte " + std::to_string(at));
        }
    }
    expect_error({}, "empty");
    expect_error(std::vector<unsigned char>(100, 'x'), "not a zip");
    // A valid archive without "sigma".
    npz::write(dir / "mu_only.npz", {{"mu", npy::array{{2}, {1.0, 2.0}}}});
    expect_error(io::read_file_bytes(dir / "mu_only.npz"), "missing sigma");
    CHECK_THROWS_AS(metrics::read_fid_statistics(dir / "does_not_exist.npz"), io_error);
}
