#pragma once
// progress_reporter: how far a long job (loading a dataset, training for N
// steps) has come. On a terminal it redraws one bar line in place,
//     loading  [########------------]  215/536  40%  12.3/s  eta 00:26  <status>
// elsewhere (a log file, CI) it prints a plain line at every tenth of the way
// and at least every `line_interval`, so logs stay short and greppable.
// A job of unknown length (training until a time limit) takes the total
// `unknown_total` and shows the count, rate and elapsed time only.
// Updates may come from several threads. In core/ because loading (io/) and
// training (train/) both report with it; train::progress_reporter names it too.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <iostream>
#include <limits>
#include <mutex>
#include <ostream>
#include <string>

#include <unistd.h>

namespace isinggan {

enum class progress_style {
    automatic,  ///< bar when the stream is std::cout / std::cerr on a terminal, lines otherwise
    bar,
    lines,
    silent,
};

class progress_reporter {
public:
    using clock = std::chrono::steady_clock;
    /// The total of a job whose length is not known in advance: no bar, no percentage, no ETA.
    static constexpr std::size_t unknown_total = std::numeric_limits<std::size_t>::max();

    progress_reporter(std::string label, std::size_t total, progress_style style = progress_style::automatic,
                      std::ostream& out = std::cerr)
        : label_(std::move(label)), total_(total), out_(out), style_(resolve(style, out)), start_(clock::now()),
          last_draw_(start_) {}

    progress_reporter(const progress_reporter&) = delete;
    progress_reporter& operator=(const progress_reporter&) = delete;
    ~progress_reporter() {
        try {
            finish();
        } catch (...) {
        }
    }

    /// Sets the count done so far; `status` (a loss, say) is shown after the bar.
    void update(std::size_t done, const std::string& status = {}) {
        std::lock_guard lock(mutex_);
        done_ = std::min(done, total_);
        if (!status.empty()) status_ = status;
        report(false);
    }
    /// Adds `n` to the count done.
    void advance(std::size_t n = 1) {
        std::lock_guard lock(mutex_);
        done_ = std::min(done_ + n, total_);
        report(false);
    }
    /// Writes the final state (once); the destructor calls it too.
    void finish(const std::string& status = {}) {
        std::lock_guard lock(mutex_);
        if (finished_) return;
        finished_ = true;
        if (!status.empty()) status_ = status;
        report(true);
        if (style_ == progress_style::bar) out_ << '\n' << std::flush;
    }

    std::size_t done() const {
        std::lock_guard lock(mutex_);
        return done_;
    }
    progress_style style() const noexcept { return style_; }
    /// Plain lines are also written when this much time passed since the last one.
    void set_line_interval(std::chrono::milliseconds interval) { line_interval_ = interval; }

    /// "mm:ss", or "h:mm:ss" from an hour on.
    static std::string format_duration(double seconds) {
        const long s = seconds < 0 ? 0 : static_cast<long>(seconds + 0.5);
        char buf[32];
        if (s >= 3600)
            std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
        else
            std::snprintf(buf, sizeof buf, "%02ld:%02ld", s / 60, s % 60);
        return buf;
    }

private:
    static progress_style resolve(progress_style style, std::ostream& out) {
        if (style != progress_style::automatic) return style;
        const bool terminal = (&out == &std::cerr && ::isatty(2)) || (&out == &std::cout && ::isatty(1));
        return terminal ? progress_style::bar : progress_style::lines;
    }

    void report(bool final) {
        if (style_ == progress_style::silent) return;
        const auto now = clock::now();
        if (style_ == progress_style::bar) {
            if (!final && now - last_draw_ < std::chrono::milliseconds(100) && done_ != total_) return;
            last_draw_ = now;
            out_ << '\r' << line(now, true) << "\x1b[K" << std::flush;  // erase what a longer line left
            return;
        }
        const std::size_t tenth = total_ == unknown_total ? 0 : total_ ? done_ * 10 / total_ : 10;
        const bool new_tenth = tenth > last_tenth_;
        const bool overdue = now - last_draw_ >= line_interval_;
        if (final ? last_line_done_ == done_ && printed_any_ : !(new_tenth || overdue)) return;
        last_tenth_ = tenth;
        last_draw_ = now;
        last_line_done_ = done_;
        printed_any_ = true;
        out_ << line(now, false) << '\n' << std::flush;
    }

    std::string line(clock::time_point now, bool with_bar) const {
        const double elapsed = std::chrono::duration<double>(now - start_).count();
        const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
        std::string s = label_;
        char buf[128];
        if (total_ == unknown_total) {
            std::snprintf(buf, sizeof buf, "  %zu  %.1f/s  ", done_, rate);
            return s + buf + format_duration(elapsed) + (status_.empty() ? "" : "  " + status_);
        }
        if (with_bar) {
            constexpr std::size_t width = 24;
            const std::size_t filled = total_ ? done_ * width / total_ : width;
            s += "  [" + std::string(filled, '#') + std::string(width - filled, '-') + "]";
        }
        const int percent = total_ ? static_cast<int>(100 * done_ / total_) : 100;
        std::snprintf(buf, sizeof buf, "  %zu/%zu  %3d%%  %.1f/s", done_, total_, percent, rate);
        s += buf;
        if (done_ < total_ && rate > 0)
            s += "  eta " + format_duration(static_cast<double>(total_ - done_) / rate);
        else
            s += "  " + format_duration(elapsed);
        if (!status_.empty()) s += "  " + status_;
        return s;
    }

    std::string label_;
    std::size_t total_;
    std::ostream& out_;
    progress_style style_;
    clock::time_point start_, last_draw_;
    std::chrono::milliseconds line_interval_{10000};
    mutable std::mutex mutex_;
    std::size_t done_ = 0;
    std::size_t last_tenth_ = 0;
    std::size_t last_line_done_ = 0;
    bool printed_any_ = false;
    bool finished_ = false;
    std::string status_;
};

}  // namespace isinggan
