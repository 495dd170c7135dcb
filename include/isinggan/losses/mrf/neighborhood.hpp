#pragma once
// The neighbourhood policies live in core/mrf/neighborhood.hpp, below the backends,
// whose kernels take them; user code may include either header.
#include "isinggan/core/mrf/neighborhood.hpp"
