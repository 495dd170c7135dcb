#pragma once
// Every CPU kernel: include this to get the `cpu` overloads of isinggan::ops.
#include "isinggan/backend/cpu/activation.hpp"
#include "isinggan/backend/cpu/bce.hpp"
#include "isinggan/backend/cpu/channel_concat.hpp"
#include "isinggan/backend/cpu/conv2d.hpp"
#include "isinggan/backend/cpu/conv_transpose2d.hpp"
#include "isinggan/backend/cpu/dice.hpp"
#include "isinggan/backend/cpu/elementwise.hpp"
#include "isinggan/backend/cpu/gemm.hpp"
#include "isinggan/backend/cpu/pooling.hpp"
#include "isinggan/backend/cpu/reduce.hpp"
#include "isinggan/backend/cpu/upsample.hpp"
#include "isinggan/backend/cpu/workspace.hpp"
