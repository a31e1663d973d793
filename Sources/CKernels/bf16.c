// bf16 <-> f32 conversion and the runtime CPU check.
#include "CKernels.h"
#include <string.h>

int ck_has_avx512bf16(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
#else
    return 0;
#endif
}

static inline uint16_t to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x0040u); // quiet NaN
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

void ck_f32_to_bf16(const float *src, uint16_t *dst, size_t count) {
    for (size_t i = 0; i < count; i++) dst[i] = to_bf16(src[i]);
}

void ck_bf16_to_f32(const uint16_t *src, float *dst, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint32_t u = (uint32_t)src[i] << 16;
        memcpy(&dst[i], &u, 4);
    }
}

size_t ck_packed_a_words(int m, int kpairs) {
    size_t panels = (size_t)((m + CK_MR - 1) / CK_MR);
    return panels * CK_MR * (size_t)kpairs;
}

void ck_pack_a(const float *a, int lda, int m0, int m1, int k0, int kpairs, int k_end, uint32_t *packed) {
    int p0 = m0 / CK_MR, p1 = (m1 + CK_MR - 1) / CK_MR;
    for (int p = p0; p < p1; p++) {
        uint32_t *dst = packed + (size_t)p * CK_MR * kpairs;
        for (int r = 0; r < CK_MR; r++) {
            int row = p * CK_MR + r;
            if (row >= m1) {
                for (int kp = 0; kp < kpairs; kp++) dst[(size_t)kp * CK_MR + r] = 0;
                continue;
            }
            const float *src = a + (size_t)row * lda;
            int full = (k_end - k0) / 2; // pairs with both halves present
            if (full > kpairs) full = kpairs;
            for (int kp = 0; kp < full; kp++) {
                int k = k0 + 2 * kp;
                dst[(size_t)kp * CK_MR + r] = (uint32_t)to_bf16(src[k]) | ((uint32_t)to_bf16(src[k + 1]) << 16);
            }
            for (int kp = full; kp < kpairs; kp++) {
                int k = k0 + 2 * kp;
                uint32_t lo = k < k_end ? to_bf16(src[k]) : 0;
                uint32_t hi = k + 1 < k_end ? to_bf16(src[k + 1]) : 0;
                dst[(size_t)kp * CK_MR + r] = lo | (hi << 16);
            }
        }
    }
}
