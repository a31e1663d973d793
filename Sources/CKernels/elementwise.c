// Softmax and activations: exp-heavy loops, vectorised per kernel ISA (AVX-512F, AVX2+FMA, scalar).
// NaN propagates (a NaN in a softmax row makes the row NaN, as torch does); exp underflows to exactly 0
// below −87.3 (masked scores), and a row of all −inf becomes 0.
#include "CKernels.h"
#include <math.h>

#define EXP_LO (-87.3f)
#define EXP_HI 88.3f

#if defined(__x86_64__)
#include <immintrin.h>
#define TGT512 __attribute__((target("avx512f")))
#define TGT256 __attribute__((target("avx2,fma")))

// exp(x) for f32 lanes: range reduction by ln2 (Cody–Waite) and a degree-6 polynomial; ≤ 2 ulp on
// [−87.3, 88.3]; 0 below, saturating above (never reached by softmax, whose inputs are ≤ 0).
// The clamps take x as their second operand so a NaN lane stays NaN.
TGT512 static inline __m512 exp512(__m512 x) {
    const __m512 log2e = _mm512_set1_ps(1.44269504088896341f);
    const __m512 ln2hi = _mm512_set1_ps(0.693359375f), ln2lo = _mm512_set1_ps(-2.12194440e-4f);
    __mmask16 tiny = _mm512_cmp_ps_mask(x, _mm512_set1_ps(EXP_LO), _CMP_LT_OQ);
    x = _mm512_max_ps(_mm512_set1_ps(EXP_LO), x);
    x = _mm512_min_ps(_mm512_set1_ps(EXP_HI), x);
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, ln2hi, x);
    r = _mm512_fnmadd_ps(n, ln2lo, r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    __m512 r2 = _mm512_mul_ps(r, r);
    p = _mm512_fmadd_ps(p, r2, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_maskz_mov_ps(~tiny, _mm512_scalef_ps(p, n));
}

TGT256 static inline __m256 exp256(__m256 x) {
    const __m256 log2e = _mm256_set1_ps(1.44269504088896341f);
    const __m256 ln2hi = _mm256_set1_ps(0.693359375f), ln2lo = _mm256_set1_ps(-2.12194440e-4f);
    __m256 tiny = _mm256_cmp_ps(x, _mm256_set1_ps(EXP_LO), _CMP_LT_OQ);
    x = _mm256_max_ps(_mm256_set1_ps(EXP_LO), x);
    x = _mm256_min_ps(_mm256_set1_ps(EXP_HI), x);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, ln2hi, x);
    r = _mm256_fnmadd_ps(n, ln2lo, r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    __m256 r2 = _mm256_mul_ps(r, r);
    p = _mm256_fmadd_ps(p, r2, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    // 2^n for n in [−126, 127]: the exponent field directly (NaN lanes: n is NaN, p is NaN → NaN).
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_andnot_ps(tiny, _mm256_mul_ps(p, _mm256_castsi256_ps(e)));
}

TGT512 static void softmax_rows_512(float *x, int rows, int n, int ld, float scale) {
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * ld;
        if (scale != 1.0f)
            for (int j = 0; j < n; j++) row[j] *= scale;
        __m512 vmax = _mm512_set1_ps(-INFINITY);
        int i = 0;
        for (; i + 16 <= n; i += 16) vmax = _mm512_max_ps(vmax, _mm512_loadu_ps(row + i));
        float m = _mm512_reduce_max_ps(vmax);
        for (; i < n; i++) m = row[i] > m ? row[i] : m;
        if (m == -INFINITY) {
            for (i = 0; i < n; i++) row[i] = row[i] != row[i] ? row[i] : 0;
            continue;
        }
        __m512 vm = _mm512_set1_ps(m), vsum = _mm512_setzero_ps();
        for (i = 0; i + 16 <= n; i += 16) {
            __m512 e = exp512(_mm512_sub_ps(_mm512_loadu_ps(row + i), vm));
            _mm512_storeu_ps(row + i, e);
            vsum = _mm512_add_ps(vsum, e);
        }
        float sum = _mm512_reduce_add_ps(vsum);
        for (; i < n; i++) {
            row[i] = expf(row[i] - m);
            sum += row[i];
        }
        __m512 inv = _mm512_set1_ps(1.0f / sum);
        for (i = 0; i + 16 <= n; i += 16) _mm512_storeu_ps(row + i, _mm512_mul_ps(_mm512_loadu_ps(row + i), inv));
        for (; i < n; i++) row[i] *= 1.0f / sum;
    }
}

TGT256 static inline float hmax256(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

TGT256 static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

TGT256 static void softmax_rows_256(float *x, int rows, int n, int ld, float scale) {
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * ld;
        if (scale != 1.0f)
            for (int j = 0; j < n; j++) row[j] *= scale;
        __m256 vmax = _mm256_set1_ps(-INFINITY);
        int i = 0;
        for (; i + 8 <= n; i += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(row + i));
        float m = hmax256(vmax);
        for (; i < n; i++) m = row[i] > m ? row[i] : m;
        if (m == -INFINITY) {
            for (i = 0; i < n; i++) row[i] = row[i] != row[i] ? row[i] : 0;
            continue;
        }
        __m256 vm = _mm256_set1_ps(m), vsum = _mm256_setzero_ps();
        for (i = 0; i + 8 <= n; i += 8) {
            __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(row + i), vm));
            _mm256_storeu_ps(row + i, e);
            vsum = _mm256_add_ps(vsum, e);
        }
        float sum = hsum256(vsum);
        for (; i < n; i++) {
            row[i] = expf(row[i] - m);
            sum += row[i];
        }
        __m256 inv = _mm256_set1_ps(1.0f / sum);
        for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(row + i, _mm256_mul_ps(_mm256_loadu_ps(row + i), inv));
        for (; i < n; i++) row[i] *= 1.0f / sum;
    }
}

// x·sigmoid(k·x) = x / (1 + exp(−k·x)): k = 1.702 (QuickGELU), 1 (SiLU); times u[i] when u is given.
TGT512 static void gated_512(float *x, const float *u, size_t count, float k) {
    const __m512 nk = _mm512_set1_ps(-k), one = _mm512_set1_ps(1.0f);
    size_t i = 0;
    for (; i + 16 <= count; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        __m512 s = _mm512_div_ps(v, _mm512_add_ps(one, exp512(_mm512_mul_ps(v, nk))));
        _mm512_storeu_ps(x + i, u ? _mm512_mul_ps(s, _mm512_loadu_ps(u + i)) : s);
    }
    for (; i < count; i++) {
        float s = x[i] / (1.0f + expf(-k * x[i]));
        x[i] = u ? s * u[i] : s;
    }
}

TGT256 static void gated_256(float *x, const float *u, size_t count, float k) {
    const __m256 nk = _mm256_set1_ps(-k), one = _mm256_set1_ps(1.0f);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 s = _mm256_div_ps(v, _mm256_add_ps(one, exp256(_mm256_mul_ps(v, nk))));
        _mm256_storeu_ps(x + i, u ? _mm256_mul_ps(s, _mm256_loadu_ps(u + i)) : s);
    }
    for (; i < count; i++) {
        float s = x[i] / (1.0f + expf(-k * x[i]));
        x[i] = u ? s * u[i] : s;
    }
}
#endif

static void softmax_rows_scalar(float *x, int rows, int n, int ld, float scale) {
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * ld;
        if (scale != 1.0f)
            for (int j = 0; j < n; j++) row[j] *= scale;
        float m = -INFINITY;
        for (int i = 0; i < n; i++) m = row[i] > m ? row[i] : m;
        if (m == -INFINITY) {
            for (int i = 0; i < n; i++) row[i] = row[i] != row[i] ? row[i] : 0;
            continue;
        }
        float sum = 0;
        for (int i = 0; i < n; i++) {
            row[i] = expf(row[i] - m);
            sum += row[i];
        }
        for (int i = 0; i < n; i++) row[i] *= 1.0f / sum;
    }
}

static void gated_scalar(float *x, const float *u, size_t count, float k) {
    for (size_t i = 0; i < count; i++) {
        float s = x[i] / (1.0f + expf(-k * x[i]));
        x[i] = u ? s * u[i] : s;
    }
}

void ck_softmax_rows_scaled(int isa, float *x, int rows, int n, int ld, float scale) {
#if defined(__x86_64__)
    if (isa == CK_ISA_AVX512BF16) { softmax_rows_512(x, rows, n, ld, scale); return; }
    if (isa == CK_ISA_AVX2) { softmax_rows_256(x, rows, n, ld, scale); return; }
#endif
    if (isa != CK_ISA_PORTABLE) ck_trap("ck_softmax_rows_scaled (vector ISA)");
    softmax_rows_scalar(x, rows, n, ld, scale);
}

static void gated(int isa, float *x, const float *u, size_t count, float k) {
#if defined(__x86_64__)
    if (isa == CK_ISA_AVX512BF16) { gated_512(x, u, count, k); return; }
    if (isa == CK_ISA_AVX2) { gated_256(x, u, count, k); return; }
#endif
    if (isa != CK_ISA_PORTABLE) ck_trap("activation kernel (vector ISA)");
    gated_scalar(x, u, count, k);
}

void ck_softmax_rows(int isa, float *x, int rows, int n, int ld) { ck_softmax_rows_scaled(isa, x, rows, n, ld, 1.0f); }
void ck_quick_gelu(int isa, float *x, size_t count) { gated(isa, x, NULL, count, 1.702f); }
void ck_silu_mul(int isa, float *gate, const float *up, size_t count) { gated(isa, gate, up, count, 1.0f); }
void ck_silu(int isa, float *x, size_t count) { gated(isa, x, NULL, count, 1.0f); }
