#pragma once
// The convolution shapes of the paper's networks that the benchmarks time,
// shared by the kernel benchmark and the libtorch peer so both run the same work.
#include <string>
#include <vector>

#include "isinggan/backend/cpu/conv_geometry.hpp"

namespace isinggan::bench {

struct conv_shape {
    std::string name;
    bool transposed;
    int n, c_in, h, w, c_out;
    conv2d_geometry g;

    int out_h() const { return transposed ? g.transposed_out_h(h) : g.conv_out_h(h); }
    int out_w() const { return transposed ? g.transposed_out_w(w) : g.conv_out_w(w); }
    /// Multiply-adds x 2 of one forward pass (the backward data and weight passes cost the same each),
/// counting every kernel tap, also those on padding.
    double forward_flops() const {
        const double positions = transposed ? double(h) * w : double(out_h()) * out_w();
        const double channels = double(c_in) * c_out;
        return 2.0 * n * positions * channels * g.kernel_h * g.kernel_w;
    }
};

inline std::vector<conv_shape> paper_conv_shapes() {
    std::vector<conv_shape> shapes;
    for (int n : {8, 64}) {
        const std::string b = "_b" + std::to_string(n);
        // Discriminator: 5x5 stride-2 convolutions (its first layer, and a middle one).
        shapes.push_back({"conv5x5s2_4to64_256px" + b, false, n, 4, 256, 256, 64, conv2d_geometry::square(5, 2, 2)});
        shapes.push_back({"conv5x5s2_128to256_64px" + b, false, n, 128, 64, 64, 256, conv2d_geometry::square(5, 2, 2)});
        // Its last layer: stride 1 on 4x4 maps, where half of the 5x5 window is padding.
        shapes.push_back({"conv5x5s1_512to512_4px" + b, false, n, 512, 4, 4, 512, conv2d_geometry::square(5, 1, 2)});
        // Generator: 4x4 stride-2 transposed convolutions (the trunk's first, a head's later one).
        shapes.push_back({"tconv4x4s2_512to256_4px" + b, true, n, 512, 4, 4, 256, conv2d_geometry::square(4, 2, 1)});
        shapes.push_back({"tconv4x4s2_64to32_64px" + b, true, n, 64, 64, 64, 32, conv2d_geometry::square(4, 2, 1)});
    }
    return shapes;
}

/// Every convolution of one 64-px training step at batch 64 (paper widths):
/// the discriminator's seven, the generator's trunk and one head (the other
/// head differs only in its output layer), with the ResGAN's residual convs.
inline std::vector<conv_shape> step64_conv_shapes() {
    const int n = 64;
    const auto d5s2 = conv2d_geometry::square(5, 2, 2), d5s1 = conv2d_geometry::square(5, 1, 2);
    const auto t4s2 = conv2d_geometry::square(4, 2, 1), t3s1 = conv2d_geometry::square(3, 1, 1);
    return {
        {"step64_d0_conv5x5s2_4to64_64px", false, n, 4, 64, 64, 64, d5s2},
        {"step64_d1_conv5x5s2_64to128_32px", false, n, 64, 32, 32, 128, d5s2},
        {"step64_d2_conv5x5s2_128to128_16px", false, n, 128, 16, 16, 128, d5s2},
        {"step64_d3_conv5x5s2_128to256_8px", false, n, 128, 8, 8, 256, d5s2},
        {"step64_d4_conv5x5s1_256to256_4px", false, n, 256, 4, 4, 256, d5s1},
        {"step64_d5_conv5x5s1_256to512_4px", false, n, 256, 4, 4, 512, d5s1},
        {"step64_d6_conv5x5s1_512to512_4px", false, n, 512, 4, 4, 512, d5s1},
        {"step64_g0_tconv3x3s1_512to256_4px", true, n, 512, 4, 4, 256, t3s1},
        {"step64_g1_tconv3x3s1_256to128_4px", true, n, 256, 4, 4, 128, t3s1},
        {"step64_g2_tconv4x4s2_128to64_4px", true, n, 128, 4, 4, 64, t4s2},
        {"step64_h0_tconv4x4s2_64to64_8px", true, n, 64, 8, 8, 64, t4s2},
        {"step64_h0r_conv3x3s1_64to64_16px", false, n, 64, 16, 16, 64, t3s1},
        {"step64_h1_tconv4x4s2_64to32_16px", true, n, 64, 16, 16, 32, t4s2},
        {"step64_h1r_conv3x3s1_32to32_32px", false, n, 32, 32, 32, 32, t3s1},
        {"step64_h2_tconv4x4s2_32to3_32px", true, n, 32, 32, 32, 3, t4s2},
    };
}

}  // namespace isinggan::bench
