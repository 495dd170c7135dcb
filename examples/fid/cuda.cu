// fid --device cuda: pytorch-fid's Inception on the GPU, compiled by nvcc.
// Image reading, the resize to 299 and the statistics stay on the host.
#include <cstdio>
#include <stdexcept>

#include "image_statistics.hpp"

namespace fid_program {

feature_function gpu_inception_features(const fs::path& weights) {
    if (isinggan::cuda_detail::device_count() == 0)
        throw std::runtime_error("--device cuda: no CUDA device present (a GPU and its driver are needed)");
    cudaDeviceProp prop{};
    ISINGGAN_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
    std::fprintf(stderr, "device: %s (CUDA, fp32)\n", prop.name);
    return inception_features<isinggan::cuda>(weights);
}

}  // namespace fid_program
