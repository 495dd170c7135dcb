#pragma once
// The one random generator everything in isinggan draws from.
//
// std::uniform_real_distribution and std::normal_distribution are specified
// only loosely, so their streams differ between standard libraries. To make a
// seed reproduce a run bit for bit, the conversions from raw 64-bit draws to
// floats are written out here.
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

#include "isinggan/core/tensor.hpp"

namespace isinggan {

/// splitmix64 (Steele, Lea, Flood 2014): one well-mixed 64-bit value from x,
/// the step that turns structured seeds into independent generator seeds.
constexpr std::uint64_t splitmix64(std::uint64_t x) noexcept {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/// The seed of draw `index` of stream `stream` under the run seed `seed`:
/// independent generator seeds, so that what training step k draws depends
/// on (seed, k) only and a resumed run repeats an uninterrupted one exactly.
constexpr std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) noexcept {
    return splitmix64(splitmix64(seed ^ (stream * 0x9e3779b97f4a7c15ULL) ^ (index * 0xbf58476d1ce4e5b9ULL)));
}

class rng {
public:
    using engine_type = std::mt19937_64;

    explicit rng(std::uint64_t seed = 0x15196a17ULL) : engine_(seed) {}

    void seed(std::uint64_t s) {
        engine_.seed(s);
        has_spare_ = false;
    }

    /// A raw 64-bit draw.
    std::uint64_t next() { return engine_(); }

    /// Uniform double in [0, 1) from the top 53 bits of one draw.
    double uniform01() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

    /// Uniform in [lo, hi).
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }

    /// Uniform integer in [0, n) without modulo bias (n > 0).
    std::uint64_t below(std::uint64_t n) {
        const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
        std::uint64_t v;
        do v = engine_();
        while (v >= limit);
        return v % n;
    }

    /// Standard normal by the Box-Muller transform (the spare value is kept).
    double normal() {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        double u1;
        do u1 = uniform01();
        while (u1 <= 0.0);
        const double u2 = uniform01();
        const double r = std::sqrt(-2.0 * std::log(u1));
        const double theta = 2.0 * std::numbers::pi * u2;
        spare_ = r * std::sin(theta);
        has_spare_ = true;
        return r * std::cos(theta);
    }
    double normal(double mean, double stddev) { return mean + stddev * normal(); }

    /// A generator seeded from this one, for an independent stream (one per
    /// worker thread, or per layer) that is still fixed by the parent seed.
    rng split() { return rng(engine_()); }

    engine_type& engine() noexcept { return engine_; }

private:
    engine_type engine_;
    double spare_ = 0.0;
    bool has_spare_ = false;
};

/// Fills t with independent draws from U[lo, hi).
template <class T>
void fill_uniform(tensor<cpu, T>& t, double lo, double hi, rng& gen) {
    for (T& v : t) v = static_cast<T>(gen.uniform(lo, hi));
}

/// Fills t with independent draws from N(mean, stddev^2).
template <class T>
void fill_normal(tensor<cpu, T>& t, double mean, double stddev, rng& gen) {
    for (T& v : t) v = static_cast<T>(gen.normal(mean, stddev));
}

}  // namespace isinggan
