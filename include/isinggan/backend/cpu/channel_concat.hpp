#pragma once
// Concatenation along channels and its adjoint, the split, on the CPU (the
// `cuda` overloads are in backend/cuda/channel_concat.hpp and share the checks
// below). The GAN trainer stacks the generator's image (3 channels) and mask
// (1 channel) into the discriminator's 4-channel input, then splits the
// discriminator's input gradient back into one gradient per generator head;
// skip_concat uses the same pair. Both reuse the output buffers' memory (no
// allocation once sized).
#include <algorithm>
#include <string>

#include "isinggan/core/backend.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan {

namespace channel_concat_detail {

// The checks and output sizing both backends share.
template <class Tensor>
void size_concat(const Tensor& a, const Tensor& b, Tensor& out) {
    if (a.n() != b.n() || a.h() != b.h() || a.w() != b.w())
        throw shape_error("concat_channels: tensors " + a.shape().str() + " and " + b.shape().str() +
                          " differ in batch or spatial size");
    if (&out == &a || &out == &b) throw argument_error("concat_channels: the output must not be an input");
    out.resize({a.n(), a.c() + b.c(), a.h(), a.w()});
}

template <class Tensor>
void size_split(const Tensor& d, std::size_t first_channels, Tensor& da, Tensor& db) {
    if (first_channels > d.c())
        throw shape_error("split_channels: cannot take " + std::to_string(first_channels) + " channels from " +
                          d.shape().str());
    if (&da == &d || &db == &d || &da == &db)
        throw argument_error("split_channels: the outputs must be distinct from each other and from the input");
    da.resize({d.n(), first_channels, d.h(), d.w()});
    db.resize({d.n(), d.c() - first_channels, d.h(), d.w()});
}

}  // namespace channel_concat_detail

/// out = [a, b] along channels; a and b must agree in batch and spatial size.
inline void concat_channels(const tensor<cpu>& a, const tensor<cpu>& b, tensor<cpu>& out) {
    channel_concat_detail::size_concat(a, b, out);
    const std::size_t as = a.shape().sample_size(), bs = b.shape().sample_size();
    for (std::size_t n = 0; n < a.n(); ++n) {
        std::copy(a.sample(n), a.sample(n) + as, out.sample(n));
        std::copy(b.sample(n), b.sample(n) + bs, out.sample(n) + as);
    }
}

/// The adjoint of concat_channels: the first `first_channels` channels of d
/// go to da, the rest to db.
inline void split_channels(const tensor<cpu>& d, std::size_t first_channels, tensor<cpu>& da, tensor<cpu>& db) {
    channel_concat_detail::size_split(d, first_channels, da, db);
    const std::size_t as = da.shape().sample_size(), bs = db.shape().sample_size();
    for (std::size_t n = 0; n < d.n(); ++n) {
        std::copy(d.sample(n), d.sample(n) + as, da.sample(n));
        std::copy(d.sample(n) + as, d.sample(n) + as + bs, db.sample(n));
    }
}

/// The tagged forms, as the layers and trainers call them for any backend.
inline void concat_channels(cpu, const tensor<cpu>& a, const tensor<cpu>& b, tensor<cpu>& out) {
    concat_channels(a, b, out);
}
inline void split_channels(cpu, const tensor<cpu>& d, std::size_t first_channels, tensor<cpu>& da, tensor<cpu>& db) {
    split_channels(d, first_channels, da, db);
}

}  // namespace isinggan
