// Decode GEMV with AVX2 + FMA + F16C: y[n] = x·W[n] (+ bias[n]) for a run of output rows, x in f32,
// W f32 / bf16 / f16 row-major [N][ldw], widened to f32 in registers (never through a buffer).
#include "CKernels.h"
#include "ck_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define TGT __attribute__((target("avx2,fma,f16c")))

TGT static inline __m256 load8(const void *row, int k, int elem) {
    if (elem == CK_ELEM_F32) return _mm256_loadu_ps((const float *)row + k);
    __m128i h = _mm_loadu_si128((const __m128i *)((const uint16_t *)row + k));
    if (elem == CK_ELEM_F16) return _mm256_cvtph_ps(h);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

TGT static inline float load1(const void *row, int k, int elem) {
    if (elem == CK_ELEM_F32) return ((const float *)row)[k];
    uint16_t v = ((const uint16_t *)row)[k];
    return elem == CK_ELEM_F16 ? _cvtsh_ss(v) : ck_bf16_value(v);
}

TGT static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Four rows at a time, 16 k per step (two accumulators a row keep both FMA ports busy).
__attribute__((always_inline)) TGT static inline void gemv(const float *x, int k, const void *w, size_t ldw, int n0,
                                                           int n1, float *y, const float *bias, int elem) {
    size_t esize = elem == CK_ELEM_F32 ? 4 : 2;
    int k16 = k & ~15, k8 = k & ~7;
    int n = n0;
    for (; n + 4 <= n1; n += 4) {
        const void *r[4];
        for (int j = 0; j < 4; j++) r[j] = (const char *)w + (size_t)(n + j) * ldw * esize;
        __m256 a[4][2];
        for (int j = 0; j < 4; j++) a[j][0] = a[j][1] = _mm256_setzero_ps();
        int i = 0;
        // The next four rows, one group ahead (rows are short: 3 KB at k = 1536 in bf16, too short for
        // the hardware prefetcher to ramp up on its own).
        const char *ahead = (const char *)r[0] + 4 * ldw * esize;
        size_t rowBytes = ldw * esize;
        for (; i < k16; i += 16) {
            __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);
            if (n + 8 <= n1)
                for (int j = 0; j < 4; j++) _mm_prefetch(ahead + j * rowBytes + (size_t)i * esize, _MM_HINT_T0);
#pragma clang loop unroll(full)
            for (int j = 0; j < 4; j++) {
                a[j][0] = _mm256_fmadd_ps(x0, load8(r[j], i, elem), a[j][0]);
                a[j][1] = _mm256_fmadd_ps(x1, load8(r[j], i + 8, elem), a[j][1]);
            }
        }
        if (i < k8) {
            __m256 x0 = _mm256_loadu_ps(x + i);
            for (int j = 0; j < 4; j++) a[j][0] = _mm256_fmadd_ps(x0, load8(r[j], i, elem), a[j][0]);
            i += 8;
        }
        for (int j = 0; j < 4; j++) {
            float s = hsum(_mm256_add_ps(a[j][0], a[j][1]));
            for (int t = i; t < k; t++) s += x[t] * load1(r[j], t, elem);
            y[n + j] = s + (bias ? bias[n + j] : 0.0f);
        }
    }
    for (; n < n1; n++) {
        const void *r0 = (const char *)w + (size_t)n * ldw * esize;
        __m256 a0 = _mm256_setzero_ps();
        int i = 0;
        for (; i < k8; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), load8(r0, i, elem), a0);
        float s = hsum(a0);
        for (; i < k; i++) s += x[i] * load1(r0, i, elem);
        y[n] = s + (bias ? bias[n] : 0.0f);
    }
}

TGT static void gemv_f32(const float *x, int k, const void *w, size_t ldw, int n0, int n1, float *y, const float *b) {
    gemv(x, k, w, ldw, n0, n1, y, b, CK_ELEM_F32);
}
TGT static void gemv_bf16(const float *x, int k, const void *w, size_t ldw, int n0, int n1, float *y, const float *b) {
    gemv(x, k, w, ldw, n0, n1, y, b, CK_ELEM_BF16);
}
TGT static void gemv_f16(const float *x, int k, const void *w, size_t ldw, int n0, int n1, float *y, const float *b) {
    gemv(x, k, w, ldw, n0, n1, y, b, CK_ELEM_F16);
}

void ck_gemv_avx2(int elem, const float *x, int k, const void *w, int ldw, int n0, int n1, float *y,
                  const float *bias) {
    switch (elem) {
    case CK_ELEM_F32: gemv_f32(x, k, w, (size_t)ldw, n0, n1, y, bias); break;
    case CK_ELEM_BF16: gemv_bf16(x, k, w, (size_t)ldw, n0, n1, y, bias); break;
    case CK_ELEM_F16: gemv_f16(x, k, w, (size_t)ldw, n0, n1, y, bias); break;
    default: ck_trap("ck_gemv_avx2 (unknown element type)");
    }
}
#else
void ck_gemv_avx2(int elem, const float *x, int k, const void *w, int ldw, int n0, int n1, float *y,
                  const float *bias) {
    ck_trap("ck_gemv_avx2");
}
#endif
