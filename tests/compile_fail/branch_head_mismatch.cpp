// expect: channel mismatch in a branch
// The trunk ends with 8 channels; the second head expects 4.
#include "isinggan/layers.hpp"

isinggan::branch<isinggan::conv2d<3, 8, 3>, isinggan::conv2d<8, 3, 1>, isinggan::conv2d<4, 1, 1>> heads;
