#pragma once
// MRF smoothness losses (paper, eqs. 2-4): mrf_loss with its pairwise,
// neighborhood and weighting policies, the paper's laplacian_l1, and
// no_smoothness for the plain GANs. See docs/library.md ("MRF smoothness losses").
#include "isinggan/losses/mrf/laplacian_l1.hpp"
#include "isinggan/losses/mrf/mrf_loss.hpp"
#include "isinggan/losses/mrf/neighborhood.hpp"
#include "isinggan/losses/mrf/no_smoothness.hpp"
#include "isinggan/losses/mrf/options.hpp"
#include "isinggan/losses/mrf/pairwise.hpp"
#include "isinggan/losses/mrf/smoothness_loss.hpp"
#include "isinggan/losses/mrf/weighting.hpp"
