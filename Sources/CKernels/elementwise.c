// Softmax and activations: exp-heavy loops, vectorised per kernel ISA (AVX-512F, AVX2+FMA, scalar).
// NaN propagates (a NaN in a softmax row makes the row NaN, as torch does); exp underflows to exactly 0
// below −87.3 (masked scores), and a row of all −inf becomes 0.
#include "CKernels.h"
#include <math.h>

#define EXP_LO (-87.3f)
#define EXP_HI 88.3f

#if defined(__x86_64__)
#include "ck_avx2.h"
#define TGT512 __attribute__((target("avx512f")))
#define TGT256 CK_TGT_AVX2

// exp(x) for f32 lanes: range reduction by ln2 (Cody–Waite) and a degree-6 polynomial; ≤ 2 ulp on
// [−87.3, 88.3]; 0 below, saturating above (never reached by softmax, whose inputs are ≤ 0).
// The clamps take x as their second operand so a NaN lane stays NaN. Returns p·2^n in *n.
#define EXP_POLY(VEC, SET1, MUL, ADD, FMADD, FNMADD, MAX, MIN, ROUND)                                       \
    x = MAX(SET1(EXP_LO), x);                                                                              \
    x = MIN(SET1(EXP_HI), x);                                                                              \
    VEC n = ROUND(MUL(x, SET1(1.44269504088896341f)));                                                     \
    VEC r = FNMADD(n, SET1(0.693359375f), x);                                                              \
    r = FNMADD(n, SET1(-2.12194440e-4f), r);                                                               \
    VEC p = SET1(1.9875691500e-4f);                                                                        \
    p = FMADD(p, r, SET1(1.3981999507e-3f));                                                               \
    p = FMADD(p, r, SET1(8.3334519073e-3f));                                                               \
    p = FMADD(p, r, SET1(4.1665795894e-2f));                                                               \
    p = FMADD(p, r, SET1(1.6666665459e-1f));                                                               \
    p = FMADD(p, r, SET1(5.0000001201e-1f));                                                               \
    p = FMADD(p, MUL(r, r), ADD(r, SET1(1.0f)));

#define ROUND512(v) _mm512_roundscale_ps((v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define ROUND256(v) _mm256_round_ps((v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)

TGT512 static inline __m512 exp512(__m512 x) {
    __mmask16 tiny = _mm512_cmp_ps_mask(x, _mm512_set1_ps(EXP_LO), _CMP_LT_OQ);
    EXP_POLY(__m512, _mm512_set1_ps, _mm512_mul_ps, _mm512_add_ps, _mm512_fmadd_ps, _mm512_fnmadd_ps, _mm512_max_ps,
             _mm512_min_ps, ROUND512)
    return _mm512_maskz_mov_ps(~tiny, _mm512_scalef_ps(p, n));
}

TGT256 static inline __m256 exp256(__m256 x) {
    __m256 tiny = _mm256_cmp_ps(x, _mm256_set1_ps(EXP_LO), _CMP_LT_OQ);
    EXP_POLY(__m256, _mm256_set1_ps, _mm256_mul_ps, _mm256_add_ps, _mm256_fmadd_ps, _mm256_fnmadd_ps, _mm256_max_ps,
             _mm256_min_ps, ROUND256)
    // 2^n for n in [−126, 127]: the exponent field directly (NaN lanes: n is NaN, p is NaN → NaN).
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_andnot_ps(tiny, _mm256_mul_ps(p, _mm256_castsi256_ps(e)));
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

// One key tile of flash-style attention, per row: x ← exp(scale·x − m_new) with m_new = max(m, tile max),
// alpha = exp(m − m_new) (the factor earlier tiles' sums and outputs are rescaled by), l ← l·alpha + Σx.
// A row with every score −inf so far stays 0 with alpha = 1.
#define ONLINE_SOFTMAX(NAME, TGT, VEC, W, LOAD, STORE, SET1, MUL, SUB, ADD, MAX, EXP, HMAX, HSUM, ZERO) \
    TGT static void NAME(float *x, int rows, int n, int ld, float scale, float *m, float *l, float *alpha) { \
        for (int r = 0; r < rows; r++) {                                                                   \
            float *row = x + (size_t)r * ld;                                                               \
            VEC vs = SET1(scale), vmax = SET1(-INFINITY);                                                  \
            int i = 0;                                                                                     \
            for (; i + W <= n; i += W) {                                                                   \
                VEC v = MUL(LOAD(row + i), vs);                                                            \
                STORE(row + i, v);                                                                         \
                vmax = MAX(vmax, v);                                                                       \
            }                                                                                              \
            float mt = HMAX(vmax);                                                                         \
            for (; i < n; i++) {                                                                           \
                row[i] *= scale;                                                                           \
                mt = row[i] > mt ? row[i] : mt;                                                            \
            }                                                                                              \
            float mn = m[r] > mt ? m[r] : mt;                                                              \
            if (mn == -INFINITY) {                                                                         \
                for (i = 0; i < n; i++) row[i] = row[i] != row[i] ? row[i] : 0;                            \
                alpha[r] = 1;                                                                              \
                continue;                                                                                  \
            }                                                                                              \
            VEC vm = SET1(mn), vsum = ZERO();                                                              \
            for (i = 0; i + W <= n; i += W) {                                                              \
                VEC e = EXP(SUB(LOAD(row + i), vm));                                                       \
                STORE(row + i, e);                                                                         \
                vsum = ADD(vsum, e);                                                                       \
            }                                                                                              \
            float sum = HSUM(vsum);                                                                        \
            for (; i < n; i++) {                                                                           \
                row[i] = expf(row[i] - mn);                                                                \
                sum += row[i];                                                                             \
            }                                                                                              \
            alpha[r] = m[r] == -INFINITY ? 0.0f : expf(m[r] - mn);                                         \
            l[r] = l[r] * alpha[r] + sum;                                                                  \
            m[r] = mn;                                                                                     \
        }                                                                                                  \
    }

ONLINE_SOFTMAX(online_softmax_512, TGT512, __m512, 16, _mm512_loadu_ps, _mm512_storeu_ps, _mm512_set1_ps, _mm512_mul_ps,
               _mm512_sub_ps, _mm512_add_ps, _mm512_max_ps, exp512, _mm512_reduce_max_ps, _mm512_reduce_add_ps,
               _mm512_setzero_ps)
ONLINE_SOFTMAX(online_softmax_256, TGT256, __m256, 8, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_ps, _mm256_mul_ps,
               _mm256_sub_ps, _mm256_add_ps, _mm256_max_ps, exp256, ck_hmax256, ck_hsum256, _mm256_setzero_ps)
#endif

static void gated_scalar(float *x, const float *u, size_t count, float k) {
    for (size_t i = 0; i < count; i++) {
        float s = x[i] / (1.0f + expf(-k * x[i]));
        x[i] = u ? s * u[i] : s;
    }
}

// Softmax is one key tile of the online form from a fresh state, then a division by the row's sum.
void ck_softmax_rows_scaled(int isa, float *x, int rows, int n, int ld, float scale) {
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * ld;
        float m = -INFINITY, l = 0, alpha;
        ck_online_softmax_tile(isa, row, 1, n, n, scale, &m, &l, &alpha);
        if (l == 0) continue;  // a row of all −inf: left as zeros
        float inv = 1.0f / l;
        for (int i = 0; i < n; i++) row[i] *= inv;
    }
}

static void gated(int isa, float *x, const float *u, size_t count, float k) {
#if defined(__x86_64__)
    if (isa == CK_ISA_AVX512BF16) { gated_512(x, u, count, k); return; }
    if (isa == CK_ISA_AVX2) { gated_256(x, u, count, k); return; }
#endif
    if (isa != CK_ISA_PORTABLE) ck_trap("activation kernel (vector ISA)");
    gated_scalar(x, u, count, k);
}

static void online_softmax_scalar(float *x, int rows, int n, int ld, float scale, float *m, float *l, float *alpha) {
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * ld;
        float mt = -INFINITY;
        for (int i = 0; i < n; i++) {
            row[i] *= scale;
            mt = row[i] > mt ? row[i] : mt;
        }
        float mn = m[r] > mt ? m[r] : mt;
        if (mn == -INFINITY) {
            for (int i = 0; i < n; i++) row[i] = row[i] != row[i] ? row[i] : 0;
            alpha[r] = 1;
            continue;
        }
        float sum = 0;
        for (int i = 0; i < n; i++) {
            row[i] = expf(row[i] - mn);
            sum += row[i];
        }
        alpha[r] = m[r] == -INFINITY ? 0.0f : expf(m[r] - mn);
        l[r] = l[r] * alpha[r] + sum;
        m[r] = mn;
    }
}

void ck_online_softmax_tile(int isa, float *x, int rows, int n, int ld, float scale, float *m, float *l, float *alpha) {
#if defined(__x86_64__)
    if (isa == CK_ISA_AVX512BF16) { online_softmax_512(x, rows, n, ld, scale, m, l, alpha); return; }
    if (isa == CK_ISA_AVX2) { online_softmax_256(x, rows, n, ld, scale, m, l, alpha); return; }
#endif
    if (isa != CK_ISA_PORTABLE) ck_trap("ck_online_softmax_tile (vector ISA)");
    online_softmax_scalar(x, rows, n, ld, scale, m, l, alpha);
}

void ck_softmax_rows(int isa, float *x, int rows, int n, int ld) { ck_softmax_rows_scaled(isa, x, rows, n, ld, 1.0f); }
void ck_quick_gelu(int isa, float *x, size_t count) { gated(isa, x, NULL, count, 1.702f); }
void ck_silu_mul(int isa, float *gate, const float *up, size_t count) { gated(isa, gate, up, count, 1.0f); }
void ck_silu(int isa, float *x, size_t count) { gated(isa, x, NULL, count, 1.0f); }
