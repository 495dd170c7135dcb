#pragma once
// The line `sample` and `export` print about the pairs they generated
// (metrics/pair_statistics.hpp), so that every run says in numbers whether its
// masks are empty, fragmented, or all the same.
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>

#include "isinggan/metrics/pair_statistics.hpp"

namespace isinggan::examples {

/// "generated masks (4 pairs): foreground 0.131, empty 2.0%, 3.4 objects of 24.1 px,
/// 0.10 holes, contrast 0.21, duplicates 0.0%, pairwise IoU 0.06"; `total` is the
/// number of pairs generated, when s covers only the first s.n of them.
inline std::string pair_report_line(const pair_statistics& s, std::size_t total) {
    std::string line = "generated masks (";
    if (s.n < total) line += "first " + std::to_string(s.n) + " of ";
    line += std::to_string(total) + (total == 1 ? " pair): " : " pairs): ");
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "foreground %.3f, empty %.1f%%, %.1f objects of %.1f px, %.2f holes, contrast %.2f, "
                  "duplicates %.1f%%, ",
                  s.foreground_fraction, 100.0 * s.empty_share, s.objects_per_mask, s.mean_object_area,
                  s.holes_per_mask, s.contrast, 100.0 * s.duplicate_share);
    line += buf;
    if (std::isnan(s.pairwise_mask_iou)) {
        line += "pairwise IoU n/a (one pair)";
    } else {
        std::snprintf(buf, sizeof buf, "pairwise IoU %.2f", s.pairwise_mask_iou);
        line += buf;
    }
    std::snprintf(buf, sizeof buf, ", bright background %.1f%%, colour %.1f%%", 100.0 * s.bright_background_share,
                  100.0 * s.colour_share);
    line += buf;
    return line;
}

}  // namespace isinggan::examples
