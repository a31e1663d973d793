// Softmax and activations: exp-heavy loops, vectorised with AVX-512F where the CPU has it.
#include "CKernels.h"
#include <math.h>

static int has_avx512(void) {
#if defined(__x86_64__)
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx512f") ? 1 : 0;
    }
    return cached;
#else
    return 0;
#endif
}

#if defined(__x86_64__)
#include <immintrin.h>
#define TGT __attribute__((target("avx512f")))

// exp(x) for f32 lanes: range reduction by ln2 (Cody–Waite) and a degree-6 polynomial; ≤ 2 ulp on
// [-87, 88]; below −87.3 the result flushes to 0 (softmax tails), above 88.7 it is +inf.
TGT static inline __m512 exp512(__m512 x) {
    const __m512 log2e = _mm512_set1_ps(1.44269504088896341f);
    const __m512 ln2hi = _mm512_set1_ps(0.693359375f), ln2lo = _mm512_set1_ps(-2.12194440e-4f);
    x = _mm512_max_ps(x, _mm512_set1_ps(-88.0f));
    x = _mm512_min_ps(x, _mm512_set1_ps(88.7f));
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
    return _mm512_scalef_ps(p, n);
}

TGT static void softmax_rows_512(float *x, int rows, int n, int ld, float scale) {
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
            for (i = 0; i < n; i++) row[i] = 0;
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

TGT static void quick_gelu_512(float *x, size_t count) {
    const __m512 k = _mm512_set1_ps(-1.702f), one = _mm512_set1_ps(1.0f);
    size_t i = 0;
    for (; i + 16 <= count; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        __m512 e = exp512(_mm512_mul_ps(v, k));
        _mm512_storeu_ps(x + i, _mm512_div_ps(v, _mm512_add_ps(one, e)));
    }
    for (; i < count; i++) x[i] = x[i] / (1.0f + expf(-1.702f * x[i]));
}

TGT static void silu_mul_512(float *g, const float *u, size_t count) {
    const __m512 one = _mm512_set1_ps(1.0f), neg = _mm512_set1_ps(-1.0f);
    size_t i = 0;
    for (; i + 16 <= count; i += 16) {
        __m512 v = _mm512_loadu_ps(g + i);
        __m512 e = exp512(_mm512_mul_ps(v, neg));
        __m512 s = _mm512_div_ps(v, _mm512_add_ps(one, e));
        _mm512_storeu_ps(g + i, u ? _mm512_mul_ps(s, _mm512_loadu_ps(u + i)) : s);
    }
    for (; i < count; i++) {
        float s = g[i] / (1.0f + expf(-g[i]));
        g[i] = u ? s * u[i] : s;
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
            for (int i = 0; i < n; i++) row[i] = 0;
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

void ck_softmax_rows_scaled(float *x, int rows, int n, int ld, float scale) {
#if defined(__x86_64__)
    if (has_avx512()) { softmax_rows_512(x, rows, n, ld, scale); return; }
#endif
    softmax_rows_scalar(x, rows, n, ld, scale);
}

void ck_softmax_rows(float *x, int rows, int n, int ld) { ck_softmax_rows_scaled(x, rows, n, ld, 1.0f); }

void ck_quick_gelu(float *x, size_t count) {
#if defined(__x86_64__)
    if (has_avx512()) { quick_gelu_512(x, count); return; }
#endif
    for (size_t i = 0; i < count; i++) x[i] = x[i] / (1.0f + expf(-1.702f * x[i]));
}

static void silu_mul_any(float *g, const float *u, size_t count) {
#if defined(__x86_64__)
    if (has_avx512()) { silu_mul_512(g, u, count); return; }
#endif
    for (size_t i = 0; i < count; i++) {
        float s = g[i] / (1.0f + expf(-g[i]));
        g[i] = u ? s * u[i] : s;
    }
}

void ck_silu_mul(float *gate, const float *up, size_t count) { silu_mul_any(gate, up, count); }
void ck_silu(float *x, size_t count) { silu_mul_any(x, NULL, count); }
