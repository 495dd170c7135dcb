#pragma once
// How upsample fills the enlarged plane (layers/upsample.hpp).

namespace isinggan {

enum class upsample_mode { nearest, bilinear };

}  // namespace isinggan
