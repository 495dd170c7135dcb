#pragma once
// The raster the PNG reader returns: core/image.hpp (a value type with no
// I/O in it, so that data/ can use it without depending on io/). Its names
// in io:: stay for the readers and writers here and for users' code.
#include "isinggan/core/image.hpp"

namespace isinggan::io {

using isinggan::has_colour;
using isinggan::image16;
using isinggan::image8;
using isinggan::image_buffer;

}  // namespace isinggan::io
