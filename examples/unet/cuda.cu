// unet --device cuda: the training run on the GPU (training.hpp), compiled by nvcc.
#include <cstdio>
#include <stdexcept>

#include "training.hpp"

namespace unet_program {

void require_gpu() {
    if (isinggan::cuda_detail::device_count() == 0)
        throw std::runtime_error("--device cuda: no CUDA device present (a GPU and its driver are needed)");
    cudaDeviceProp prop{};
    ISINGGAN_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
    std::fprintf(stderr, "device: %s (CUDA, fp32)\n", prop.name);
}

training_result train_on_gpu(const settings& s, const split_sets& sets) { return train<isinggan::cuda>(s, sets); }

}  // namespace unet_program
