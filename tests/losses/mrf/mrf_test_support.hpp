#pragma once
// Shared by the MRF loss tests: masks drawn as text, a brute-force reference
// energy and the fixture reader (finite differences: support/finite_difference.hpp).
#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include <doctest/doctest.h>

#include "isinggan/core/error.hpp"
#include "isinggan/core/tensor.hpp"
#include "isinggan/losses/mrf.hpp"
#include "support/finite_difference.hpp"
#include "support/random_tensor.hpp"

namespace isinggan::testing::mrf {

/// A 1×1×H×W mask from rows of text: '#' is 1, anything else 0.
inline tensor<cpu> mask_from(const std::vector<std::string>& rows) {
    tensor<cpu> m({1, 1, rows.size(), rows.front().size()});
    for (std::size_t y = 0; y < rows.size(); ++y)
        for (std::size_t x = 0; x < rows[y].size(); ++x) m(0, 0, y, x) = rows[y][x] == '#' ? 1.0f : 0.0f;
    return m;
}

/// A K-channel one-hot map from a label image.
template <class T = float>
tensor<cpu, T> one_hot(const std::vector<std::vector<int>>& labels, std::size_t k) {
    tensor<cpu, T> m({1, k, labels.size(), labels.front().size()});
    for (std::size_t y = 0; y < labels.size(); ++y)
        for (std::size_t x = 0; x < labels[y].size(); ++x) m(0, static_cast<std::size_t>(labels[y][x]), y, x) = T(1);
    return m;
}

/// The full, symmetric offset set of a neighborhood with its weights, written
/// out independently of the library's half-sets.
struct full_offset {
    int dy, dx;
    double weight;
};
template <class N>
std::vector<full_offset> all_neighbours() {
    std::vector<full_offset> v{{0, 1, 1.0}, {0, -1, 1.0}, {1, 0, 1.0}, {-1, 0, 1.0}};
    if constexpr (!std::is_same_v<N, four_neighborhood>) {
        const double d = std::is_same_v<N, eight_neighborhood_distance_weighted> ? 1.0 / std::sqrt(2.0) : 1.0;
        for (int dy : {-1, 1})
            for (int dx : {-1, 1}) v.push_back({dy, dx, d});
    }
    return v;
}

/// Σ_p Σ_{q∈A(p)} w E(f_p, f_q) / 2 in double: eq. (2) read literally, halved
/// because the literal sum sees every pair twice. `guide` may be null.
template <class Pairwise, class N, class T>
double reference_energy(const tensor<cpu, T>& f, const tensor<cpu, T>* guide = nullptr, double sigma = 1.0) {
    double e = 0.0;
    const int h = static_cast<int>(f.h()), w = static_cast<int>(f.w());
    for (std::size_t n = 0; n < f.n(); ++n)
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                for (const full_offset& o : all_neighbours<N>()) {
                    const int qy = y + o.dy, qx = x + o.dx;
                    if (qy < 0 || qy >= h || qx < 0 || qx >= w) continue;
                    double pair = mrf_detail::pair_constant<Pairwise>();
                    for (std::size_t c = 0; c < f.c(); ++c)
                        pair +=
                            Pairwise::energy(static_cast<double>(f(n, c, y, x)), static_cast<double>(f(n, c, qy, qx)));
                    double wg = 1.0;
                    if (guide) {
                        double d2 = 0.0;
                        for (std::size_t c = 0; c < guide->c(); ++c) {
                            const double d = static_cast<double>((*guide)(n, c, y, x)) - (*guide)(n, c, qy, qx);
                            d2 += d * d;
                        }
                        wg = std::exp(-d2 / (2.0 * sigma * sigma));
                    }
                    e += 0.5 * o.weight * wg * pair;
                }
    return e;
}

/// Named tensors from a fixture written by tests/reference/make_mrf_fixtures.py.
inline std::map<std::string, tensor<cpu, double>> read_fixture(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw io_error(path + ": cannot open fixture");
    std::map<std::string, tensor<cpu, double>> out;
    std::string name;
    std::size_t n, c, h, w;
    while (in >> name >> n >> c >> h >> w) {
        tensor<cpu, double> t({n, c, h, w});
        for (double& v : t)
            if (!(in >> v)) throw io_error(path + ": truncated tensor " + name);
        out.emplace(name, std::move(t));
    }
    return out;
}

inline tensor<cpu> to_float(const tensor<cpu, double>& t) {
    tensor<cpu> f(t.shape());
    for (std::size_t i = 0; i < t.size(); ++i) f.data()[i] = static_cast<float>(t.data()[i]);
    return f;
}

}  // namespace isinggan::testing::mrf
