#pragma once
// The pairwise energy policies live in core/mrf/pairwise.hpp, below the backends,
// whose kernels take them; user code may include either header.
#include "isinggan/core/mrf/pairwise.hpp"
