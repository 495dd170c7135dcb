#pragma once
// The 3x3 poolings of Inception-v3 and the channel copies that build its
// concatenations, for inference on NCHW tensors of either backend (the cuda
// versions only where nvcc compiles with the CUDA backend).
//
// pytorch-fid's average pools use count_include_pad=False: a window at the
// border is averaged over the pixels inside the image only. Max pools treat
// padding as −∞.
#include <cstddef>

#include "isinggan/backend/compiled.hpp"
#include "isinggan/backend/cpu/inception.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan::inception {

using pool_kind = inception_pool_kind;

/// 3x3 pooling with the given stride and padding; y is resized.
template <class Backend>
void pool3x3(const tensor<Backend>& x, tensor<Backend>& y, pool_kind kind, int stride, int pad) {
    require_backend<Backend>();
    ops::inception_pool3x3(Backend{}, x, y, kind, stride, pad);
}

/// Copies channels [from, from + count) of src into channels starting at
/// `to` of dst; the batch and spatial sizes must agree.
template <class Backend>
void copy_channels(const tensor<Backend>& src, std::size_t from, std::size_t count, tensor<Backend>& dst,
                   std::size_t to) {
    require_backend<Backend>();
    ops::copy_channels(Backend{}, src, from, count, dst, to);
}

/// dst = channels [from, from + count) of src (dst is resized).
template <class Backend>
void slice_channels(const tensor<Backend>& src, std::size_t from, std::size_t count, tensor<Backend>& dst) {
    dst.resize({src.n(), count, src.h(), src.w()});
    copy_channels(src, from, count, dst, 0);
}

}  // namespace isinggan::inception
