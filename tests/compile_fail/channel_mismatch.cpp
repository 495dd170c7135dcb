// expect: channel mismatch between consecutive layers
// A convolution producing 8 channels feeds one that expects 16.
#include "isinggan/layers.hpp"

isinggan::sequential<isinggan::conv2d<3, 8, 3>, isinggan::relu, isinggan::conv2d<16, 4, 3>> net;
