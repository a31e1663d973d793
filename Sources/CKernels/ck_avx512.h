// AVX-512 helpers shared by the 12×32-tile GEMM kernels (bf16_gemm.c, avx512_gemm.c); not module API.
#ifndef CK_AVX512_H
#define CK_AVX512_H
#if defined(__x86_64__)
#include <immintrin.h>
#include <stddef.h>

#define CK_TILE_ROWS 12

/// Lane masks of a 32-column tile's two halves for its first `cols` columns.
static inline void ck_masks32(int cols, __mmask16 *mask0, __mmask16 *mask1) {
    *mask0 = cols >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << cols) - 1);
    *mask1 = cols >= 32 ? (__mmask16)0xffff : cols <= 16 ? 0 : (__mmask16)((1u << (cols - 16)) - 1);
}

/// Stores the first `rows` rows of a 12×32 accumulator tile at c (stride ldc), masked to the tile's
/// columns: C = acc + bias, or C += acc when `accumulate`.
__attribute__((always_inline, target("avx512f"))) static inline void ck_store_tile_12x32(
    __m512 acc[CK_TILE_ROWS][2], int rows, float *c, int ldc, __mmask16 mask0, __mmask16 mask1, const float *bias,
    int accumulate) {
    __m512 bias0 = _mm512_setzero_ps(), bias1 = _mm512_setzero_ps();
    if (bias && !accumulate) {
        bias0 = _mm512_maskz_loadu_ps(mask0, bias);
        bias1 = _mm512_maskz_loadu_ps(mask1, bias + 16);
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < CK_TILE_ROWS; r++) {
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
#endif
#endif
