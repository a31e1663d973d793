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

/// k values a step takes: 32 bf16 (one vdpbf16ps, 64 bytes of a row) or 16 f16 (one widened f32 FMA, 32 bytes).
#define STEP(elem) ((elem) == CK_ELEM_BF16 ? 32 : 16)

/// a + x[i, i + n)·r[i, i + n) for one step (n = STEP) or a step's first n values (the k tail, masked).
__attribute__((always_inline)) TGT static inline __m512 madd(__m512 a, const void *x, const uint16_t *r, int i, int n,
                                                             int elem) {
    if (elem == CK_ELEM_BF16) {
        const uint16_t *xb = (const uint16_t *)x + i;
        if (n == 32) return _mm512_dpbf16_ps(a, (__m512bh)_mm512_loadu_si512(xb), (__m512bh)_mm512_loadu_si512(r + i));
        __mmask32 m = (__mmask32)((1ull << n) - 1);
        return _mm512_dpbf16_ps(a, (__m512bh)_mm512_maskz_loadu_epi16(m, xb), (__m512bh)_mm512_maskz_loadu_epi16(m, r + i));
    }
    const float *xf = (const float *)x + i;
    if (n == 16) return _mm512_fmadd_ps(_mm512_loadu_ps(xf), _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(r + i))), a);
    __mmask16 m = (__mmask16)((1u << n) - 1);
    return _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, xf), _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, r + i)), a);
}

__attribute__((always_inline)) TGT static inline void gemv(const void *x, int k, const uint16_t *w, int ldw, int n0,
                                                           int n1, float *y, const float *bias, int elem) {
    int step = STEP(elem), kfull = k & ~(step - 1), rest = k - kfull;
    int quarter = (n1 - n0) / 4;
    for (int t = 0; t < quarter; t++) {
        int rows[4];
        ck_quarter_rows(rows, n0, quarter, t);
        const uint16_t *r[4];
        for (int j = 0; j < 4; j++) r[j] = w + (size_t)rows[j] * ldw;
        __m512 a[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
        for (int i = 0; i < kfull; i += step) {
            if ((i & 31) == 0)  // one prefetch per 64-byte line (32 values): every bf16 step, every other f16 one
                for (int j = 0; j < 4; j++) _mm_prefetch((const char *)(r[j] + i) + 1024, _MM_HINT_T0);
#pragma clang loop unroll(full)
            for (int j = 0; j < 4; j++) a[j] = madd(a[j], x, r[j], i, step, elem);
        }
        if (rest)
            for (int j = 0; j < 4; j++) a[j] = madd(a[j], x, r[j], kfull, rest, elem);
        for (int j = 0; j < 4; j++) y[rows[j]] = _mm512_reduce_add_ps(a[j]) + (bias ? bias[rows[j]] : 0);
    }
    for (int n = n0 + 4 * quarter; n < n1; n++) {
        const uint16_t *r0 = w + (size_t)n * ldw;
        __m512 a0 = _mm512_setzero_ps();
        for (int i = 0; i < kfull; i += step) a0 = madd(a0, x, r0, i, step, elem);
        if (rest) a0 = madd(a0, x, r0, kfull, rest, elem);
        y[n] = _mm512_reduce_add_ps(a0) + (bias ? bias[n] : 0);
    }
}

TGT void ck_gemv_bf16(const uint16_t *x, int k, const uint16_t *w, int ldw, int n0, int n1,
                      float *y, const float *bias) {
    gemv(x, k, w, ldw, n0, n1, y, bias, CK_ELEM_BF16);
}

TGT void ck_gemv_f16_avx512(const float *x, int k, const uint16_t *w, int ldw, int n0, int n1, float *y,
                            const float *bias) {
    gemv(x, k, w, ldw, n0, n1, y, bias, CK_ELEM_F16);
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
