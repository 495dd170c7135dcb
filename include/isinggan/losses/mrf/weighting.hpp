#pragma once
// The pair weighting policies live in core/mrf/weighting.hpp, below the backends,
// whose kernels take them; user code may include either header.
#include "isinggan/core/mrf/weighting.hpp"
