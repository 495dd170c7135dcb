#pragma once
// The progress bar of long jobs: core/progress.hpp (io/ reports loading with
// it too). Its names in train:: stay for the trainers and for users' code.
#include "isinggan/core/progress.hpp"

namespace isinggan::train {

using isinggan::progress_reporter;
using isinggan::progress_style;

}  // namespace isinggan::train
