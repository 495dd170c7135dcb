#pragma once
// CUDA, cuBLAS and cuDNN status codes turned into isinggan::device_error,
// with the failing call, file and line in the message.
#include <string>

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "isinggan/core/error.hpp"

namespace isinggan::cuda_detail {

[[noreturn]] inline void fail(const char* api, const char* call, const char* file, int line, const std::string& why) {
    throw device_error(std::string(api) + " call `" + call + "` failed at " + file + ":" + std::to_string(line) +
                       ": " + why);
}

inline void check(cudaError_t status, const char* call, const char* file, int line) {
    if (status != cudaSuccess) {
        // A failed call (an allocation too large, say) also sets the thread's
        // last error; clear it, or the next kernel launch check would report
        // it again as its own failure.
        (void)cudaGetLastError();
        fail("CUDA", call, file, line, cudaGetErrorString(status));
    }
}

inline void check(cublasStatus_t status, const char* call, const char* file, int line) {
    if (status != CUBLAS_STATUS_SUCCESS) fail("cuBLAS", call, file, line, cublasGetStatusString(status));
}

/// Number of usable GPUs; 0 (never an exception) when there is no driver or device.
inline int device_count() noexcept {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        (void)cudaGetLastError();  // clear the sticky "no device" error
        return 0;
    }
    return n;
}

}  // namespace isinggan::cuda_detail

#define ISINGGAN_CUDA_CHECK(call) ::isinggan::cuda_detail::check((call), #call, __FILE__, __LINE__)
