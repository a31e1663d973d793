// bf16 / f16 <-> f32 conversion of whole runs (checkpoint rows, embedding lookups, activations).
#include "CKernels.h"
#include "ck_internal.h"

// Branch-free enough for clang to vectorise at -O3 on any target.
void ck_f32_to_bf16(const float *src, uint16_t *dst, size_t count) {
    for (size_t i = 0; i < count; i++) dst[i] = ck_to_bf16(src[i]);
}

void ck_bf16_to_f32(const uint16_t *src, float *dst, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint32_t u = (uint32_t)src[i] << 16;
        memcpy(&dst[i], &u, 4);
    }
}

float ck_f16_to_f32_scalar(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu, u;
    if (exp == 0) {
        if (mant == 0) {
            u = sign;
        } else {  // subnormal: normalise
            int e = -1;
            do { mant <<= 1; e++; } while (!(mant & 0x400u));
            u = sign | (uint32_t)(127 - 15 - e) << 23 | (mant & 0x3ffu) << 13;
        }
    } else if (exp == 31) {
        u = sign | 0x7f800000u | mant << 13;  // Inf, NaN (payload kept)
    } else {
        u = sign | (exp - 15 + 127) << 23 | mant << 13;
    }
    float f;
    memcpy(&f, &u, 4);
    return f;
}

#if defined(__x86_64__)
#include <immintrin.h>
__attribute__((target("avx2,fma,f16c")))
static void f16_to_f32_f16c(const uint16_t *src, float *dst, size_t count) {
    size_t i = 0;
    for (; i + 32 <= count; i += 32) {
        _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
        _mm256_storeu_ps(dst + i + 8, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i + 8))));
        _mm256_storeu_ps(dst + i + 16, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i + 16))));
        _mm256_storeu_ps(dst + i + 24, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i + 24))));
    }
    for (; i + 8 <= count; i += 8)
        _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    if (i < count) {
        uint16_t tmp[8] = {0};
        memcpy(tmp, src + i, (count - i) * 2);
        float out[8];
        _mm256_storeu_ps(out, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)tmp)));
        memcpy(dst + i, out, (count - i) * 4);
    }
}
#endif

void ck_f16_to_f32(int isa, const uint16_t *src, float *dst, size_t count) {
    if (isa != CK_ISA_PORTABLE) {
#if defined(__x86_64__)
        f16_to_f32_f16c(src, dst, count);
        return;
#else
        ck_trap("ck_f16_to_f32 (F16C)");
#endif
    }
    for (size_t i = 0; i < count; i++) dst[i] = ck_f16_to_f32_scalar(src[i]);
}
