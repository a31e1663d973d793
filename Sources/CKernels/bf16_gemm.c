// bf16 GEMM C = A·Bᵀ with AVX-512 BF16 (vdpbf16ps): A packed as bf16 pairs (ck_pack_a),
// B = weights, bf16 row-major [N][K], packed here one CK_NR-column panel at a time.
#include "CKernels.h"
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

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

__attribute__((noinline)) TGT static void pack_b_panel(const uint16_t *b, int ldb, int n, int n1, int k0, int kpairs,
                                                       int k_end, uint32_t *dst) {
    int full = (k_end - k0) / 2;
    if (full > kpairs) full = kpairs;
    int done = 0;  // pairs already packed by the vector path (all CK_NR rows present)
    if (n + CK_NR <= n1) {
        for (; done + 16 <= full; done += 16) {
            for (int half = 0; half < CK_NR; half += 16) {
                __m512i r[16];
                for (int i = 0; i < 16; i++)
                    r[i] = _mm512_loadu_si512((const void *)(b + (size_t)(n + half + i) * ldb + k0 + 2 * done));
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
            memcpy(&w, src + 2 * kp, 4);
            dst[(size_t)kp * CK_NR + j] = w;
        }
        for (int kp = full > done ? full : done; kp < kpairs; kp++) {
            int k = k0 + 2 * kp;
            uint32_t lo = k < k_end ? src[2 * kp] : 0;
            uint32_t hi = k + 1 < k_end ? src[2 * kp + 1] : 0;
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
    __m512 bias0 = _mm512_setzero_ps(), bias1 = _mm512_setzero_ps();
    if (bias && !accumulate) {
        bias0 = _mm512_maskz_loadu_ps(mask0, bias);
        bias1 = _mm512_maskz_loadu_ps(mask1, bias + 16);
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < CK_MR; r++) {
        if (r >= rows) break;
        float *row = c + (size_t)r * ldc;
        __m512 v0 = acc[r][0], v1 = acc[r][1];
        if (accumulate) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(mask0, row));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(mask1, row + 16));
        } else {
            v0 = _mm512_add_ps(v0, bias0);
            v1 = _mm512_add_ps(v1, bias1);
        }
        _mm512_mask_storeu_ps(row, mask0, v0);
        _mm512_mask_storeu_ps(row + 16, mask1, v1);
    }
}

size_t ck_packed_b_words(int n, int kpairs) {
    return (size_t)((n + CK_NR - 1) / CK_NR) * CK_NR * (size_t)kpairs;
}

void ck_pack_b(const uint16_t *b, int ldb, int n1, int k0, int kpairs, int k_end, uint32_t *packed) {
    for (int n = 0; n < n1; n += CK_NR)
        pack_b_panel(b, ldb, n, n1, k0, kpairs, k_end, packed + (size_t)(n / CK_NR) * CK_NR * kpairs);
}

static inline void masks_for(int cols, __mmask16 *mask0, __mmask16 *mask1) {
    *mask0 = cols >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << cols) - 1);
    *mask1 = cols >= 32 ? (__mmask16)0xffff : cols <= 16 ? 0 : (__mmask16)((1u << (cols - 16)) - 1);
}

TGT void ck_gemm_bf16_prepacked(int m, int kpairs, const uint32_t *packed_a, const uint32_t *packed_b,
                                int panel_pairs, int n0, int n1, float *c, int ldc, const float *bias, int accumulate) {
    int panels = (m + CK_MR - 1) / CK_MR;
    for (int n = n0; n < n1; n += CK_NR) {
        int cols = n1 - n < CK_NR ? n1 - n : CK_NR;
        __mmask16 mask0, mask1;
        masks_for(cols, &mask0, &mask1);
        const uint32_t *bp = packed_b + (size_t)(n / CK_NR) * CK_NR * panel_pairs;
        const float *bias_n = bias ? bias + n : NULL;
        for (int p = 0; p < panels; p++) {
            int rows = m - p * CK_MR < CK_MR ? m - p * CK_MR : CK_MR;
            micro_kernel(kpairs, packed_a + (size_t)p * CK_MR * kpairs, bp,
                         c + (size_t)p * CK_MR * ldc + n, ldc, rows, mask0, mask1, bias_n, accumulate);
        }
    }
}

TGT void ck_gemv_bf16(const uint16_t *x, int k, const uint16_t *w, int ldw, int n0, int n1,
                      float *y, const float *bias) {
    int kfull = k & ~31;
    __mmask32 tail = (k & 31) ? (__mmask32)((1ull << (k & 31)) - 1) : 0;
    int n = n0;
    for (; n + 4 <= n1; n += 4) {
        const uint16_t *w0 = w + (size_t)n * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
        for (int i = 0; i < kfull; i += 32) {
            __m512bh xv = (__m512bh)_mm512_loadu_si512((const void *)(x + i));
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

#else
size_t ck_packed_b_words(int n, int kpairs) { return 0; }
void ck_pack_b(const uint16_t *b, int ldb, int n1, int k0, int kpairs, int k_end, uint32_t *packed) {}
void ck_gemm_bf16_prepacked(int m, int kpairs, const uint32_t *packed_a, const uint32_t *packed_b, int panel_pairs,
                            int n0, int n1, float *c, int ldc, const float *bias, int accumulate) {}
// Non-x86 builds: the Swift side never calls these (ck_has_avx512bf16() is 0).
void ck_gemv_bf16(const uint16_t *x, int k, const uint16_t *w, int ldw, int n0, int n1, float *y,
                  const float *bias) {}
#endif
