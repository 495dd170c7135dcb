#pragma once
// The files a training run keeps in its folder: config.json (the settings),
// log.csv (one row per step) and the sample-grid folder. The checkpoint
// itself is written by gan_trainer::save. Also: whether a folder already holds
// a run (a new one there is refused unless asked to replace it), and removing
// one for --overwrite.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"
#include "json_file.hpp"
#include "isinggan/train/gan_trainer.hpp"

namespace isinggan::examples {

/// Writes settings as a flat JSON object, in the order given; values that
/// parse as numbers, booleans and null are written bare, the rest as strings.
inline void write_config_json(const std::filesystem::path& path, const std::vector<std::pair<std::string, std::string>>& kv) {
    json j = json::object();
    for (const auto& [k, v] : kv) j[k] = setting_value(v);
    write_json_file(path, j);
}

inline constexpr const char* log_header = "step,seconds,d_loss,g_loss,smooth_energy,d_real,d_fake";

/// log.csv, appended to step by step. On a resume, rows after the
/// checkpoint's step (written before an interruption) are dropped first, so
/// every step appears once.
class training_log {
public:
    training_log(const std::filesystem::path& path, bool resume, std::int64_t keep_through, double& seconds_so_far)
        : path_(path) {
        std::vector<std::string> kept;
        seconds_so_far = 0.0;
        if (resume && std::filesystem::exists(path)) {
            std::ifstream in(path);
            std::string line;
            std::getline(in, line);
            while (std::getline(in, line)) {
                std::istringstream row(line);
                std::string step_text, seconds_text;
                if (!std::getline(row, step_text, ',') || !std::getline(row, seconds_text, ',')) continue;
                try {
                    if (std::stoll(step_text) > keep_through) continue;
                    seconds_so_far = std::stod(seconds_text);
                } catch (const std::exception&) {
                    continue;
                }
                kept.push_back(line);
            }
        }
        out_.open(path, std::ios::trunc);
        if (!out_) throw io_error(path.string() + ": cannot open for writing");
        out_ << log_header << '\n';
        for (const auto& l : kept) out_ << l << '\n';
        out_.flush();
    }

    void append(const train::gan_step_stats& s, double seconds) {
        out_ << s.step << ',' << std::fixed << std::setprecision(3) << seconds << std::defaultfloat
             << std::setprecision(7) << ',' << s.d_loss << ',' << s.g_loss << ',' << s.mask_energy << ',' << s.d_real
             << ',' << s.d_fake << '\n';
        out_.flush();
        if (!out_) throw io_error(path_.string() + ": write failed");
    }

private:
    std::filesystem::path path_;
    std::ofstream out_;
};

inline std::filesystem::path checkpoint_path(const std::filesystem::path& run) {
    return run / "checkpoint.safetensors";
}
inline std::filesystem::path log_path(const std::filesystem::path& run) { return run / "log.csv"; }

/// The files that make `run` a training run's folder (checkpoint, log), empty
/// when there is none: training a new run there would overwrite the checkpoint
/// and mix two runs in one log.
inline std::vector<std::string> run_files_in(const std::filesystem::path& run) {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& f : {checkpoint_path(run), log_path(run)})
        if (std::filesystem::exists(f, ec)) found.push_back(f.filename().string());
    return found;
}

/// --overwrite: removes the run in `run` (checkpoint, log, config.json, the
/// samples folder) so that a new one starts clean; other files stay.
/// metrics.csv: the pair statistics of the real training pairs and of the generated ones at every grid.
inline std::filesystem::path metrics_path(const std::filesystem::path& run) { return run / "metrics.csv"; }

inline void remove_run(const std::filesystem::path& run) {
    for (const auto& f : {checkpoint_path(run), log_path(run), run / "config.json", run / "samples", metrics_path(run)}) {
        std::error_code ec;
        std::filesystem::remove_all(f, ec);
        if (ec) throw io_error(f.string() + ": cannot remove it to replace the run: " + ec.message());
    }
}

/// samples/step_000123.png
inline std::filesystem::path grid_path(const std::filesystem::path& run, std::int64_t step) {
    std::ostringstream name;
    name << "step_" << std::setw(6) << std::setfill('0') << step << ".png";
    return run / "samples" / name.str();
}

}  // namespace isinggan::examples
