// gan --device cuda: the GPU training run, compiled by nvcc (examples/common/gan_program_cuda.cuh).
#include "../common/gan_program_cuda.cuh"

template int isinggan::examples::gan_program<isinggan::models::paper_generator,
                                              isinggan::no_smoothness>::train_on_gpu(
    const std::string&, const isinggan::examples::program_args&);
