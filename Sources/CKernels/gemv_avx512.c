// Decode GEMV on AVX-512: y[n] = x·W[n] (+ bias[n]) for a run of output rows, the weights converted in
// registers (bf16 with vdpbf16ps against bf16 x; f16 with vcvtph2ps and f32 FMA against f32 x).
//
// Four rows at a time, a quarter of the run apart: four independent sequential streams, each prefetched
// 1 KB ahead (the order avx2_gemv.c takes). Zen 5, 2 threads, 28 matrices of bf16, cut into 8 pieces as
// MatMul cuts them, alternated with four adjacent rows and the next four prefetched (a C harness around
// the loops): 8960×1536 37.8 / 43.3 / 41.8 GB/s against 33.6–40.4, 1536×8960 42.7 / 40.3 against 41.0 / 33.0.
// End to end (small page, 64 tokens, old and new binaries alternated four times): f16 decode 10.9–11.7 →
// 13.1–14.1 tok/s, int8 (the VNNI GEMV in q8.c, same order) 17.7–25.3 → 22.2–23.5, bf16 12.5–14.6 →
// 13.4–16.8. The last 0–3 rows of a run one at a time.
#include "CKernels.h"
#include "ck_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,f16c,fma")))

/// The four rows of step t and where they start in w (16-bit elements, ldw a row).
static inline void quarter_rows16(int rows[4], const uint16_t *r[4], const uint16_t *w, int ldw, int n0, int quarter,
                                  int t) {
    ck_quarter_rows(rows, n0, quarter, t);
    for (int j = 0; j < 4; j++) r[j] = w + (size_t)rows[j] * ldw;
}

TGT void ck_gemv_bf16(const uint16_t *x, int k, const uint16_t *w, int ldw, int n0, int n1,
                      float *y, const float *bias) {
    int kfull = k & ~31;
    __mmask32 tail = (k & 31) ? (__mmask32)((1ull << (k & 31)) - 1) : 0;
    int quarter = (n1 - n0) / 4;
    for (int t = 0; t < quarter; t++) {
        int rows[4];
        const uint16_t *r[4];
        quarter_rows16(rows, r, w, ldw, n0, quarter, t);
        __m512 a[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
        for (int i = 0; i < kfull; i += 32) {  // 64 bytes a row: one line each
            __m512bh xv = (__m512bh)_mm512_loadu_si512((const void *)(x + i));
            for (int j = 0; j < 4; j++) _mm_prefetch((const char *)(r[j] + i) + 1024, _MM_HINT_T0);
#pragma clang loop unroll(full)
            for (int j = 0; j < 4; j++)
                a[j] = _mm512_dpbf16_ps(a[j], xv, (__m512bh)_mm512_loadu_si512((const void *)(r[j] + i)));
        }
        if (tail) {
            __m512bh xv = (__m512bh)_mm512_maskz_loadu_epi16(tail, x + kfull);
            for (int j = 0; j < 4; j++)
                a[j] = _mm512_dpbf16_ps(a[j], xv, (__m512bh)_mm512_maskz_loadu_epi16(tail, r[j] + kfull));
        }
        for (int j = 0; j < 4; j++) y[rows[j]] = _mm512_reduce_add_ps(a[j]) + (bias ? bias[rows[j]] : 0);
    }
    for (int n = n0 + 4 * quarter; n < n1; n++) {
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
    int quarter = (n1 - n0) / 4;
    for (int t = 0; t < quarter; t++) {
        int rows[4];
        const uint16_t *r[4];
        quarter_rows16(rows, r, w, ldw, n0, quarter, t);
        __m512 a[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
        for (int i = 0; i < kfull; i += 16) {
            __m512 xv = _mm512_loadu_ps(x + i);
            if ((i & 31) == 0)  // one prefetch per 64-byte line
                for (int j = 0; j < 4; j++) _mm_prefetch((const char *)(r[j] + i) + 1024, _MM_HINT_T0);
#pragma clang loop unroll(full)
            for (int j = 0; j < 4; j++) a[j] = _mm512_fmadd_ps(xv, LOADH(r[j] + i), a[j]);
        }
        if (tail) {
            __m512 xv = _mm512_maskz_loadu_ps(tail, x + kfull);
            for (int j = 0; j < 4; j++) a[j] = _mm512_fmadd_ps(xv, LOADH_MASKED(tail, r[j] + kfull), a[j]);
        }
        for (int j = 0; j < 4; j++) y[rows[j]] = _mm512_reduce_add_ps(a[j]) + (bias ? bias[rows[j]] : 0);
    }
    for (int n = n0 + 4 * quarter; n < n1; n++) {
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
