#pragma once
// Fragmentation of a binary mask: how many separate pieces of foreground it
// has, and how many holes. This is what the Ising prior is meant to reduce
// (paper, sec. 2: "object holes or ... over-fragmented masks").
//
// A mask value >= 0.5 is foreground. Foreground pieces are 4-connected and
// background regions 8-connected: the usual pairing in digital topology, so
// that a diagonal chain of foreground pixels is not counted as enclosing
// anything. A hole is a background region that does not touch the border.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan {

struct mask_topology {
    std::size_t components = 0;  // 4-connected foreground pieces
    std::size_t holes = 0;       // 8-connected background regions enclosed by foreground
};

namespace topology_detail {

/// Labels the regions of `inside` (1 = part of the set) with the given
/// connectivity; returns the number of regions and, per region, whether it
/// touches the border.
inline std::size_t count_regions(const std::vector<std::uint8_t>& inside, int h, int w, bool eight,
                                 std::size_t* border_touching) {
    std::vector<std::uint8_t> seen(inside.size(), 0);
    std::vector<int> stack;
    std::size_t regions = 0, touching = 0;
    for (int start = 0; start < h * w; ++start) {
        if (!inside[std::size_t(start)] || seen[std::size_t(start)]) continue;
        ++regions;
        bool border = false;
        stack.assign(1, start);
        seen[std::size_t(start)] = 1;
        while (!stack.empty()) {
            const int p = stack.back();
            stack.pop_back();
            const int y = p / w, x = p % w;
            border |= y == 0 || x == 0 || y == h - 1 || x == w - 1;
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx) {
                    if ((dy == 0 && dx == 0) || (!eight && dy != 0 && dx != 0)) continue;
                    const int ny = y + dy, nx = x + dx;
                    if (ny < 0 || nx < 0 || ny >= h || nx >= w) continue;
                    const std::size_t q = std::size_t(ny) * w + nx;
                    if (inside[q] && !seen[q]) {
                        seen[q] = 1;
                        stack.push_back(int(q));
                    }
                }
        }
        touching += border;
    }
    if (border_touching) *border_touching = touching;
    return regions;
}

}  // namespace topology_detail

/// Components and holes of one H x W mask plane.
inline mask_topology measure_mask(const float* plane, int h, int w) {
    if (h <= 0 || w <= 0) throw shape_error("measure_mask: empty mask plane");
    std::vector<std::uint8_t> fg(std::size_t(h) * w), bg(std::size_t(h) * w);
    for (std::size_t i = 0; i < fg.size(); ++i) {
        fg[i] = plane[i] >= 0.5f;
        bg[i] = !fg[i];
    }
    mask_topology t;
    t.components = topology_detail::count_regions(fg, h, w, false, nullptr);
    std::size_t background_on_border = 0;
    const std::size_t background = topology_detail::count_regions(bg, h, w, true, &background_on_border);
    t.holes = background - background_on_border;
    return t;
}

/// Mean components and holes per mask over a batch of masks [N, 1, H, W].
struct mask_topology_summary {
    double components_per_mask = 0, holes_per_mask = 0;
    std::size_t masks = 0;
};

inline mask_topology_summary measure_masks(const tensor<cpu>& masks) {
    require_nonempty(masks.shape(), "measure_masks");
    if (masks.c() != 1) throw shape_error("measure_masks: expects one-channel masks, got " + masks.shape().str());
    mask_topology_summary s;
    s.masks = masks.n();
    for (std::size_t n = 0; n < masks.n(); ++n) {
        const auto t = measure_mask(masks.plane(n, 0), int(masks.h()), int(masks.w()));
        s.components_per_mask += double(t.components);
        s.holes_per_mask += double(t.holes);
    }
    s.components_per_mask /= double(s.masks);
    s.holes_per_mask /= double(s.masks);
    return s;
}

}  // namespace isinggan
