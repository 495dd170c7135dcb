#pragma once
// Adjacency systems A(p) for eq. (2).
//
// A neighborhood lists half of its offsets: one of each ± pair. The loss visits
// every pixel p and, for each listed offset o, the pair (p, p + o) when p + o
// lies inside the map. So each unordered pair {p, q} is counted once, and the
// energy is Σ over pairs, not the Σ_p Σ_{q∈A(p)} of eq. (2) read literally,
// which would count every pair twice. An isolated foreground pixel costs 4
// under four_neighborhood (the paper's choice) and 8 under eight_neighborhood.
// Pairs that would cross the map's border do not exist (no padding).
#include <array>
#include <concepts>
#include <cstddef>
#include <numbers>

namespace isinggan {

/// One offset (dy, dx) from p to its neighbour q, and the weight of such pairs.
struct neighbor_offset {
    int dy;
    int dx;
    double weight;
};

/// The contract: a static array `offsets` of neighbor_offset, each with
/// dy > 0, or dy == 0 and dx > 0 (the "forward" half of the symmetric set).
template <class N>
concept neighborhood = requires {
    { N::offsets.size() } -> std::convertible_to<std::size_t>;
    { N::offsets[0] } -> std::convertible_to<neighbor_offset>;
};

/// Left/right and up/down neighbours: the paper's 4-adjacency.
struct four_neighborhood {
    static constexpr std::array<neighbor_offset, 2> offsets{{{0, 1, 1.0}, {1, 0, 1.0}}};
};

/// 4-adjacency plus the two diagonals, every pair weighted 1.
struct eight_neighborhood {
    static constexpr std::array<neighbor_offset, 4> offsets{
        {{0, 1, 1.0}, {1, 0, 1.0}, {1, 1, 1.0}, {1, -1, 1.0}}};
};

/// 8-adjacency with diagonal pairs weighted 1/√2 (their inverse distance), so
/// that the length of a straight boundary costs about the same whatever its
/// orientation.
struct eight_neighborhood_distance_weighted {
    static constexpr double diagonal = 1.0 / std::numbers::sqrt2;
    static constexpr std::array<neighbor_offset, 4> offsets{
        {{0, 1, 1.0}, {1, 0, 1.0}, {1, 1, diagonal}, {1, -1, diagonal}}};
};

namespace mrf_detail {

template <class N>
constexpr bool offsets_are_forward() {
    for (const neighbor_offset& o : N::offsets)
        if (!(o.dy > 0 || (o.dy == 0 && o.dx > 0))) return false;
    return true;
}

}  // namespace mrf_detail
}  // namespace isinggan
