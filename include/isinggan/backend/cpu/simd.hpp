#pragma once
// The few vector operations the direct convolution kernels need, over the
// widest float vector the build's instruction set has: AVX-512 (16 lanes,
// 32 registers), AVX2 with FMA (8 lanes, 16 registers), NEON on aarch64
// (4 lanes, 32 registers), SSE2 (4 lanes, 16 registers, no fused multiply-add)
// and, elsewhere, plain scalar code with the same interface.
//
// The kernels are written once against `simd::vec` and choose their register
// tile from `simd::lanes` and `simd::registers`, so one source gives every
// instruction set its own tile. Which set a build uses is fixed at compile
// time by the compiler's target flags (-march=...): `simd::isa` names it, and
// `simd::direct_kernels` says whether conv2d.hpp routes convolutions through
// the direct kernels on it.
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__)) || defined(__SSE2__)
#include <immintrin.h>
#elif defined(__ARM_NEON) && defined(__aarch64__)
#include <arm_neon.h>
#endif

namespace isinggan::cpu_detail::simd {

#if defined(__AVX512F__)
inline constexpr const char* isa = "avx512";
inline constexpr int lanes = 16, registers = 32;
inline constexpr bool direct_kernels = true;
using vec = __m512;
inline vec load(const float* p) { return _mm512_loadu_ps(p); }
inline void store(float* p, vec v) { _mm512_storeu_ps(p, v); }
inline vec broadcast(float x) { return _mm512_set1_ps(x); }
inline vec zero() { return _mm512_setzero_ps(); }
inline vec add(vec a, vec b) { return _mm512_add_ps(a, b); }
inline vec fma(vec a, vec b, vec c) { return _mm512_fmadd_ps(a, b, c); }  // a·b + c, one rounding
#elif defined(__AVX2__) && defined(__FMA__)
inline constexpr const char* isa = "avx2";
inline constexpr int lanes = 8, registers = 16;
inline constexpr bool direct_kernels = true;
using vec = __m256;
inline vec load(const float* p) { return _mm256_loadu_ps(p); }
inline void store(float* p, vec v) { _mm256_storeu_ps(p, v); }
inline vec broadcast(float x) { return _mm256_set1_ps(x); }
inline vec zero() { return _mm256_setzero_ps(); }
inline vec add(vec a, vec b) { return _mm256_add_ps(a, b); }
inline vec fma(vec a, vec b, vec c) { return _mm256_fmadd_ps(a, b, c); }
#elif defined(__ARM_NEON) && defined(__aarch64__)
inline constexpr const char* isa = "neon";
inline constexpr int lanes = 4, registers = 32;
inline constexpr bool direct_kernels = true;
using vec = float32x4_t;
inline vec load(const float* p) { return vld1q_f32(p); }
inline void store(float* p, vec v) { vst1q_f32(p, v); }
inline vec broadcast(float x) { return vdupq_n_f32(x); }
inline vec zero() { return vdupq_n_f32(0.0f); }
inline vec add(vec a, vec b) { return vaddq_f32(a, b); }
inline vec fma(vec a, vec b, vec c) { return vfmaq_f32(c, a, b); }
#elif defined(__SSE2__)
inline constexpr const char* isa = "sse2";
inline constexpr int lanes = 4, registers = 16;
// No fused multiply-add, and OpenBLAS picks its kernel at run time (so on an
// SSE2-only build it still runs the machine's widest): im2col + GEMM is faster.
inline constexpr bool direct_kernels = false;
using vec = __m128;
inline vec load(const float* p) { return _mm_loadu_ps(p); }
inline void store(float* p, vec v) { _mm_storeu_ps(p, v); }
inline vec broadcast(float x) { return _mm_set1_ps(x); }
inline vec zero() { return _mm_setzero_ps(); }
inline vec add(vec a, vec b) { return _mm_add_ps(a, b); }
inline vec fma(vec a, vec b, vec c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }  // two roundings
#else
inline constexpr const char* isa = "scalar";
inline constexpr int lanes = 4, registers = 16;
inline constexpr bool direct_kernels = false;
struct vec {
    float v[4];
};
inline vec load(const float* p) { return {{p[0], p[1], p[2], p[3]}}; }
inline void store(float* p, vec v) {
    for (int i = 0; i < 4; ++i) p[i] = v.v[i];
}
inline vec broadcast(float x) { return {{x, x, x, x}}; }
inline vec zero() { return broadcast(0.0f); }
inline vec add(vec a, vec b) {
    for (int i = 0; i < 4; ++i) a.v[i] += b.v[i];
    return a;
}
inline vec fma(vec a, vec b, vec c) {
    for (int i = 0; i < 4; ++i) c.v[i] += a.v[i] * b.v[i];
    return c;
}
#endif


}  // namespace isinggan::cpu_detail::simd
