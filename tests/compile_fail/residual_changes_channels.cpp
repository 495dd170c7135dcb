// expect: residual<Block>: the block must produce as many channels as it takes
// A residual block's output is added to its input, so it cannot change the channel count.
#include "isinggan/layers.hpp"

isinggan::residual<isinggan::sequential<isinggan::conv2d<8, 16, 3, 1, 1>, isinggan::relu>> block;
