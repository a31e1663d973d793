// AVX2 helpers shared by the AVX2 kernel files (not part of the module's API).
#ifndef CK_AVX2_H
#define CK_AVX2_H
#if defined(__x86_64__)
#include <immintrin.h>
#include "CKernels.h"
#include "ck_internal.h"

#define CK_TGT_AVX2 __attribute__((target("avx2,fma,f16c")))

/// 8 consecutive weights of one row (element CK_ELEM_*), widened to f32.
CK_TGT_AVX2 static inline __m256 ck_load8(const void *row, int k, int elem) {
    if (elem == CK_ELEM_F32) return _mm256_loadu_ps((const float *)row + k);
    __m128i h = _mm_loadu_si128((const __m128i *)((const uint16_t *)row + k));
    if (elem == CK_ELEM_F16) return _mm256_cvtph_ps(h);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

/// One weight, widened to f32 (tails only).
CK_TGT_AVX2 static inline float ck_load1(const void *row, int k, int elem) {
    if (elem == CK_ELEM_F32) return ((const float *)row)[k];
    uint16_t v = ((const uint16_t *)row)[k];
    return elem == CK_ELEM_F16 ? _cvtsh_ss(v) : ck_bf16_value(v);
}

CK_TGT_AVX2 static inline float ck_hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

CK_TGT_AVX2 static inline float ck_hmax256(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
#endif
#endif
