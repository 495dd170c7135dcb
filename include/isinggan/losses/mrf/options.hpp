#pragma once
// The MRF losses' options (λ, reduction, gradient mode, Laplacian border)
// live in core/mrf/options.hpp, below the backends, whose kernels take them;
// user code may include either header.
#include "isinggan/core/mrf/options.hpp"
