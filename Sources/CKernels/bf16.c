// Packing f32 activations (A) into bf16 pairs for the AVX-512 BF16 GEMM.
#include "CKernels.h"
#include "ck_internal.h"

size_t ck_packed_a_words(int m, int kpairs) {
    size_t panels = (size_t)((m + CK_MR - 1) / CK_MR);
    return panels * CK_MR * (size_t)kpairs;
}

#if defined(__x86_64__)
#include <immintrin.h>
// Row segment f32 → bf16 (round to nearest even; denormals flush to zero) with vcvtneps2bf16.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
static void convert_row_bf16(const float *src, int count, uint16_t *dst) {
    int i = 0;
    for (; i + 16 <= count; i += 16)
        _mm256_storeu_si256((__m256i *)(dst + i), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(src + i)));
    if (i < count) {
        __mmask16 m = (__mmask16)((1u << (count - i)) - 1);
        __m256i v = (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, src + i));
        _mm256_mask_storeu_epi16(dst + i, m, v);
    }
}
#endif

void ck_pack_a(const float *a, int lda, int m0, int m1, int k0, int kpairs, int k_end, uint32_t *packed) {
    int p0 = m0 / CK_MR, p1 = (m1 + CK_MR - 1) / CK_MR;
    int avail = k_end - k0;  // values present from k0
    if (avail > 2 * kpairs) avail = 2 * kpairs;
    if (avail < 0) avail = 0;
#if defined(__x86_64__)
    {  // callers reach this only on the avx512bf16 kernel ISA
        // Convert each row's segment with vector instructions, then interleave 32-bit pairs.
        uint32_t rows[CK_MR][CK_KC_MAX_PAIRS];
        if (kpairs <= CK_KC_MAX_PAIRS) {
            for (int p = p0; p < p1; p++) {
                uint32_t *dst = packed + (size_t)p * CK_MR * kpairs;
                for (int r = 0; r < CK_MR; r++) {
                    int row = p * CK_MR + r;
                    uint16_t *seg = (uint16_t *)rows[r];
                    if (row < m1) convert_row_bf16(a + (size_t)row * lda + k0, avail, seg);
                    else avail > 0 ? (void)memset(seg, 0, (size_t)avail * 2) : (void)0;
                    if (avail < 2 * kpairs) memset(seg + avail, 0, (size_t)(2 * kpairs - avail) * 2);
                }
#pragma clang loop vectorize(disable)
                for (int kp = 0; kp < kpairs; kp++)
                    for (int r = 0; r < CK_MR; r++) dst[(size_t)kp * CK_MR + r] = rows[r][kp];
            }
            return;
        }
    }
#endif
    for (int p = p0; p < p1; p++) {
        uint32_t *dst = packed + (size_t)p * CK_MR * kpairs;
        for (int r = 0; r < CK_MR; r++) {
            int row = p * CK_MR + r;
            if (row >= m1) {
                for (int kp = 0; kp < kpairs; kp++) dst[(size_t)kp * CK_MR + r] = 0;
                continue;
            }
            const float *src = a + (size_t)row * lda;
            for (int kp = 0; kp < kpairs; kp++) {
                int k = k0 + 2 * kp;
                uint32_t lo = k < k_end ? ck_to_bf16(src[k]) : 0;
                uint32_t hi = k + 1 < k_end ? ck_to_bf16(src[k + 1]) : 0;
                dst[(size_t)kp * CK_MR + r] = lo | (hi << 16);
            }
        }
    }
}
