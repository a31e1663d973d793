// Decode GEMV with AVX2 + FMA + F16C: y[n] = x·W[n] (+ bias[n]) for a run of output rows, x in f32,
// W f32 / bf16 / f16 row-major [N][ldw], widened to f32 in registers (never through a buffer).
#include "CKernels.h"
#include "ck_internal.h"

#if defined(__x86_64__)
#include "ck_avx2.h"
#define TGT CK_TGT_AVX2

// One row at a time, 32 k per step in four accumulators (FMA latency), 1 KB ahead prefetched: the
// last rows of a run (fewer than four).
__attribute__((always_inline)) TGT static inline void gemv_rows(const float *x, int k, const void *w, size_t ldw, int n0,
                                                                int n1, float *y, const float *bias, int elem) {
    size_t esize = elem == CK_ELEM_F32 ? 4 : 2;
    int k32 = k & ~31, k8 = k & ~7;
    for (int n = n0; n < n1; n++) {
        const void *r = (const char *)w + (size_t)n * ldw * esize;
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i < k32; i += 32) {
            _mm_prefetch((const char *)r + (size_t)i * esize + 1024, _MM_HINT_T0);
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), ck_load8(r, i, elem), a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), ck_load8(r, i + 8, elem), a1);
            a2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 16), ck_load8(r, i + 16, elem), a2);
            a3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 24), ck_load8(r, i + 24, elem), a3);
        }
        for (; i < k8; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), ck_load8(r, i, elem), a0);
        float s = ck_hsum256(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
        for (; i < k; i++) s += x[i] * ck_load1(r, i, elem);
        y[n] = s + (bias ? bias[n] : 0.0f);
    }
}

// Four rows at a time, 16 k per step (two accumulators a row keep both FMA ports busy), the four a
// quarter of the run apart: four independent sequential streams, each prefetched 1 KB ahead, keep more
// lines in flight than one stream. Zen 3 (2 threads, ~770 MB of bf16 matrices, a C harness around these
// loops): 8960×1536 20.5–23.5 GB/s against 17.5–17.9 one row after the other (rows in two halves, one a
// thread); cut into 8 pieces as MatMul cuts them, 15.4–19.2 against 14.0–15.7; 1536×8960 level with four
// adjacent rows and the next four prefetched (13.8–18.7 against 14.7–18.9).
__attribute__((always_inline)) TGT static inline void gemv(const float *x, int k, const void *w, size_t ldw, int n0,
                                                           int n1, float *y, const float *bias, int elem) {
    size_t esize = elem == CK_ELEM_F32 ? 4 : 2;
    int k16 = k & ~15, k8 = k & ~7;
    int quarter = (n1 - n0) / 4;
    for (int t = 0; t < quarter; t++) {
        int rows[4];
        ck_quarter_rows(rows, n0, quarter, t);
        const char *r[4];
        for (int j = 0; j < 4; j++) r[j] = (const char *)w + (size_t)rows[j] * ldw * esize;
        __m256 a[4][2];
        for (int j = 0; j < 4; j++) a[j][0] = a[j][1] = _mm256_setzero_ps();
        int i = 0;
        for (; i < k16; i += 16) {
            __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);
            if (esize == 4 || (i & 31) == 0)  // one prefetch per 64-byte line
                for (int j = 0; j < 4; j++) _mm_prefetch(r[j] + (size_t)i * esize + 1024, _MM_HINT_T0);
#pragma clang loop unroll(full)
            for (int j = 0; j < 4; j++) {
                a[j][0] = _mm256_fmadd_ps(x0, ck_load8(r[j], i, elem), a[j][0]);
                a[j][1] = _mm256_fmadd_ps(x1, ck_load8(r[j], i + 8, elem), a[j][1]);
            }
        }
        if (i < k8) {
            __m256 x0 = _mm256_loadu_ps(x + i);
            for (int j = 0; j < 4; j++) a[j][0] = _mm256_fmadd_ps(x0, ck_load8(r[j], i, elem), a[j][0]);
            i += 8;
        }
        for (int j = 0; j < 4; j++) {
            float s = ck_hsum256(_mm256_add_ps(a[j][0], a[j][1]));
            for (int u = i; u < k; u++) s += x[u] * ck_load1(r[j], u, elem);
            y[rows[j]] = s + (bias ? bias[rows[j]] : 0.0f);
        }
    }
    gemv_rows(x, k, w, ldw, n0 + 4 * quarter, n1, y, bias, elem);
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

// out[0, width) = sum_j p[j] · v[j·ldv + (0..width)]: the P·V of one decode query (a transposed GEMV),
// 64 output columns at a time in registers.
#if defined(__x86_64__)
TGT static void weighted_rows_avx2(const float *p, int n, const float *v, int ldv, int width, float *out) {
    int d = 0;
    for (; d + 64 <= width; d += 64) {
        __m256 a[8];
        for (int t = 0; t < 8; t++) a[t] = _mm256_setzero_ps();
        for (int j = 0; j < n; j++) {
            __m256 pj = _mm256_set1_ps(p[j]);
            const float *row = v + (size_t)j * ldv + d;
#pragma clang loop unroll(full)
            for (int t = 0; t < 8; t++) a[t] = _mm256_fmadd_ps(pj, _mm256_loadu_ps(row + 8 * t), a[t]);
        }
        for (int t = 0; t < 8; t++) _mm256_storeu_ps(out + d + 8 * t, a[t]);
    }
    for (; d + 8 <= width; d += 8) {
        __m256 a = _mm256_setzero_ps();
        for (int j = 0; j < n; j++) a = _mm256_fmadd_ps(_mm256_set1_ps(p[j]), _mm256_loadu_ps(v + (size_t)j * ldv + d), a);
        _mm256_storeu_ps(out + d, a);
    }
    for (; d < width; d++) {
        float s = 0;
        for (int j = 0; j < n; j++) s += p[j] * v[(size_t)j * ldv + d];
        out[d] = s;
    }
}
#endif

void ck_weighted_rows(int isa, const float *p, int n, const float *v, int ldv, int width, float *out) {
#if defined(__x86_64__)
    if (isa != CK_ISA_PORTABLE) { weighted_rows_avx2(p, n, v, ldv, width, out); return; }
#else
    if (isa != CK_ISA_PORTABLE) ck_trap("ck_weighted_rows (vector ISA)");
#endif
    for (int d = 0; d < width; d++) out[d] = 0;
    for (int j = 0; j < n; j++)
        for (int d = 0; d < width; d++) out[d] += p[j] * v[(size_t)j * ldv + d];
}
