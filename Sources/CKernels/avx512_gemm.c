// f32 GEMM C = A·Bᵀ with AVX-512F: a 12×32 register tile (24 zmm accumulators, 2 B loads and 12
// broadcasts per k). A packed by ck_f32z_pack_a, B by ck_f32z_pack_b (f32 / bf16 / f16 / Q8_0 weights
// widened to f32 while packing, avx2_gemm.c).
#include "CKernels.h"
#include "ck_internal.h"
#include "ck_avx512.h"
_Static_assert(CK_F32Z_MR == CK_TILE_ROWS && CK_F32Z_NR == 32, "the shared tile store is 12×32");
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__((target("avx512f,avx512vl,avx2,fma")))

TGT static void micro_kernel(int kc, const float *a, const float *b, float *c, int ldc, int rows, __mmask16 mask0,
                             __mmask16 mask1, const float *bias, int accumulate) {
    __m512 acc[CK_F32Z_MR][2];
#pragma clang loop unroll(full)
    for (int r = 0; r < CK_F32Z_MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    // The C tile's lines, fetched while the k loop runs (they are read or written at the end).
    for (int r = 0; r < rows; r++) {
        _mm_prefetch((const char *)(c + (size_t)r * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + (size_t)r * ldc + 31), _MM_HINT_T0);
    }
#pragma clang loop unroll_count(2)
    for (int k = 0; k < kc; k++) {
        __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma clang loop unroll(full)
        for (int r = 0; r < CK_F32Z_MR; r++) {
            __m512 av = _mm512_set1_ps(a[r]);
            acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
        }
        a += CK_F32Z_MR;
        b += CK_F32Z_NR;
    }
    ck_store_tile_12x32(acc, rows, c, ldc, mask0, mask1, bias, accumulate);
}

TGT void ck_gemm_f32z_prepacked(int m, int kc, const float *packed_a, const float *packed_b, int panel_kc, int n0,
                                int n1, float *c, int ldc, const float *bias, int accumulate) {
    int panels = (m + CK_F32Z_MR - 1) / CK_F32Z_MR;
    for (int n = n0; n < n1; n += CK_F32Z_NR) {
        int cols = n1 - n < CK_F32Z_NR ? n1 - n : CK_F32Z_NR;
        __mmask16 mask0, mask1;
        ck_masks32(cols, &mask0, &mask1);
        const float *bp = packed_b + (size_t)(n / CK_F32Z_NR) * CK_F32Z_NR * panel_kc;
        const float *bias_n = bias ? bias + n : NULL;
        for (int p = 0; p < panels; p++) {
            int rows = m - p * CK_F32Z_MR < CK_F32Z_MR ? m - p * CK_F32Z_MR : CK_F32Z_MR;
            micro_kernel(kc, packed_a + (size_t)p * CK_F32Z_MR * kc, bp, c + (size_t)p * CK_F32Z_MR * ldc + n, ldc, rows,
                         mask0, mask1, bias_n, accumulate);
        }
    }
}

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

// 12 independent chains of each instruction, `n` rounds; the operands keep every value finite.
__attribute__((noinline, target("avx512f,avx512bf16"))) static float dot_loop(long n) {
    __m512 acc[12];
    __m512bh one = (__m512bh)_mm512_set1_epi32(0x3f803f80);
    for (int i = 0; i < 12; i++) acc[i] = _mm512_setzero_ps();
    for (long i = 0; i < n; i++) {
#pragma clang loop unroll(full)
        for (int j = 0; j < 12; j++) acc[j] = _mm512_dpbf16_ps(acc[j], one, one);
        __asm__ volatile("" : "+v"(acc[0]));
    }
    __m512 s = acc[0];
    for (int i = 1; i < 12; i++) s = _mm512_add_ps(s, acc[i]);
    return _mm512_reduce_add_ps(s);
}

__attribute__((noinline, target("avx512f"))) static float fma_loop(long n) {
    __m512 acc[12];
    __m512 x = _mm512_set1_ps(0.5f), y = _mm512_set1_ps(0.25f);
    for (int i = 0; i < 12; i++) acc[i] = _mm512_setzero_ps();
    for (long i = 0; i < n; i++) {
#pragma clang loop unroll(full)
        for (int j = 0; j < 12; j++) acc[j] = _mm512_fmadd_ps(x, acc[j], y);
        __asm__ volatile("" : "+v"(acc[0]));
    }
    __m512 s = acc[0];
    for (int i = 1; i < 12; i++) s = _mm512_add_ps(s, acc[i]);
    return _mm512_reduce_add_ps(s);
}

double ck_bf16_dot_relative_speed(void) {
    if (ck_cpu_best_isa() < CK_ISA_AVX512BF16) return 0;
    const long rounds = 20000;  // 240k instructions: ~0.1 ms each at full rate
    double best_dot = 1e9, best_fma = 1e9;
    volatile float sink = 0;
    for (int rep = 0; rep < 5; rep++) {  // interleaved, best of five: a preempted run does not decide
        double t = seconds_now();
        sink += dot_loop(rounds);
        double d = seconds_now() - t;
        if (d < best_dot) best_dot = d;
        t = seconds_now();
        sink += fma_loop(rounds);
        d = seconds_now() - t;
        if (d < best_fma) best_fma = d;
    }
    (void)sink;
    // One vdpbf16ps does 32 multiply-adds, one f32 zmm FMA 16.
    return (2.0 / best_dot) / (1.0 / best_fma);
}

#else
void ck_gemm_f32z_prepacked(int m, int kc, const float *packed_a, const float *packed_b, int panel_kc, int n0,
                            int n1, float *c, int ldc, const float *bias, int accumulate) {
    ck_trap("ck_gemm_f32z_prepacked (AVX-512F)");
}
double ck_bf16_dot_relative_speed(void) { return 0; }
#endif
