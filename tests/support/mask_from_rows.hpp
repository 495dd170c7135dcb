#pragma once
// Small masks drawn as text in tests: rows of '#' (foreground, 1) and '.' (0).
#include <initializer_list>
#include <string>

#include "isinggan/core/tensor.hpp"

namespace isinggan::testing {

/// A [1, 1, H, W] mask from H rows of W characters.
inline tensor<cpu> mask_from_rows(std::initializer_list<std::string> rows) {
    const std::size_t h = rows.size(), w = rows.begin()->size();
    tensor<cpu> m({1, 1, h, w});
    std::size_t y = 0;
    for (const auto& r : rows) {
        for (std::size_t x = 0; x < w; ++x) m(0, 0, y, x) = r[x] == '#' ? 1.0f : 0.0f;
        ++y;
    }
    return m;
}

}  // namespace isinggan::testing
