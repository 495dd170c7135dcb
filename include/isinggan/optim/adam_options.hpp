#pragma once
// optim::adam_options is isinggan::adam_options (core/adam_options.hpp), which
// lives below the optimizer so that both backends' kernels can take it.
#include "isinggan/core/adam_options.hpp"

namespace isinggan::optim {

using isinggan::adam_options;

}  // namespace isinggan::optim
