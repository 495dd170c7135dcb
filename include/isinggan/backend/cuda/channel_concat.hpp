#pragma once
// Concatenation along channels and its adjoint, the split, for device
// tensors (as backend/cpu/channel_concat.hpp). In NCHW a sample's channels are
// contiguous, so each is one strided 2-d copy: one row per sample.
#include <string>

#include "isinggan/backend/cuda/tensor.hpp"
#include "isinggan/backend/cpu/channel_concat.hpp"  // the shared checks

namespace isinggan {

namespace cuda_detail {

/// Copies `rows` rows of `width` floats between row-strided device arrays.
inline void copy_rows(float* dst, std::size_t dst_stride, const float* src, std::size_t src_stride,
                      std::size_t width, std::size_t rows) {
    if (width == 0 || rows == 0) return;
    ISINGGAN_CUDA_CHECK(cudaMemcpy2DAsync(dst, dst_stride * sizeof(float), src, src_stride * sizeof(float),
                                          width * sizeof(float), rows, cudaMemcpyDeviceToDevice, current_stream()));
}

}  // namespace cuda_detail

/// out = [a, b] along channels; a and b must agree in batch and spatial size.
inline void concat_channels(cuda, const tensor<cuda>& a, const tensor<cuda>& b, tensor<cuda>& out) {
    channel_concat_detail::size_concat(a, b, out);
    const std::size_t as = a.shape().sample_size(), bs = b.shape().sample_size(), os = out.shape().sample_size();
    cuda_detail::copy_rows(out.data(), os, a.data(), as, as, a.n());
    cuda_detail::copy_rows(out.data() + as, os, b.data(), bs, bs, a.n());
}

/// The adjoint of concat_channels: the first `first_channels` channels of d
/// go to da, the rest to db.
inline void split_channels(cuda, const tensor<cuda>& d, std::size_t first_channels, tensor<cuda>& da,
                           tensor<cuda>& db) {
    channel_concat_detail::size_split(d, first_channels, da, db);
    const std::size_t as = da.shape().sample_size(), bs = db.shape().sample_size(), ds = d.shape().sample_size();
    cuda_detail::copy_rows(da.data(), as, d.data(), ds, as, d.n());
    cuda_detail::copy_rows(db.data(), bs, d.data() + as, ds, bs, d.n());
}

}  // namespace isinggan
