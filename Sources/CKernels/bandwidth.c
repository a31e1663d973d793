// A streaming read (sum of a large f32 buffer): the memory bandwidth decode is bounded by. Two access
// patterns, as GEMVs read weights: four 4 KB rows at a time, interleaved, the next four prefetched
// (pattern 0), and four streams a quarter of the piece apart, each prefetched 1 KB ahead (pattern 1, the
// AVX2 decode GEMV's). The caller keeps the faster: the bound is what the machine's memory gives a
// streaming read, not what one pattern of it reaches.
#include "CKernels.h"

#define ROW 1024  /* floats per row: 4 KB */

#if defined(__x86_64__)
#include "ck_avx2.h"
#define TGT CK_TGT_AVX2

TGT static inline __m256 pair(const float *p) { return _mm256_add_ps(_mm256_load_ps(p), _mm256_load_ps(p + 8)); }

TGT static float sum_rows4(const float *x, size_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 4 * ROW <= n; i += 4 * ROW) {
        const float *r = x + i;
        const char *ahead = (const char *)(r + 4 * ROW);
        int prefetch = i + 8 * ROW <= n;
        for (int k = 0; k < ROW; k += 16) {
            if (prefetch)
                for (int j = 0; j < 4; j++) _mm_prefetch(ahead + ((size_t)j * ROW + k) * 4, _MM_HINT_T0);
            a0 = _mm256_add_ps(a0, pair(r + k));
            a1 = _mm256_add_ps(a1, pair(r + ROW + k));
            a2 = _mm256_add_ps(a2, pair(r + 2 * ROW + k));
            a3 = _mm256_add_ps(a3, pair(r + 3 * ROW + k));
        }
    }
    float s = ck_hsum256(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (; i < n; i++) s += x[i];
    return s;
}

TGT static float sum_streams4(const float *x, size_t n) {
    size_t quarter = (n / 4) & ~(size_t)15;
    const float *r0 = x, *r1 = x + quarter, *r2 = x + 2 * quarter, *r3 = x + 3 * quarter;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t k = 0; k < quarter; k += 16) {
        _mm_prefetch((const char *)(r0 + k) + 1024, _MM_HINT_T0);
        _mm_prefetch((const char *)(r1 + k) + 1024, _MM_HINT_T0);
        _mm_prefetch((const char *)(r2 + k) + 1024, _MM_HINT_T0);
        _mm_prefetch((const char *)(r3 + k) + 1024, _MM_HINT_T0);
        a0 = _mm256_add_ps(a0, pair(r0 + k));
        a1 = _mm256_add_ps(a1, pair(r1 + k));
        a2 = _mm256_add_ps(a2, pair(r2 + k));
        a3 = _mm256_add_ps(a3, pair(r3 + k));
    }
    float s = ck_hsum256(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (size_t i = 4 * quarter; i < n; i++) s += x[i];
    return s;
}
#endif

float ck_stream_read(int isa, int pattern, const float *x, size_t n) {
#if defined(__x86_64__)
    if (isa != CK_ISA_PORTABLE && ((uintptr_t)x & 31) == 0) return pattern ? sum_streams4(x, n) : sum_rows4(x, n);
#endif
    (void)pattern;
    float s = 0;
    for (size_t i = 0; i < n; i++) s += x[i];
    return s;
}
