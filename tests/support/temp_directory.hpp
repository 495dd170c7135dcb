#pragma once
// A fresh directory under the system's temp folder, removed with its contents
// when the object goes out of scope. Tests build broken datasets in it.
#include <atomic>
#include <filesystem>
#include <random>
#include <string>

#include <unistd.h>

namespace isinggan::testing {

class temp_directory {
public:
    explicit temp_directory(const std::string& tag = "isinggan-test") {
        static std::atomic<unsigned> counter{0};
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() /
                (tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~temp_directory() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_directory(const temp_directory&) = delete;
    temp_directory& operator=(const temp_directory&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }
    std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

private:
    std::filesystem::path path_;
};

}  // namespace isinggan::testing
