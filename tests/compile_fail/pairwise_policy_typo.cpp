// expect: pairwise_energy
// A custom pairwise energy whose derivative is misspelt: mrf_loss names the
// concept it misses instead of failing deep inside the kernel.
#include "isinggan/losses/mrf.hpp"

struct squared_difference {
    template <class T>
    static T energy(T a, T b) { return (a - b) * (a - b); }
    template <class T>
    static isinggan::pair_derivative<T> derivitive(T a, T b) { return {T(2) * (a - b), T(2) * (b - a)}; }
};

isinggan::mrf_loss<squared_difference> smooth;
