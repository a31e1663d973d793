// Row normalisations (RMSNorm, LayerNorm) with f32 statistics: AVX2+FMA for both vector ISAs (the rows
// are short and memory-bound; 256-bit lanes reach the bound), scalar otherwise.
#include "CKernels.h"
#include <math.h>

static void rms_norm_scalar(const float *x, int n, const float *w, float eps, float *y) {
    float acc[8] = {0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) acc[j] += x[i + j] * x[i + j];
    float s = 0;
    for (int j = 0; j < 8; j++) s += acc[j];
    for (; i < n; i++) s += x[i] * x[i];
    float inv = 1.0f / sqrtf(s / (float)n + eps);
    for (i = 0; i < n; i++) y[i] = w[i] * (x[i] * inv);
}

static void layer_norm_scalar(const float *x, int n, const float *w, const float *b, float eps, float *y) {
    float s = 0;
    for (int i = 0; i < n; i++) s += x[i];
    float mean = s / (float)n, v = 0;
    for (int i = 0; i < n; i++) v += (x[i] - mean) * (x[i] - mean);
    float inv = 1.0f / sqrtf(v / (float)n + eps);
    for (int i = 0; i < n; i++) y[i] = (x[i] - mean) * inv * w[i] + (b ? b[i] : 0.0f);
}

#if defined(__x86_64__)
#include "ck_avx2.h"
#define TGT CK_TGT_AVX2

TGT static void rms_norm_avx2(const float *x, int n, const float *w, float eps, float *y) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0;
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);
        a0 = _mm256_fmadd_ps(v0, v0, a0);
        a1 = _mm256_fmadd_ps(v1, v1, a1);
    }
    float s = ck_hsum256(_mm256_add_ps(a0, a1));
    for (; i < n; i++) s += x[i] * x[i];
    float inv = 1.0f / sqrtf(s / (float)n + eps);
    __m256 vi = _mm256_set1_ps(inv);
    for (i = 0; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(w + i), _mm256_mul_ps(_mm256_loadu_ps(x + i), vi)));
    for (; i < n; i++) y[i] = w[i] * (x[i] * inv);
}

TGT static void layer_norm_avx2(const float *x, int n, const float *w, const float *b, float eps, float *y) {
    __m256 a = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= n; i += 8) a = _mm256_add_ps(a, _mm256_loadu_ps(x + i));
    float s = ck_hsum256(a);
    for (; i < n; i++) s += x[i];
    float mean = s / (float)n;
    __m256 vm = _mm256_set1_ps(mean);
    a = _mm256_setzero_ps();
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + i), vm);
        a = _mm256_fmadd_ps(d, d, a);
    }
    float v = ck_hsum256(a);
    for (; i < n; i++) v += (x[i] - mean) * (x[i] - mean);
    float inv = 1.0f / sqrtf(v / (float)n + eps);
    __m256 vi = _mm256_set1_ps(inv);
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 t = _mm256_mul_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm), vi), _mm256_loadu_ps(w + i));
        _mm256_storeu_ps(y + i, b ? _mm256_add_ps(t, _mm256_loadu_ps(b + i)) : t);
    }
    for (; i < n; i++) y[i] = (x[i] - mean) * inv * w[i] + (b ? b[i] : 0.0f);
}
#endif

void ck_rms_norm(int isa, const float *x, int rows, int n, const float *weight, float eps, float *out) {
    for (int r = 0; r < rows; r++) {
        const float *src = x + (size_t)r * n;
        float *dst = out + (size_t)r * n;
#if defined(__x86_64__)
        if (isa != CK_ISA_PORTABLE) { rms_norm_avx2(src, n, weight, eps, dst); continue; }
#else
        if (isa != CK_ISA_PORTABLE) ck_trap("ck_rms_norm (vector ISA)");
#endif
        rms_norm_scalar(src, n, weight, eps, dst);
    }
}

void ck_layer_norm(int isa, const float *x, int rows, int n, const float *weight, const float *bias, float eps,
                   float *out) {
    for (int r = 0; r < rows; r++) {
        const float *src = x + (size_t)r * n;
        float *dst = out + (size_t)r * n;
#if defined(__x86_64__)
        if (isa != CK_ISA_PORTABLE) { layer_norm_avx2(src, n, weight, bias, eps, dst); continue; }
#else
        if (isa != CK_ISA_PORTABLE) ck_trap("ck_layer_norm (vector ISA)");
#endif
        layer_norm_scalar(src, n, weight, bias, eps, dst);
    }
}
