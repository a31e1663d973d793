// Decode GEMV on AVX-512: y[n] = x·W[n] (+ bias[n]) for a run of output rows, the weights converted in
// registers (bf16 with vdpbf16ps against bf16 x; f16 with vcvtph2ps and f32 FMA against f32 x).
#include "CKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,f16c,fma")))

TGT void ck_gemv_bf16(const uint16_t *x, int k, const uint16_t *w, int ldw, int n0, int n1,
                      float *y, const float *bias) {
    int kfull = k & ~31;
    __mmask32 tail = (k & 31) ? (__mmask32)((1ull << (k & 31)) - 1) : 0;
    int n = n0;
    for (; n + 4 <= n1; n += 4) {
        const uint16_t *w0 = w + (size_t)n * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
        const char *ahead = (const char *)(w0 + 4 * (size_t)ldw);  // next group: rows too short for the prefetcher
        int prefetch = n + 8 <= n1;
        for (int i = 0; i < kfull; i += 32) {
            __m512bh xv = (__m512bh)_mm512_loadu_si512((const void *)(x + i));
            if (prefetch)
                for (int j = 0; j < 4; j++) _mm_prefetch(ahead + ((size_t)j * ldw + i) * 2, _MM_HINT_T0);
            a0 = _mm512_dpbf16_ps(a0, xv, (__m512bh)_mm512_loadu_si512((const void *)(w0 + i)));
            a1 = _mm512_dpbf16_ps(a1, xv, (__m512bh)_mm512_loadu_si512((const void *)(w1 + i)));
            a2 = _mm512_dpbf16_ps(a2, xv, (__m512bh)_mm512_loadu_si512((const void *)(w2 + i)));
            a3 = _mm512_dpbf16_ps(a3, xv, (__m512bh)_mm512_loadu_si512((const void *)(w3 + i)));
        }
        if (tail) {
            __m512bh xv = (__m512bh)_mm512_maskz_loadu_epi16(tail, x + kfull);
            a0 = _mm512_dpbf16_ps(a0, xv, (__m512bh)_mm512_maskz_loadu_epi16(tail, w0 + kfull));
            a1 = _mm512_dpbf16_ps(a1, xv, (__m512bh)_mm512_maskz_loadu_epi16(tail, w1 + kfull));
            a2 = _mm512_dpbf16_ps(a2, xv, (__m512bh)_mm512_maskz_loadu_epi16(tail, w2 + kfull));
            a3 = _mm512_dpbf16_ps(a3, xv, (__m512bh)_mm512_maskz_loadu_epi16(tail, w3 + kfull));
        }
        float b0 = bias ? bias[n] : 0, b1 = bias ? bias[n + 1] : 0, b2 = bias ? bias[n + 2] : 0, b3 = bias ? bias[n + 3] : 0;
        y[n] = _mm512_reduce_add_ps(a0) + b0;
        y[n + 1] = _mm512_reduce_add_ps(a1) + b1;
        y[n + 2] = _mm512_reduce_add_ps(a2) + b2;
        y[n + 3] = _mm512_reduce_add_ps(a3) + b3;
    }
    for (; n < n1; n++) {
        const uint16_t *w0 = w + (size_t)n * ldw;
        __m512 a0 = _mm512_setzero_ps();
        for (int i = 0; i < kfull; i += 32)
            a0 = _mm512_dpbf16_ps(a0, (__m512bh)_mm512_loadu_si512((const void *)(x + i)),
                                  (__m512bh)_mm512_loadu_si512((const void *)(w0 + i)));
        if (tail)
            a0 = _mm512_dpbf16_ps(a0, (__m512bh)_mm512_maskz_loadu_epi16(tail, x + kfull),
                                  (__m512bh)_mm512_maskz_loadu_epi16(tail, w0 + kfull));
        y[n] = _mm512_reduce_add_ps(a0) + (bias ? bias[n] : 0);
    }
}

// 16 f16 weights from w (masked lanes zero) widened to f32.
#define LOADH(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p)))
#define LOADH_MASKED(m, p) _mm512_cvtph_ps(_mm256_maskz_loadu_epi16((m), (p)))

TGT void ck_gemv_f16_avx512(const float *x, int k, const uint16_t *w, int ldw, int n0, int n1, float *y,
                            const float *bias) {
    int kfull = k & ~15;
    __mmask16 tail = (__mmask16)((1u << (k & 15)) - 1);
    int n = n0;
    for (; n + 4 <= n1; n += 4) {
        const uint16_t *w0 = w + (size_t)n * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
        const char *ahead = (const char *)(w0 + 4 * (size_t)ldw);
        int prefetch = n + 8 <= n1;
        for (int i = 0; i < kfull; i += 16) {
            __m512 xv = _mm512_loadu_ps(x + i);
            if (prefetch && (i & 31) == 0)
                for (int j = 0; j < 4; j++) _mm_prefetch(ahead + ((size_t)j * ldw + i) * 2, _MM_HINT_T0);
            a0 = _mm512_fmadd_ps(xv, LOADH(w0 + i), a0);
            a1 = _mm512_fmadd_ps(xv, LOADH(w1 + i), a1);
            a2 = _mm512_fmadd_ps(xv, LOADH(w2 + i), a2);
            a3 = _mm512_fmadd_ps(xv, LOADH(w3 + i), a3);
        }
        if (tail) {
            __m512 xv = _mm512_maskz_loadu_ps(tail, x + kfull);
            a0 = _mm512_fmadd_ps(xv, LOADH_MASKED(tail, w0 + kfull), a0);
            a1 = _mm512_fmadd_ps(xv, LOADH_MASKED(tail, w1 + kfull), a1);
            a2 = _mm512_fmadd_ps(xv, LOADH_MASKED(tail, w2 + kfull), a2);
            a3 = _mm512_fmadd_ps(xv, LOADH_MASKED(tail, w3 + kfull), a3);
        }
        y[n] = _mm512_reduce_add_ps(a0) + (bias ? bias[n] : 0);
        y[n + 1] = _mm512_reduce_add_ps(a1) + (bias ? bias[n + 1] : 0);
        y[n + 2] = _mm512_reduce_add_ps(a2) + (bias ? bias[n + 2] : 0);
        y[n + 3] = _mm512_reduce_add_ps(a3) + (bias ? bias[n + 3] : 0);
    }
    for (; n < n1; n++) {
        const uint16_t *w0 = w + (size_t)n * ldw;
        __m512 a0 = _mm512_setzero_ps();
        for (int i = 0; i < kfull; i += 16) a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), LOADH(w0 + i), a0);
        if (tail) a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, x + kfull), LOADH_MASKED(tail, w0 + kfull), a0);
        y[n] = _mm512_reduce_add_ps(a0) + (bias ? bias[n] : 0);
    }
}

#else
void ck_gemv_bf16(const uint16_t *x, int k, const uint16_t *w, int ldw, int n0, int n1, float *y, const float *bias) {
    ck_trap("ck_gemv_bf16");
}
void ck_gemv_f16_avx512(const float *x, int k, const uint16_t *w, int ldw, int n0, int n1, float *y,
                        const float *bias) {
    ck_trap("ck_gemv_f16_avx512");
}
#endif
