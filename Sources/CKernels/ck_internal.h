// Helpers shared by the kernel files (not part of the module's API).
#ifndef CK_INTERNAL_H
#define CK_INTERNAL_H
#include <stdint.h>
#include <string.h>

/// f32 → bf16, round to nearest even, NaN kept quiet.
static inline uint16_t ck_to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x0040u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

static inline float ck_bf16_value(uint16_t b) {
    uint32_t u = (uint32_t)b << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/// The four rows a decode GEMV step takes from the run [n0, n0 + 4·quarter): row t of each quarter, so
/// that the four are independent sequential streams (more lines in flight than one stream or four
/// adjacent rows; avx2_gemv.c and gemv_avx512.c give the figures).
static inline void ck_quarter_rows(int rows[4], int n0, int quarter, int t) {
    for (int j = 0; j < 4; j++) rows[j] = n0 + j * quarter + t;
}
#endif
