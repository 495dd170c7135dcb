#pragma once
// data/ may not use io/: the layering check must refuse this include.
#include "isinggan/core/tensor.hpp"
#include "isinggan/io/png.hpp"
