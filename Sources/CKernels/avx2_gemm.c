// f32 GEMM C = A·Bᵀ with AVX2 + FMA: a 6×16 register tile (12 ymm accumulators). A (f32 activations) is
// packed in CK_F32_MR-row panels, B (weights, f32 / bf16 / f16 row-major [N][K]) in CK_F32_NR-column
// panels widened to f32 while packing, so the micro-kernel only ever sees f32. The packers also serve the
// AVX-512F kernel's 12×32 tile (avx512_gemm.c: ck_f32z_*), with AVX2 code (every AVX-512 CPU has it).
#include "CKernels.h"
#include "ck_internal.h"
#include <stdlib.h>

size_t ck_f32_packed_a_floats(int m, int kc) {
    return (size_t)((m + CK_F32_MR - 1) / CK_F32_MR) * CK_F32_MR * (size_t)kc;
}

size_t ck_f32_packed_b_floats(int n, int kc) {
    return (size_t)((n + CK_F32_NR - 1) / CK_F32_NR) * CK_F32_NR * (size_t)kc;
}

size_t ck_f32z_packed_a_floats(int m, int kc) {
    return (size_t)((m + CK_F32Z_MR - 1) / CK_F32Z_MR) * CK_F32Z_MR * (size_t)kc;
}

size_t ck_f32z_packed_b_floats(int n, int kc) {
    return (size_t)((n + CK_F32Z_NR - 1) / CK_F32Z_NR) * CK_F32Z_NR * (size_t)kc;
}

// A rows [m0, m1) in mr-row panels, k-major inside a panel (dst[k·mr + r]). Portable C; the x86 build
// packs whole panels with AVX2 transposes instead (pack_a_panels_avx2).
static void pack_a_panels(const float *a, int lda, int m0, int m1, int k0, int kc, int k_end, float *packed, int mr) {
    int avail = k_end - k0;
    if (avail > kc) avail = kc;
    if (avail < 0) avail = 0;
    for (int p = m0 / mr; p < (m1 + mr - 1) / mr; p++) {
        float *dst = packed + (size_t)p * mr * kc;
        const float *src[CK_F32Z_MR];
        int rows = m1 - p * mr < mr ? m1 - p * mr : mr;
        for (int r = 0; r < mr; r++) src[r] = a + (size_t)(p * mr + (r < rows ? r : 0)) * lda + k0;
        for (int k = 0; k < avail; k++)
            for (int r = 0; r < mr; r++) dst[(size_t)k * mr + r] = r < rows ? src[r][k] : 0.0f;
        for (size_t i = (size_t)avail * mr; i < (size_t)kc * mr; i++) dst[i] = 0.0f;
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

// Whole mr-row panels (mr a multiple of 2): 8 k values of 4 rows at a time through a 4×8 transpose
// (xmm stores), a remaining row pair through unpacks (8-byte stores); k tails, partial panels and the
// zero fill past k_end as the portable packer.
TGT static void pack_a_panels_avx2(const float *a, int lda, int m0, int m1, int k0, int kc, int k_end, float *packed, int mr) {
    int avail = k_end - k0;
    if (avail > kc) avail = kc;
    if (avail < 0) avail = 0;
    for (int p = m0 / mr; p < (m1 + mr - 1) / mr; p++) {
        if (m1 - p * mr < mr) {
            pack_a_panels(a, lda, p * mr, m1, k0, kc, k_end, packed, mr);
            continue;
        }
        float *dst = packed + (size_t)p * mr * kc;
        const float *src = a + (size_t)p * mr * lda + k0;
        int k = 0;
        for (; k + 8 <= avail; k += 8) {
            float *d = dst + (size_t)k * mr;
            int r = 0;
            for (; r + 4 <= mr; r += 4) {
                const float *s0 = src + (size_t)r * lda + k;
                __m256 a0 = _mm256_loadu_ps(s0), a1 = _mm256_loadu_ps(s0 + lda);
                __m256 a2 = _mm256_loadu_ps(s0 + 2 * (size_t)lda), a3 = _mm256_loadu_ps(s0 + 3 * (size_t)lda);
                __m256 t0 = _mm256_unpacklo_ps(a0, a1), t1 = _mm256_unpackhi_ps(a0, a1);
                __m256 t2 = _mm256_unpacklo_ps(a2, a3), t3 = _mm256_unpackhi_ps(a2, a3);
                __m256 u[4] = {_mm256_shuffle_ps(t0, t2, 0x44), _mm256_shuffle_ps(t0, t2, 0xee),
                               _mm256_shuffle_ps(t1, t3, 0x44), _mm256_shuffle_ps(t1, t3, 0xee)};
                for (int i = 0; i < 4; i++) {
                    _mm_storeu_ps(d + (size_t)i * mr + r, _mm256_castps256_ps128(u[i]));
                    _mm_storeu_ps(d + (size_t)(i + 4) * mr + r, _mm256_extractf128_ps(u[i], 1));
                }
            }
            for (; r + 2 <= mr; r += 2) {
                const float *s0 = src + (size_t)r * lda + k;
                __m256 a0 = _mm256_loadu_ps(s0), a1 = _mm256_loadu_ps(s0 + lda);
                __m256 t[2] = {_mm256_unpacklo_ps(a0, a1), _mm256_unpackhi_ps(a0, a1)};
                for (int i = 0; i < 2; i++) {
                    __m128 lo = _mm256_castps256_ps128(t[i]), hi = _mm256_extractf128_ps(t[i], 1);
                    _mm_storel_pi((__m64 *)(d + (size_t)(2 * i) * mr + r), lo);
                    _mm_storeh_pi((__m64 *)(d + (size_t)(2 * i + 1) * mr + r), lo);
                    _mm_storel_pi((__m64 *)(d + (size_t)(2 * i + 4) * mr + r), hi);
                    _mm_storeh_pi((__m64 *)(d + (size_t)(2 * i + 5) * mr + r), hi);
                }
            }
        }
        for (; k < avail; k++)
            for (int r = 0; r < mr; r++) dst[(size_t)k * mr + r] = src[(size_t)r * lda + k];
        for (size_t i = (size_t)avail * mr; i < (size_t)kc * mr; i++) dst[i] = 0.0f;
    }
}

void ck_f32_pack_a(const float *a, int lda, int m0, int m1, int k0, int kc, int k_end, float *packed) {
    pack_a_panels_avx2(a, lda, m0, m1, k0, kc, k_end, packed, CK_F32_MR);
}

void ck_f32z_pack_a(const float *a, int lda, int m0, int m1, int k0, int kc, int k_end, float *packed) {
    pack_a_panels_avx2(a, lda, m0, m1, k0, kc, k_end, packed, CK_F32Z_MR);
}

__attribute__((always_inline)) TGT static inline void pack_b_panel(const void *b, size_t ldb, int n, int n1, int k0,
                                                                   int kc, int k_end, float *dst, int elem, int nr) {
    size_t esize = elem == CK_ELEM_F32 ? 4 : 2;
    int full = k_end - k0;
    if (full > kc) full = kc;
    if (full < 0) full = 0;
    int done = 0;  // k values packed by the vector path (all nr rows present)
    if (n + nr <= n1) {
        for (; done + 8 <= full; done += 8) {
            for (int half = 0; half < nr; half += 8) {
                __m256 r[8];
                for (int i = 0; i < 8; i++)
                    r[i] = ck_load8((const char *)b + ((size_t)(n + half + i) * ldb + k0) * esize, done, elem);
                transpose8(r);
                for (int i = 0; i < 8; i++) _mm256_storeu_ps(dst + (size_t)(done + i) * nr + half, r[i]);
            }
        }
    }
    for (int j = 0; j < nr; j++) {
        int row = n + j;
        const void *src = (const char *)b + ((size_t)row * ldb + k0) * esize;
#pragma clang loop vectorize(disable)
        for (int k = done; k < kc; k++)
            dst[(size_t)k * nr + j] = row < n1 && k < full ? ck_load1(src, k, elem) : 0.0f;
    }
}

// Every panel of B rows [0, n1) for an nr-column tile (16: the AVX2 kernel, 32: the AVX-512 one).
TGT static void pack_b_f32(const float *b, size_t ldb, int n1, int k0, int kc, int k_end, float *packed, int nr) {
    for (int n = 0; n < n1; n += nr)
        pack_b_panel(b, ldb, n, n1, k0, kc, k_end, packed + (size_t)(n / nr) * nr * kc, CK_ELEM_F32, nr);
}
TGT static void pack_b_bf16(const uint16_t *b, size_t ldb, int n1, int k0, int kc, int k_end, float *packed, int nr) {
    for (int n = 0; n < n1; n += nr)
        pack_b_panel(b, ldb, n, n1, k0, kc, k_end, packed + (size_t)(n / nr) * nr * kc, CK_ELEM_BF16, nr);
}
TGT static void pack_b_f16(const uint16_t *b, size_t ldb, int n1, int k0, int kc, int k_end, float *packed, int nr) {
    for (int n = 0; n < n1; n += nr)
        pack_b_panel(b, ldb, n, n1, k0, kc, k_end, packed + (size_t)(n / nr) * nr * kc, CK_ELEM_F16, nr);
}

static void pack_b_any(int elem, const void *b, int ldb, int n1, int k0, int kc, int k_end, float *packed, int nr) {
    switch (elem) {
    case CK_ELEM_F32: pack_b_f32(b, (size_t)ldb, n1, k0, kc, k_end, packed, nr); break;
    case CK_ELEM_BF16: pack_b_bf16(b, (size_t)ldb, n1, k0, kc, k_end, packed, nr); break;
    case CK_ELEM_F16: pack_b_f16(b, (size_t)ldb, n1, k0, kc, k_end, packed, nr); break;
    default: ck_trap("ck_f32_pack_b (unknown element type)");
    }
}

void ck_f32_pack_b(int elem, const void *b, int ldb, int n1, int k0, int kc, int k_end, float *packed) {
    pack_b_any(elem, b, ldb, n1, k0, kc, k_end, packed, CK_F32_NR);
}

void ck_f32z_pack_b(int elem, const void *b, int ldb, int n1, int k0, int kc, int k_end, float *packed) {
    pack_b_any(elem, b, ldb, n1, k0, kc, k_end, packed, CK_F32Z_NR);
}

// Q8_0 B: each nr-row panel widened to f32 rows in a scratch buffer first, then packed as f32.
TGT static void pack_b_q8(const int8_t *q, const uint16_t *d, int ldq, int n1, int k0, int kc, int k_end, float *packed, int nr) {
    int avail = k_end - k0;
    if (avail > kc) avail = kc;
    if (avail < 0) avail = 0;
    float *scratch = malloc((size_t)nr * (size_t)(kc > 0 ? kc : 1) * 4);
    if (!scratch) ck_trap("ck_f32_pack_b_q8 (out of memory for one scratch panel)");
    for (int n = 0; n < n1; n += nr) {
        int rows = n1 - n < nr ? n1 - n : nr;
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
        pack_b_panel(scratch, (size_t)kc, 0, rows, 0, kc, avail, packed + (size_t)(n / nr) * nr * kc, CK_ELEM_F32, nr);
    }
    free(scratch);
}

void ck_f32_pack_b_q8(const int8_t *q, const uint16_t *d, int ldq, int n1, int k0, int kc, int k_end, float *packed) {
    pack_b_q8(q, d, ldq, n1, k0, kc, k_end, packed, CK_F32_NR);
}

void ck_f32z_pack_b_q8(const int8_t *q, const uint16_t *d, int ldq, int n1, int k0, int kc, int k_end, float *packed) {
    pack_b_q8(q, d, ldq, n1, k0, kc, k_end, packed, CK_F32Z_NR);
}

TGT static void micro_kernel(int kc, const float *a, const float *b, float *c, int ldc, int rows, int cols,
                             const float *bias, int accumulate) {
    __m256 acc[CK_F32_MR][2];
#pragma clang loop unroll(full)
    for (int r = 0; r < CK_F32_MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    // The C tile's lines, fetched while the k loop runs (they are read or written at the end).
    for (int r = 0; r < rows; r++) {
        _mm_prefetch((const char *)(c + (size_t)r * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + (size_t)r * ldc + 15), _MM_HINT_T0);
    }
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
void ck_f32_pack_a(const float *a, int lda, int m0, int m1, int k0, int kc, int k_end, float *packed) {
    pack_a_panels(a, lda, m0, m1, k0, kc, k_end, packed, CK_F32_MR);
}
void ck_f32z_pack_a(const float *a, int lda, int m0, int m1, int k0, int kc, int k_end, float *packed) {
    pack_a_panels(a, lda, m0, m1, k0, kc, k_end, packed, CK_F32Z_MR);
}
void ck_f32_pack_b(int elem, const void *b, int ldb, int n1, int k0, int kc, int k_end, float *packed) {
    ck_trap("ck_f32_pack_b (AVX2)");
}
void ck_f32_pack_b_q8(const int8_t *q, const uint16_t *d, int ldq, int n1, int k0, int kc, int k_end, float *packed) {
    ck_trap("ck_f32_pack_b_q8 (AVX2)");
}
void ck_f32z_pack_b(int elem, const void *b, int ldb, int n1, int k0, int kc, int k_end, float *packed) {
    ck_trap("ck_f32z_pack_b (AVX2)");
}
void ck_f32z_pack_b_q8(const int8_t *q, const uint16_t *d, int ldq, int n1, int k0, int kc, int k_end, float *packed) {
    ck_trap("ck_f32z_pack_b_q8 (AVX2)");
}
void ck_gemm_f32_prepacked(int m, int kc, const float *packed_a, const float *packed_b, int panel_kc, int n0,
                           int n1, float *c, int ldc, const float *bias, int accumulate) {
    ck_trap("ck_gemm_f32_prepacked (AVX2)");
}
#endif
