// expect: pair_weighting
// A custom guided weighting whose weight function is misspelt: mrf_loss names
// the concept it misses instead of failing deep inside the kernel.
#include "isinggan/losses/mrf.hpp"

struct edge_weighting {
    static constexpr bool needs_guide = true;
    template <class T>
    static T wieght(const T* p, const T* q, std::size_t, std::size_t) { return p[0] == q[0] ? T(1) : T(0.5); }
};

isinggan::mrf_loss<isinggan::ising, isinggan::four_neighborhood, edge_weighting> smooth;
