// Q8_0 (as llama.cpp's): values in blocks of 32, each block int8 q[32] with one scale d, value = q·d,
// d = max|x| / 127 and q = x/d rounded to nearest even. A row of k values is kpad = ⌈k/32⌉·32 bytes of q
// (zero-padded) and ⌈k/32⌉ scales. Weights keep their scales as f16 (quantized once, cached); activations
// (quantized at run time) keep them as f32. A block holding a NaN or ±Inf gets a NaN scale, so every
// product that reads it is NaN.
#include "CKernels.h"
#include "ck_internal.h"
#include <math.h>

static inline float block_scale(const float *x, int n, float *inv) {
    float amax = 0;
    int finite = 1;
    for (int i = 0; i < n; i++) {
        float a = fabsf(x[i]);
        finite &= a <= 3.402823466e38f;  // false for Inf and NaN
        amax = a > amax ? a : amax;
    }
    if (!finite) {
        *inv = 0;
        return NAN;
    }
    float d = amax / 127.0f;
    *inv = d != 0 ? 1.0f / d : 0.0f;
    return d;
}

void ck_q8_quantize_row(const float *x, int k, int8_t *q, float *d) {
    int blocks = (k + CK_Q8_BLOCK - 1) / CK_Q8_BLOCK;
    for (int b = 0; b < blocks; b++) {
        int n = k - b * CK_Q8_BLOCK < CK_Q8_BLOCK ? k - b * CK_Q8_BLOCK : CK_Q8_BLOCK;
        const float *xb = x + (size_t)b * CK_Q8_BLOCK;
        int8_t *qb = q + (size_t)b * CK_Q8_BLOCK;
        float inv;
        d[b] = block_scale(xb, n, &inv);
        for (int i = 0; i < n; i++) qb[i] = (int8_t)lrintf(xb[i] * inv);  // |x·inv| ≤ 127; nearest even
        for (int i = n; i < CK_Q8_BLOCK; i++) qb[i] = 0;
    }
}

void ck_q8_quantize_row_f16(const float *x, int k, int8_t *q, uint16_t *d) {
    int blocks = (k + CK_Q8_BLOCK - 1) / CK_Q8_BLOCK;
    float scales[64];
    for (int b0 = 0; b0 < blocks; b0 += 64) {
        int nb = blocks - b0 < 64 ? blocks - b0 : 64;
        int kk = k - b0 * CK_Q8_BLOCK < nb * CK_Q8_BLOCK ? k - b0 * CK_Q8_BLOCK : nb * CK_Q8_BLOCK;
        ck_q8_quantize_row(x + (size_t)b0 * CK_Q8_BLOCK, kk, q + (size_t)b0 * CK_Q8_BLOCK, scales);
        for (int b = 0; b < nb; b++) d[b0 + b] = ck_f32_to_f16_scalar(scales[b]);
    }
}

void ck_q8_dequantize_row(const int8_t *q, const uint16_t *d, int k, float *out) {
    int blocks = (k + CK_Q8_BLOCK - 1) / CK_Q8_BLOCK;
    for (int b = 0; b < blocks; b++) {
        float s = ck_f16_to_f32_scalar(d[b]);
        int n = k - b * CK_Q8_BLOCK < CK_Q8_BLOCK ? k - b * CK_Q8_BLOCK : CK_Q8_BLOCK;
        for (int i = 0; i < n; i++) out[(size_t)b * CK_Q8_BLOCK + i] = (float)q[(size_t)b * CK_Q8_BLOCK + i] * s;
    }
}

uint16_t ck_f32_to_f16_scalar(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    uint32_t sign = (u >> 16) & 0x8000u, a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return (uint16_t)(sign | 0x7e00u);   // NaN (quiet)
    if (a >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);  // ≥ 65520 rounds to Inf
    if (a >= 0x38800000u) {                                   // normal half: drop 13 bits, nearest even
        uint32_t r = (a >> 13) - (112u << 10), rem = a & 0x1fffu;
        if (rem > 0x1000u || (rem == 0x1000u && (r & 1))) r++;
        return (uint16_t)(sign | r);
    }
    if (a < 0x33000000u) return (uint16_t)sign;               // under half the smallest subnormal: ±0
    // subnormal half: the 24-bit significand times 2^(exp − 126) units of 2^-24, nearest even
    uint32_t mant = (a & 0x7fffffu) | 0x800000u;
    int shift = 126 - (int)(a >> 23);
    uint32_t r = mant >> shift, rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (r & 1))) r++;
    return (uint16_t)(sign | r);
}

// ---- GEMV: y[n] = Σ_b (Σ_i xq[b,i]·W[n][b,i]) · xd[b] · wd[n][b] (+ bias[n]) ----

static void gemv_q8_portable(const int8_t *xq, const float *xd, int k, const int8_t *w, const uint16_t *wd, int n0, int n1,
                             float *y, const float *bias) {
    int blocks = (k + CK_Q8_BLOCK - 1) / CK_Q8_BLOCK;
    size_t ldw = (size_t)blocks * CK_Q8_BLOCK;
    for (int n = n0; n < n1; n++) {
        const int8_t *row = w + (size_t)n * ldw;
        const uint16_t *scale = wd + (size_t)n * blocks;
        float s = 0;
        for (int b = 0; b < blocks; b++) {
            int32_t dot = 0;
            for (int i = 0; i < CK_Q8_BLOCK; i++) dot += (int32_t)xq[b * CK_Q8_BLOCK + i] * row[b * CK_Q8_BLOCK + i];
            s += (float)dot * (xd[b] * ck_f16_to_f32_scalar(scale[b]));
        }
        y[n] = s + (bias ? bias[n] : 0.0f);
    }
}

#if defined(__x86_64__)
#include <immintrin.h>
#include "ck_avx2.h"

/// The four rows of a GEMV step t (ck_quarter_rows), where their values and their block scales start.
static inline void q8_quarter_rows(int rows[4], const int8_t *r[4], const uint16_t *s[4], const int8_t *w,
                                   const uint16_t *wd, int blocks, int n0, int quarter, int t) {
    ck_quarter_rows(rows, n0, quarter, t);
    for (int j = 0; j < 4; j++) {
        r[j] = w + (size_t)rows[j] * blocks * CK_Q8_BLOCK;
        s[j] = wd + (size_t)rows[j] * blocks;
    }
}

// AVX2: |x| (unsigned) against w·sign(x) (signed) with vpmaddubsw (no pair can saturate: |q| ≤ 127),
// pairs summed to int32 with vpmaddwd, scaled per block in f32. `ax` is |xv| (sign(xv, xv)).
CK_TGT_AVX2 static inline __m256i q8_block_products(__m256i ax, __m256i xv, __m256i wv) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(wv, xv)), _mm256_set1_epi16(1));
}

// One row after the other (the last rows of a run, fewer than four), the blocks alternating between two
// accumulators, 1 KB ahead prefetched.
CK_TGT_AVX2 static void gemv_q8_avx2_rows(const int8_t *xq, const float *xd, int blocks, const int8_t *w,
                                          const uint16_t *wd, int n0, int n1, float *y, const float *bias) {
    size_t ldw = (size_t)blocks * CK_Q8_BLOCK;
    for (int n = n0; n < n1; n++) {
        const int8_t *r = w + (size_t)n * ldw;
        const uint16_t *s = wd + (size_t)n * blocks;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        for (int b = 0; b < blocks; b++) {
            if ((b & 1) == 0) _mm_prefetch((const char *)(r + (size_t)b * CK_Q8_BLOCK) + 1024, _MM_HINT_T0);
            __m256i xv = _mm256_loadu_si256((const __m256i *)(xq + (size_t)b * CK_Q8_BLOCK));
            __m256i wv = _mm256_loadu_si256((const __m256i *)(r + (size_t)b * CK_Q8_BLOCK));
            __m256i p = q8_block_products(_mm256_sign_epi8(xv, xv), xv, wv);
            __m256 d = _mm256_set1_ps(xd[b] * _cvtsh_ss(s[b]));
            if (b & 1) a1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), d, a1);
            else a0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), d, a0);
        }
        y[n] = ck_hsum256(_mm256_add_ps(a0, a1)) + (bias ? bias[n] : 0.0f);
    }
}

// Four rows at a time, a quarter of the run apart (four sequential streams, each prefetched 1 KB ahead,
// as the 16-bit GEMV in avx2_gemv.c); the last rows one after the other.
CK_TGT_AVX2 static void gemv_q8_avx2(const int8_t *xq, const float *xd, int k, const int8_t *w, const uint16_t *wd,
                                     int n0, int n1, float *y, const float *bias) {
    int blocks = (k + CK_Q8_BLOCK - 1) / CK_Q8_BLOCK;
    int quarter = (n1 - n0) / 4;
    for (int t = 0; t < quarter; t++) {
        int rows[4];
        const int8_t *r[4];
        const uint16_t *s[4];
        q8_quarter_rows(rows, r, s, w, wd, blocks, n0, quarter, t);
        __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
        for (int b = 0; b < blocks; b++) {
            __m256i xv = _mm256_loadu_si256((const __m256i *)(xq + (size_t)b * CK_Q8_BLOCK));
            __m256i ax = _mm256_sign_epi8(xv, xv);
            if ((b & 1) == 0)  // one prefetch per 64-byte line
                for (int j = 0; j < 4; j++) _mm_prefetch((const char *)(r[j] + (size_t)b * CK_Q8_BLOCK) + 1024, _MM_HINT_T0);
            float dx = xd[b];
#pragma clang loop unroll(full)
            for (int j = 0; j < 4; j++) {
                __m256i wv = _mm256_loadu_si256((const __m256i *)(r[j] + (size_t)b * CK_Q8_BLOCK));
                __m256 d = _mm256_set1_ps(dx * _cvtsh_ss(s[j][b]));
                acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(q8_block_products(ax, xv, wv)), d, acc[j]);
            }
        }
        for (int j = 0; j < 4; j++) y[rows[j]] = ck_hsum256(acc[j]) + (bias ? bias[rows[j]] : 0.0f);
    }
    gemv_q8_avx2_rows(xq, xd, blocks, w, wd, n0 + 4 * quarter, n1, y, bias);
}

// AVX-512 VNNI: two blocks (64 bytes) a vpdpbusd, |x| against w·sign(x) (masked negate), the 16 int32
// lanes (8 per block) scaled by their block's xd·wd. Four rows at a time, a quarter of the run apart, as
// the AVX2 one above (and the AVX-512 16-bit GEMVs in gemv_avx512.c); the last rows in plain C.
#define TGT512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,f16c,fma")))
TGT512 static void gemv_q8_avx512(const int8_t *xq, const float *xd, int k, const int8_t *w, const uint16_t *wd,
                                  int n0, int n1, float *y, const float *bias) {
    int blocks = (k + CK_Q8_BLOCK - 1) / CK_Q8_BLOCK;
    int pairs = blocks / 2, odd = blocks & 1;
    const __m512i zero = _mm512_setzero_si512();
    // lanes 0–7 take element 0 of a 2-float vector, lanes 8–15 element 1
    const __m512i halves = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    int quarter = (n1 - n0) / 4;
    for (int t = 0; t < quarter; t++) {
        int rows[4];
        const int8_t *r[4];
        const uint16_t *s[4];
        q8_quarter_rows(rows, r, s, w, wd, blocks, n0, quarter, t);
        __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
        for (int p = 0; p <= pairs; p++) {
            if (p == pairs && !odd) break;
            int b = 2 * p;
            __mmask64 lanes = p < pairs ? ~(__mmask64)0 : (__mmask64)0xffffffffu;
            __m512i xv = _mm512_maskz_loadu_epi8(lanes, xq + (size_t)b * CK_Q8_BLOCK);
            __m512i ax = _mm512_abs_epi8(xv);
            __mmask64 neg = _mm512_movepi8_mask(xv);
            __m512 dx = p < pairs ? _mm512_permutexvar_ps(halves, _mm512_castps128_ps512(_mm_castsi128_ps(
                                        _mm_loadl_epi64((const __m128i *)(xd + b)))))
                                  : _mm512_maskz_mov_ps(0x00ff, _mm512_set1_ps(xd[b]));
            for (int j = 0; j < 4; j++) _mm_prefetch((const char *)(r[j] + (size_t)b * CK_Q8_BLOCK) + 1024, _MM_HINT_T0);
#pragma clang loop unroll(full)
            for (int j = 0; j < 4; j++) {
                __m512i wv = _mm512_maskz_loadu_epi8(lanes, r[j] + (size_t)b * CK_Q8_BLOCK);
                __m512i sw = _mm512_mask_sub_epi8(wv, neg, zero, wv);
                __m512i dot = _mm512_dpbusd_epi32(zero, ax, sw);
                uint32_t two;
                if (p < pairs) memcpy(&two, s[j] + b, 4);
                else two = s[j][b];
                __m512 dw = _mm512_permutexvar_ps(halves, _mm512_castps128_ps512(_mm_cvtph_ps(_mm_cvtsi32_si128((int)two))));
                acc[j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(dx, dw), acc[j]);
            }
        }
        for (int j = 0; j < 4; j++) y[rows[j]] = _mm512_reduce_add_ps(acc[j]) + (bias ? bias[rows[j]] : 0.0f);
    }
    gemv_q8_portable(xq, xd, k, w, wd, n0 + 4 * quarter, n1, y, bias);
}
#endif

void ck_gemv_q8(int isa, const int8_t *xq, const float *xd, int k, const int8_t *w, const uint16_t *wd, int n0, int n1,
                float *y, const float *bias) {
#if defined(__x86_64__)
    if (isa == CK_ISA_AVX512BF16) { gemv_q8_avx512(xq, xd, k, w, wd, n0, n1, y, bias); return; }
    if (isa == CK_ISA_AVX2) { gemv_q8_avx2(xq, xd, k, w, wd, n0, n1, y, bias); return; }
#else
    if (isa != CK_ISA_PORTABLE) ck_trap("ck_gemv_q8 (vector ISA)");
#endif
    gemv_q8_portable(xq, xd, k, w, wd, n0, n1, y, bias);
}
