// A streaming read (sum of a large f32 buffer): the memory bandwidth decode is bounded by. Read as the
// GEMV reads its weights — four 4 KB rows at a time, interleaved, the next four prefetched — so the
// figure is the bound that access pattern can reach, not a lower one.
#include "CKernels.h"

#define ROW 1024  /* floats per row: 4 KB */

#if defined(__x86_64__)
#include <immintrin.h>
__attribute__((target("avx2"))) static float sum_avx2(const float *x, size_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 4 * ROW <= n; i += 4 * ROW) {
        const float *r = x + i;
        const char *ahead = (const char *)(r + 4 * ROW);
        int prefetch = i + 8 * ROW <= n;
        for (int k = 0; k < ROW; k += 16) {
            if (prefetch)
                for (int j = 0; j < 4; j++) _mm_prefetch(ahead + ((size_t)j * ROW + k) * 4, _MM_HINT_T0);
            a0 = _mm256_add_ps(a0, _mm256_add_ps(_mm256_load_ps(r + k), _mm256_load_ps(r + k + 8)));
            a1 = _mm256_add_ps(a1, _mm256_add_ps(_mm256_load_ps(r + ROW + k), _mm256_load_ps(r + ROW + k + 8)));
            a2 = _mm256_add_ps(a2, _mm256_add_ps(_mm256_load_ps(r + 2 * ROW + k), _mm256_load_ps(r + 2 * ROW + k + 8)));
            a3 = _mm256_add_ps(a3, _mm256_add_ps(_mm256_load_ps(r + 3 * ROW + k), _mm256_load_ps(r + 3 * ROW + k + 8)));
        }
    }
    float out[8], s = 0;
    _mm256_storeu_ps(out, _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (int j = 0; j < 8; j++) s += out[j];
    for (; i < n; i++) s += x[i];
    return s;
}
#endif

float ck_stream_read(int isa, const float *x, size_t n) {
#if defined(__x86_64__)
    if (isa != CK_ISA_PORTABLE && ((uintptr_t)x & 31) == 0) return sum_avx2(x, n);
#endif
    float s = 0;
    for (size_t i = 0; i < n; i++) s += x[i];
    return s;
}
