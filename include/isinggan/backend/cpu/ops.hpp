#pragma once
// Every CPU kernel: include this to get the `cpu` overloads of isinggan::ops.
#include "isinggan/backend/cpu/conv2d.hpp"
#include "isinggan/backend/cpu/conv_transpose2d.hpp"
#include "isinggan/backend/cpu/elementwise.hpp"
#include "isinggan/backend/cpu/gemm.hpp"
#include "isinggan/backend/cpu/reduce.hpp"
#include "isinggan/backend/cpu/workspace.hpp"
