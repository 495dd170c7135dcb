# Finds what isinggan's targets need. Used both by the build and, installed
# beside isingganConfig.cmake, by projects that find_package(isinggan).
include_guard(GLOBAL)
include(CMakeFindDependencyMacro)

find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(xtensor REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)  # the safetensors header and the run files
find_package(OpenMP REQUIRED COMPONENTS CXX)

find_package(PNG QUIET)   # the isinggan::io component: PNG images
find_package(ZLIB QUIET)  # and pytorch-fid .npz statistics
find_package(MPI QUIET COMPONENTS CXX)  # the isinggan::mpi component: data-parallel training

if(NOT DEFINED ISINGGAN_USE_BLAS OR ISINGGAN_USE_BLAS)
  set(BLA_VENDOR OpenBLAS)
  find_package(BLAS QUIET)
  unset(BLA_VENDOR)
endif()

# CUDA: the toolkit at /usr/local/cuda (or wherever CUDAToolkit_ROOT points) and cuDNN beside it.
if(NOT DEFINED CUDAToolkit_ROOT AND EXISTS /usr/local/cuda)
  set(CUDAToolkit_ROOT /usr/local/cuda)
endif()
find_package(CUDAToolkit QUIET)
set(isinggan_cuda_available OFF)
if(CUDAToolkit_FOUND)
  find_path(ISINGGAN_CUDNN_INCLUDE_DIR cudnn.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
  find_library(ISINGGAN_CUDNN_LIBRARY cudnn HINTS ${CUDAToolkit_LIBRARY_DIR})
  if(ISINGGAN_CUDNN_INCLUDE_DIR AND ISINGGAN_CUDNN_LIBRARY)
    set(isinggan_cuda_available ON)
  endif()
  # NCCL, for data-parallel training on GPUs (isinggan::nccl, with MPI).
  find_path(ISINGGAN_NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
  find_library(ISINGGAN_NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR})
endif()
if(NOT DEFINED ISINGGAN_WITH_CUDA)
  set(ISINGGAN_WITH_CUDA ${isinggan_cuda_available} CACHE BOOL "Build the CUDA backend (cuDNN, cuBLAS)")
elseif(ISINGGAN_WITH_CUDA AND NOT isinggan_cuda_available)
  message(FATAL_ERROR "ISINGGAN_WITH_CUDA is ON but the CUDA toolkit with cuDNN was not found "
                      "(looked in ${CUDAToolkit_ROOT}); set CUDAToolkit_ROOT or turn the option off")
endif()
