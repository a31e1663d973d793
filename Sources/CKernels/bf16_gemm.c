// bf16 GEMM C = A·Bᵀ with AVX-512 BF16 (vdpbf16ps): A packed as bf16 pairs (ck_pack_a),
// B = weights, bf16 or f16 row-major [N][K], packed here one CK_NR-column panel at a time (f16 rounded
// to bf16 while packing, so both run the same micro-kernel).
#include "CKernels.h"
#include "ck_internal.h"
#include <stdlib.h>

#if defined(__x86_64__)
#include "ck_avx512.h"
_Static_assert(CK_MR == CK_TILE_ROWS && CK_NR == 32, "the shared tile store is 12×32");
#include <immintrin.h>

#define TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,f16c")))

// In-register transpose of a 16×16 block of 32-bit words: r[i] = row i in, column i out.
TGT static inline void transpose16(__m512i r[16]) {
    __m512i t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
        r[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
        r[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
        r[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
    }
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0xdd);
        t[i + 8] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0xdd);
    }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0xdd);
    }
}

// 32 consecutive k values of one B row as 16 bf16 pairs (f16 rows: widened, then rounded to bf16).
TGT static inline __m512i load_pairs(const uint16_t *src, int f16) {
    if (!f16) return _mm512_loadu_si512((const void *)src);
    __m512 lo = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)src));
    __m512 hi = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(src + 16)));
    return (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
}

TGT static inline uint32_t scalar_value(const uint16_t *src, int f16) {
    return f16 ? ck_to_bf16(_cvtsh_ss(*src)) : *src;
}

__attribute__((noinline)) TGT static void pack_b_panel(const uint16_t *b, int ldb, int n, int n1, int k0, int kpairs,
                                                       int k_end, uint32_t *dst, int f16) {
    int full = (k_end - k0) / 2;
    if (full > kpairs) full = kpairs;
    int done = 0;  // pairs already packed by the vector path (all CK_NR rows present)
    if (n + CK_NR <= n1) {
        for (; done + 16 <= full; done += 16) {
            for (int half = 0; half < CK_NR; half += 16) {
                __m512i r[16];
                for (int i = 0; i < 16; i++) r[i] = load_pairs(b + (size_t)(n + half + i) * ldb + k0 + 2 * done, f16);
                transpose16(r);
                for (int i = 0; i < 16; i++)
                    _mm512_storeu_si512((void *)(dst + (size_t)(done + i) * CK_NR + half), r[i]);
            }
        }
    }
    for (int j = 0; j < CK_NR; j++) {
        int row = n + j;
        if (row >= n1) {
            for (int kp = done; kp < kpairs; kp++) dst[(size_t)kp * CK_NR + j] = 0;
            continue;
        }
        const uint16_t *src = b + (size_t)row * ldb + k0;
        // Strided stores: keep this scalar (vectorised, clang emits slow scatters here).
#pragma clang loop vectorize(disable)
        for (int kp = done; kp < full; kp++) {
            uint32_t w;
            if (f16) w = scalar_value(src + 2 * kp, 1) | scalar_value(src + 2 * kp + 1, 1) << 16;
            else memcpy(&w, src + 2 * kp, 4);
            dst[(size_t)kp * CK_NR + j] = w;
        }
        for (int kp = full > done ? full : done; kp < kpairs; kp++) {
            int k = k0 + 2 * kp;
            uint32_t lo = k < k_end ? scalar_value(src + 2 * kp, f16) : 0;
            uint32_t hi = k + 1 < k_end ? scalar_value(src + 2 * kp + 1, f16) : 0;
            dst[(size_t)kp * CK_NR + j] = lo | (hi << 16);
        }
    }
}

TGT static void micro_kernel(int kpairs, const uint32_t *a, const uint32_t *b, float *c, int ldc, int rows,
                             __mmask16 mask0, __mmask16 mask1, const float *bias, int accumulate) {
    __m512 acc[CK_MR][2];
#pragma clang loop unroll(full)
    for (int r = 0; r < CK_MR; r++) {
        acc[r][0] = _mm512_setzero_ps();
        acc[r][1] = _mm512_setzero_ps();
    }
    for (int kp = 0; kp < kpairs; kp++) {
        __m512bh b0 = (__m512bh)_mm512_loadu_si512((const void *)b);
        __m512bh b1 = (__m512bh)_mm512_loadu_si512((const void *)(b + 16));
#pragma clang loop unroll(full)
        for (int r = 0; r < CK_MR; r++) {
            __m512bh av = (__m512bh)_mm512_set1_epi32((int)a[r]);
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], av, b0);
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], av, b1);
        }
        a += CK_MR;
        b += CK_NR;
    }
    ck_store_tile_12x32(acc, rows, c, ldc, mask0, mask1, bias, accumulate);
}

size_t ck_packed_b_words(int n, int kpairs) {
    return (size_t)((n + CK_NR - 1) / CK_NR) * CK_NR * (size_t)kpairs;
}

void ck_pack_b(const uint16_t *b, int ldb, int n1, int k0, int kpairs, int k_end, uint32_t *packed) {
    for (int n = 0; n < n1; n += CK_NR)
        pack_b_panel(b, ldb, n, n1, k0, kpairs, k_end, packed + (size_t)(n / CK_NR) * CK_NR * kpairs, 0);
}

void ck_pack_b_f16(const uint16_t *b, int ldb, int n1, int k0, int kpairs, int k_end, uint32_t *packed) {
    for (int n = 0; n < n1; n += CK_NR)
        pack_b_panel(b, ldb, n, n1, k0, kpairs, k_end, packed + (size_t)(n / CK_NR) * CK_NR * kpairs, 1);
}

// One Q8_0 row's values [k0, k0 + count) as bf16 (k0 a multiple of 32; scales f16, one per 32 values).
TGT static void q8_row_to_bf16(const int8_t *q, const uint16_t *d, int k0, int count, uint16_t *out) {
    int i = 0;
    for (; i + 32 <= count; i += 32) {
        __m512 s = _mm512_set1_ps(_cvtsh_ss(d[(k0 + i) / CK_Q8_BLOCK]));
        __m512 lo = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(q + k0 + i))));
        __m512 hi = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(q + k0 + i + 16))));
        _mm512_storeu_si512((void *)(out + i), (__m512i)_mm512_cvtne2ps_pbh(_mm512_mul_ps(hi, s), _mm512_mul_ps(lo, s)));
    }
    for (; i < count; i++) out[i] = ck_to_bf16((float)q[k0 + i] * _cvtsh_ss(d[(k0 + i) / CK_Q8_BLOCK]));
}

// Q8_0 B: each CK_NR-row panel widened to bf16 rows in a scratch buffer first, then packed as bf16.
TGT void ck_pack_b_q8(const int8_t *q, const uint16_t *d, int ldq, int n1, int k0, int kpairs, int k_end, uint32_t *packed) {
    int ld = 2 * kpairs, avail = k_end - k0;
    if (avail > ld) avail = ld;
    if (avail < 0) avail = 0;
    uint16_t *scratch = malloc((size_t)CK_NR * (size_t)(ld > 0 ? ld : 1) * 2);
    if (!scratch) ck_trap("ck_pack_b_q8 (out of memory for a 32-row scratch panel)");
    for (int n = 0; n < n1; n += CK_NR) {
        int rows = n1 - n < CK_NR ? n1 - n : CK_NR;
        for (int r = 0; r < rows; r++)
            q8_row_to_bf16(q + (size_t)(n + r) * ldq, d + (size_t)(n + r) * (ldq / CK_Q8_BLOCK), k0, avail,
                           scratch + (size_t)r * ld);
        pack_b_panel(scratch, ld, 0, rows, 0, kpairs, avail, packed + (size_t)(n / CK_NR) * CK_NR * kpairs, 0);
    }
    free(scratch);
}

TGT void ck_gemm_bf16_prepacked(int m, int kpairs, const uint32_t *packed_a, const uint32_t *packed_b,
                                int panel_pairs, int n0, int n1, float *c, int ldc, const float *bias, int accumulate) {
    int panels = (m + CK_MR - 1) / CK_MR;
    for (int n = n0; n < n1; n += CK_NR) {
        int cols = n1 - n < CK_NR ? n1 - n : CK_NR;
        __mmask16 mask0, mask1;
        ck_masks32(cols, &mask0, &mask1);
        const uint32_t *bp = packed_b + (size_t)(n / CK_NR) * CK_NR * panel_pairs;
        const float *bias_n = bias ? bias + n : NULL;
        for (int p = 0; p < panels; p++) {
            int rows = m - p * CK_MR < CK_MR ? m - p * CK_MR : CK_MR;
            micro_kernel(kpairs, packed_a + (size_t)p * CK_MR * kpairs, bp,
                         c + (size_t)p * CK_MR * ldc + n, ldc, rows, mask0, mask1, bias_n, accumulate);
        }
    }
}

#else
size_t ck_packed_b_words(int n, int kpairs) { return (size_t)((n + CK_NR - 1) / CK_NR) * CK_NR * (size_t)kpairs; }
void ck_pack_b(const uint16_t *b, int ldb, int n1, int k0, int kpairs, int k_end, uint32_t *packed) { ck_trap("ck_pack_b"); }
void ck_pack_b_f16(const uint16_t *b, int ldb, int n1, int k0, int kpairs, int k_end, uint32_t *packed) {
    ck_trap("ck_pack_b_f16");
}
void ck_pack_b_q8(const int8_t *q, const uint16_t *d, int ldq, int n1, int k0, int kpairs, int k_end, uint32_t *packed) {
    ck_trap("ck_pack_b_q8");
}
void ck_gemm_bf16_prepacked(int m, int kpairs, const uint32_t *packed_a, const uint32_t *packed_b, int panel_pairs,
                            int n0, int n1, float *c, int ldc, const float *bias, int accumulate) {
    ck_trap("ck_gemm_bf16_prepacked");
}
#endif
