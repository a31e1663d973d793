// f32 GEMM C = A·Bᵀ with AVX2 + FMA: a 6×16 register tile (12 ymm accumulators). A (f32 activations) is
// packed in CK_F32_MR-row panels, B (weights, f32 / bf16 / f16 row-major [N][K]) in CK_F32_NR-column
// panels widened to f32 while packing, so the micro-kernel only ever sees f32.
#include "CKernels.h"
#include "ck_internal.h"
#include <stdlib.h>

size_t ck_f32_packed_a_floats(int m, int kc) {
    return (size_t)((m + CK_F32_MR - 1) / CK_F32_MR) * CK_F32_MR * (size_t)kc;
}

size_t ck_f32_packed_b_floats(int n, int kc) {
    return (size_t)((n + CK_F32_NR - 1) / CK_F32_NR) * CK_F32_NR * (size_t)kc;
}

void ck_f32_pack_a(const float *a, int lda, int m0, int m1, int k0, int kc, int k_end, float *packed) {
    int avail = k_end - k0;
    if (avail > kc) avail = kc;
    if (avail < 0) avail = 0;
    for (int p = m0 / CK_F32_MR; p < (m1 + CK_F32_MR - 1) / CK_F32_MR; p++) {
        float *dst = packed + (size_t)p * CK_F32_MR * kc;
        const float *src[CK_F32_MR];
        int rows = m1 - p * CK_F32_MR < CK_F32_MR ? m1 - p * CK_F32_MR : CK_F32_MR;
        for (int r = 0; r < CK_F32_MR; r++) src[r] = a + (size_t)(p * CK_F32_MR + (r < rows ? r : 0)) * lda + k0;
        if (rows == CK_F32_MR) {
            for (int k = 0; k < avail; k++)
                for (int r = 0; r < CK_F32_MR; r++) dst[(size_t)k * CK_F32_MR + r] = src[r][k];
        } else {
            for (int k = 0; k < avail; k++)
                for (int r = 0; r < CK_F32_MR; r++) dst[(size_t)k * CK_F32_MR + r] = r < rows ? src[r][k] : 0.0f;
        }
        for (size_t i = (size_t)avail * CK_F32_MR; i < (size_t)kc * CK_F32_MR; i++) dst[i] = 0.0f;
    }
}

#if defined(__x86_64__)
#include "ck_avx2.h"
#define TGT CK_TGT_AVX2

// r[i] = row i in, column i out (8×8 f32).
TGT static inline void transpose8(__m256 r[8]) {
    __m256 t[8], s[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        s[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        s[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        s[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        s[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x31);
    }
}

__attribute__((always_inline)) TGT static inline void pack_b_panel(const void *b, size_t ldb, int n, int n1, int k0,
                                                                   int kc, int k_end, float *dst, int elem) {
    size_t esize = elem == CK_ELEM_F32 ? 4 : 2;
    int full = k_end - k0;
    if (full > kc) full = kc;
    if (full < 0) full = 0;
    int done = 0;  // k values packed by the vector path (all CK_F32_NR rows present)
    if (n + CK_F32_NR <= n1) {
        for (; done + 8 <= full; done += 8) {
            for (int half = 0; half < CK_F32_NR; half += 8) {
                __m256 r[8];
                for (int i = 0; i < 8; i++)
                    r[i] = ck_load8((const char *)b + ((size_t)(n + half + i) * ldb + k0) * esize, done, elem);
                transpose8(r);
                for (int i = 0; i < 8; i++) _mm256_storeu_ps(dst + (size_t)(done + i) * CK_F32_NR + half, r[i]);
            }
        }
    }
    for (int j = 0; j < CK_F32_NR; j++) {
        int row = n + j;
        const void *src = (const char *)b + ((size_t)row * ldb + k0) * esize;
#pragma clang loop vectorize(disable)
        for (int k = done; k < kc; k++)
            dst[(size_t)k * CK_F32_NR + j] = row < n1 && k < full ? ck_load1(src, k, elem) : 0.0f;
    }
}

TGT static void pack_b_f32(const float *b, size_t ldb, int n1, int k0, int kc, int k_end, float *packed) {
    for (int n = 0; n < n1; n += CK_F32_NR)
        pack_b_panel(b, ldb, n, n1, k0, kc, k_end, packed + (size_t)(n / CK_F32_NR) * CK_F32_NR * kc, CK_ELEM_F32);
}
TGT static void pack_b_bf16(const uint16_t *b, size_t ldb, int n1, int k0, int kc, int k_end, float *packed) {
    for (int n = 0; n < n1; n += CK_F32_NR)
        pack_b_panel(b, ldb, n, n1, k0, kc, k_end, packed + (size_t)(n / CK_F32_NR) * CK_F32_NR * kc, CK_ELEM_BF16);
}
TGT static void pack_b_f16(const uint16_t *b, size_t ldb, int n1, int k0, int kc, int k_end, float *packed) {
    for (int n = 0; n < n1; n += CK_F32_NR)
        pack_b_panel(b, ldb, n, n1, k0, kc, k_end, packed + (size_t)(n / CK_F32_NR) * CK_F32_NR * kc, CK_ELEM_F16);
}

void ck_f32_pack_b(int elem, const void *b, int ldb, int n1, int k0, int kc, int k_end, float *packed) {
    switch (elem) {
    case CK_ELEM_F32: pack_b_f32(b, (size_t)ldb, n1, k0, kc, k_end, packed); break;
    case CK_ELEM_BF16: pack_b_bf16(b, (size_t)ldb, n1, k0, kc, k_end, packed); break;
    case CK_ELEM_F16: pack_b_f16(b, (size_t)ldb, n1, k0, kc, k_end, packed); break;
    default: ck_trap("ck_f32_pack_b (unknown element type)");
    }
}

// Q8_0 B: each CK_F32_NR-row panel widened to f32 rows in a scratch buffer first, then packed as f32.
TGT void ck_f32_pack_b_q8(const int8_t *q, const uint16_t *d, int ldq, int n1, int k0, int kc, int k_end, float *packed) {
    int avail = k_end - k0;
    if (avail > kc) avail = kc;
    if (avail < 0) avail = 0;
    float *scratch = malloc((size_t)CK_F32_NR * (size_t)(kc > 0 ? kc : 1) * 4);
    if (!scratch) ck_trap("ck_f32_pack_b_q8 (out of memory for a 16-row scratch panel)");
    for (int n = 0; n < n1; n += CK_F32_NR) {
        int rows = n1 - n < CK_F32_NR ? n1 - n : CK_F32_NR;
        for (int r = 0; r < rows; r++) {
            const int8_t *src = q + (size_t)(n + r) * ldq + k0;
            const uint16_t *scale = d + (size_t)(n + r) * (ldq / CK_Q8_BLOCK) + k0 / CK_Q8_BLOCK;
            float *out = scratch + (size_t)r * kc;
            int i = 0;
            for (; i + 8 <= avail; i += 8) {
                __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(src + i))));
                _mm256_storeu_ps(out + i, _mm256_mul_ps(v, _mm256_set1_ps(_cvtsh_ss(scale[i / CK_Q8_BLOCK]))));
            }
            for (; i < avail; i++) out[i] = (float)src[i] * _cvtsh_ss(scale[i / CK_Q8_BLOCK]);
        }
        pack_b_panel(scratch, (size_t)kc, 0, rows, 0, kc, avail, packed + (size_t)(n / CK_F32_NR) * CK_F32_NR * kc, CK_ELEM_F32);
    }
    free(scratch);
}

TGT static void micro_kernel(int kc, const float *a, const float *b, float *c, int ldc, int rows, int cols,
                             const float *bias, int accumulate) {
    __m256 acc[CK_F32_MR][2];
#pragma clang loop unroll(full)
    for (int r = 0; r < CK_F32_MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
#pragma clang loop unroll_count(2)
    for (int k = 0; k < kc; k++) {
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma clang loop unroll(full)
        for (int r = 0; r < CK_F32_MR; r++) {
            __m256 av = _mm256_broadcast_ss(a + r);
            acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
        }
        a += CK_F32_MR;
        b += CK_F32_NR;
    }
    if (cols == CK_F32_NR) {
        __m256 bias0 = _mm256_setzero_ps(), bias1 = _mm256_setzero_ps();
        if (bias && !accumulate) {
            bias0 = _mm256_loadu_ps(bias);
            bias1 = _mm256_loadu_ps(bias + 8);
        }
        for (int r = 0; r < rows; r++) {
            float *row = c + (size_t)r * ldc;
            __m256 v0 = acc[r][0], v1 = acc[r][1];
            if (accumulate) {
                v0 = _mm256_add_ps(v0, _mm256_loadu_ps(row));
                v1 = _mm256_add_ps(v1, _mm256_loadu_ps(row + 8));
            } else {
                v0 = _mm256_add_ps(v0, bias0);
                v1 = _mm256_add_ps(v1, bias1);
            }
            _mm256_storeu_ps(row, v0);
            _mm256_storeu_ps(row + 8, v1);
        }
        return;
    }
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(cols), lane);
    __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(cols - 8), lane);
    __m256 bias0 = _mm256_setzero_ps(), bias1 = _mm256_setzero_ps();
    if (bias && !accumulate) {
        bias0 = _mm256_maskload_ps(bias, m0);
        bias1 = _mm256_maskload_ps(bias + 8, m1);
    }
    for (int r = 0; r < rows; r++) {
        float *row = c + (size_t)r * ldc;
        __m256 v0 = acc[r][0], v1 = acc[r][1];
        if (accumulate) {
            v0 = _mm256_add_ps(v0, _mm256_maskload_ps(row, m0));
            v1 = _mm256_add_ps(v1, _mm256_maskload_ps(row + 8, m1));
        } else {
            v0 = _mm256_add_ps(v0, bias0);
            v1 = _mm256_add_ps(v1, bias1);
        }
        _mm256_maskstore_ps(row, m0, v0);
        _mm256_maskstore_ps(row + 8, m1, v1);
    }
}

TGT void ck_gemm_f32_prepacked(int m, int kc, const float *packed_a, const float *packed_b, int panel_kc, int n0,
                               int n1, float *c, int ldc, const float *bias, int accumulate) {
    int panels = (m + CK_F32_MR - 1) / CK_F32_MR;
    for (int n = n0; n < n1; n += CK_F32_NR) {
        int cols = n1 - n < CK_F32_NR ? n1 - n : CK_F32_NR;
        const float *bp = packed_b + (size_t)(n / CK_F32_NR) * CK_F32_NR * panel_kc;
        const float *bias_n = bias ? bias + n : NULL;
        for (int p = 0; p < panels; p++) {
            int rows = m - p * CK_F32_MR < CK_F32_MR ? m - p * CK_F32_MR : CK_F32_MR;
            micro_kernel(kc, packed_a + (size_t)p * CK_F32_MR * kc, bp, c + (size_t)p * CK_F32_MR * ldc + n, ldc, rows,
                         cols, bias_n, accumulate);
        }
    }
}

#else
void ck_f32_pack_b(int elem, const void *b, int ldb, int n1, int k0, int kc, int k_end, float *packed) {
    ck_trap("ck_f32_pack_b (AVX2)");
}
void ck_f32_pack_b_q8(const int8_t *q, const uint16_t *d, int ldq, int n1, int k0, int kc, int k_end, float *packed) {
    ck_trap("ck_f32_pack_b_q8 (AVX2)");
}
void ck_gemm_f32_prepacked(int m, int kc, const float *packed_a, const float *packed_b, int panel_kc, int n0,
                           int n1, float *c, int ldc, const float *bias, int accumulate) {
    ck_trap("ck_gemm_f32_prepacked (AVX2)");
}
#endif
