// Tests include/isinggan/core/progress.hpp (the loader's progress display,
// reused by the trainers): plain lines, the terminal bar, silence, threads.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "isinggan/core/progress.hpp"

using isinggan::progress_reporter;
using isinggan::progress_style;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

}  // namespace

TEST_CASE("progress: plain lines at every tenth, the last one complete, with the status") {
    std::ostringstream out;
    {
        progress_reporter p("loading", 200, progress_style::lines, out);
        for (int i = 0; i < 200; ++i) p.update(i + 1, i == 150 ? "loss 0.25" : "");
    }  // the destructor finishes: no duplicate of the 100% line
    const auto lines = lines_of(out.str());
    REQUIRE(lines.size() == 10);
    CHECK(lines[0].rfind("loading  20/200   10%", 0) == 0);
    CHECK(lines[9].rfind("loading  200/200  100%", 0) == 0);
    CHECK(lines[9].find("loss 0.25") != std::string::npos);
    CHECK(lines[3].find("loss 0.25") == std::string::npos);
    CHECK(out.str().find('\r') == std::string::npos);
}

TEST_CASE("progress: an unfinished job still gets a final line, silent writes nothing") {
    std::ostringstream out;
    {
        progress_reporter p("train", 1000, progress_style::lines, out);
        p.advance(5);
        p.finish("stopped");
    }
    const auto lines = lines_of(out.str());
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].rfind("train  5/1000    0%", 0) == 0);
    CHECK(lines[0].find("stopped") != std::string::npos);

    std::ostringstream quiet;
    {
        progress_reporter p("x", 10, progress_style::silent, quiet);
        p.advance(10);
    }
    CHECK(quiet.str().empty());
}

TEST_CASE("progress: the terminal bar redraws one line in place and ends it") {
    std::ostringstream out;
    {
        progress_reporter p("load", 8, progress_style::bar, out);
        for (int i = 0; i < 8; ++i) p.advance();
    }
    const std::string s = out.str();
    CHECK(s.front() == '\r');
    CHECK(s.back() == '\n');
    CHECK(s.find("[########################]  8/8  100%") != std::string::npos);
    CHECK(lines_of(s).size() == 1);
    // A stream that is not std::cout / std::cerr is never a terminal.
    std::ostringstream other;
    CHECK(progress_reporter("x", 1, progress_style::automatic, other).style() == progress_style::lines);
}

TEST_CASE("progress: advances from two threads are all counted, durations format as mm:ss") {
    std::ostringstream out;
    progress_reporter p("work", 2000, progress_style::silent, out);
    std::thread t1([&] { for (int i = 0; i < 1000; ++i) p.advance(); });
    std::thread t2([&] { for (int i = 0; i < 1000; ++i) p.advance(); });
    t1.join();
    t2.join();
    CHECK(p.done() == 2000);
    CHECK(progress_reporter::format_duration(65) == "01:05");
    CHECK(progress_reporter::format_duration(3725) == "1:02:05");
}

TEST_CASE("progress: a job of unknown length shows the count and the time, no total or percentage") {
    std::ostringstream out;
    {
        progress_reporter p("train", progress_reporter::unknown_total, progress_style::lines, out);
        for (int i = 0; i < 50; ++i) p.update(i + 1, "D 1.2");
        p.finish("time limit");
    }
    const auto lines = lines_of(out.str());
    REQUIRE(lines.size() == 1);  // no tenths to mark: the final line only (and one every line_interval)
    CHECK(lines[0].rfind("train  50  ", 0) == 0);
    CHECK(lines[0].find('%') == std::string::npos);
    CHECK(lines[0].find("time limit") != std::string::npos);

    std::ostringstream bar;
    {
        progress_reporter p("train", progress_reporter::unknown_total, progress_style::bar, bar);
        p.update(7);
    }
    CHECK(bar.str().find("train  7  ") != std::string::npos);
    CHECK(bar.str().find("  [") == std::string::npos);  // no bar
}
