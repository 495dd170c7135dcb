#pragma once
// cuDNN plumbing: status checking, the per-thread handle and RAII descriptors.
//
// The legacy convolution API (descriptors + cudnnConvolution*) is marked
// deprecated in cuDNN 9 but is still shipped and supported; the headers only
// warn when CUDNN_WARN_DEPRECATED is defined.
#include <utility>

#include <cudnn.h>

#include "isinggan/backend/cuda/check.hpp"
#include "isinggan/backend/cuda/settings.hpp"
#include "isinggan/backend/cuda/stream.hpp"

namespace isinggan::cuda_detail {

inline void check(cudnnStatus_t status, const char* call, const char* file, int line) {
    if (status != CUDNN_STATUS_SUCCESS) fail("cuDNN", call, file, line, cudnnGetErrorString(status));
}

/// Owns a cuDNN descriptor of any kind: Create/Destroy are the cuDNN functions for it.
template <class Handle, cudnnStatus_t (*Create)(Handle*), cudnnStatus_t (*Destroy)(Handle)>
class cudnn_resource {
public:
    cudnn_resource() { ISINGGAN_CUDA_CHECK(Create(&handle_)); }
    cudnn_resource(const cudnn_resource&) = delete;
    cudnn_resource& operator=(const cudnn_resource&) = delete;
    cudnn_resource(cudnn_resource&& o) noexcept : handle_(std::exchange(o.handle_, nullptr)) {}
    cudnn_resource& operator=(cudnn_resource&& o) noexcept {
        if (this != &o) {
            if (handle_) Destroy(handle_);
            handle_ = std::exchange(o.handle_, nullptr);
        }
        return *this;
    }
    ~cudnn_resource() {
        if (handle_) Destroy(handle_);  // a destructor cannot report a failure
    }
    Handle get() const noexcept { return handle_; }

private:
    Handle handle_ = nullptr;
};

}  // namespace isinggan::cuda_detail

namespace isinggan {

/// Owns a cuDNN handle (bound to the device current when it was created).
using cudnn_handle = cuda_detail::cudnn_resource<cudnnHandle_t, cudnnCreate, cudnnDestroy>;

/// An NCHW float tensor descriptor.
class cudnn_tensor_descriptor {
public:
    cudnn_tensor_descriptor() = default;
    cudnn_tensor_descriptor(int n, int c, int h, int w) { set(n, c, h, w); }
    void set(int n, int c, int h, int w) {
        ISINGGAN_CUDA_CHECK(cudnnSetTensor4dDescriptor(desc_.get(), CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, c, h, w));
    }
    cudnnTensorDescriptor_t get() const noexcept { return desc_.get(); }

private:
    cuda_detail::cudnn_resource<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor, cudnnDestroyTensorDescriptor>
        desc_;
};

/// A float filter descriptor, [k (output channels), c (input channels), h, w] in NCHW order.
class cudnn_filter_descriptor {
public:
    cudnn_filter_descriptor() = default;
    cudnn_filter_descriptor(int k, int c, int h, int w) { set(k, c, h, w); }
    void set(int k, int c, int h, int w) {
        ISINGGAN_CUDA_CHECK(cudnnSetFilter4dDescriptor(desc_.get(), CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, k, c, h, w));
    }
    cudnnFilterDescriptor_t get() const noexcept { return desc_.get(); }

private:
    cuda_detail::cudnn_resource<cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor, cudnnDestroyFilterDescriptor>
        desc_;
};

/// A 2-d cross-correlation (what deep learning calls convolution) on fp32
/// data. With cuda_math::fp32 the math type is CUDNN_FMA_MATH: no tensor
/// cores, hence no TF32 rounding, so results agree with the CPU backend to
/// fp32 accuracy; with cuda_math::tf32 it is CUDNN_TENSOR_OP_MATH.
class cudnn_convolution_descriptor {
public:
    cudnn_convolution_descriptor() = default;
    cudnn_convolution_descriptor(int pad_h, int pad_w, int stride_h, int stride_w, cuda_math math = cuda_math::fp32) {
        set(pad_h, pad_w, stride_h, stride_w, math);
    }
    void set(int pad_h, int pad_w, int stride_h, int stride_w, cuda_math math = cuda_math::fp32) {
        ISINGGAN_CUDA_CHECK(cudnnSetConvolution2dDescriptor(desc_.get(), pad_h, pad_w, stride_h, stride_w, 1, 1,
                                                            CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
        ISINGGAN_CUDA_CHECK(cudnnSetConvolutionMathType(
            desc_.get(), math == cuda_math::tf32 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH));
    }
    cudnnConvolutionDescriptor_t get() const noexcept { return desc_.get(); }

private:
    cuda_detail::cudnn_resource<cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor,
                                cudnnDestroyConvolutionDescriptor>
        desc_;
};

namespace cuda_detail {

/// This thread's cuDNN handle, created on first use and bound to the
/// thread's current stream. cuDNN handles are not meant to be shared between
/// threads; a thread is expected to stay on one device.
inline cudnnHandle_t thread_cudnn_handle() {
    thread_local cudnn_handle handle;
    thread_local cudaStream_t bound = nullptr;
    if (current_stream() != bound) {
        ISINGGAN_CUDA_CHECK(cudnnSetStream(handle.get(), current_stream()));
        bound = current_stream();
    }
    return handle.get();
}

}  // namespace cuda_detail
}  // namespace isinggan
