// CKernels — hot loops that Swift cannot compile to the instructions they need (AVX-512 BF16).
// Every AVX-512 function has a portable caller-side fallback: ask ck_has_avx512bf16() first.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// 1 when the CPU executes AVX-512F/BW/VL and AVX512_BF16 (vdpbf16ps); 0 otherwise.
int ck_has_avx512bf16(void);

/// Rows of A per packed A panel, columns of B per packed B panel (the micro-kernel's tile).
#define CK_MR 12
#define CK_NR 32
/// Largest k-pair chunk the packers take on their fast path.
#define CK_KC_MAX_PAIRS 512

/// f32 → bf16 (round to nearest even, NaN kept quiet), `count` values.
void ck_f32_to_bf16(const float *src, uint16_t *dst, size_t count);
/// bf16 → f32, `count` values.
void ck_bf16_to_f32(const uint16_t *src, float *dst, size_t count);

/// Size in uint32 words of the packed A buffer for `m` rows and `kpairs` k-pairs.
size_t ck_packed_a_words(int m, int kpairs);

/// Packs rows [m0, m1) of f32 A (row stride lda) for k in [k0, k0 + 2*kpairs) (clipped at k_end)
/// into bf16 pairs, panel-interleaved (CK_MR rows per panel; m0 must be a multiple of CK_MR).
/// Missing rows/columns are zero.
void ck_pack_a(const float *a, int lda, int m0, int m1, int k0, int kpairs, int k_end, uint32_t *packed);

/// Words needed by ck_pack_b for columns [0, n) and `kpairs` pairs (whole CK_NR panels).
size_t ck_packed_b_words(int n, int kpairs);

/// Packs B rows [0, n1) (bf16 row-major [N][ldb]) for k in [k0, k0 + 2*kpairs) (clipped at k_end) into
/// CK_NR-row panels, panel p at p * CK_NR * kpairs; missing rows/columns are zero.
void ck_pack_b(const uint16_t *b, int ldb, int n1, int k0, int kpairs, int k_end, uint32_t *packed);

/// C[m, n] (=|+=) sum_k A[m, k] * B[n, k] (+ bias[n] when storing) for all m < M and n in [n0, n1), over
/// the k-pairs packed in `packed_a` (ck_pack_a) and `packed_b` (ck_pack_b). `accumulate` = 0: C = result
/// (+ bias); 1: C += result. n0 must be a multiple of CK_NR.
/// `panel_pairs`: the kpairs B was packed with (≥ kpairs; only the first kpairs of each panel are used).
void ck_gemm_bf16_prepacked(int m, int kpairs, const uint32_t *packed_a, const uint32_t *packed_b, int panel_pairs,
                            int n0, int n1, float *c, int ldc, const float *bias, int accumulate);

/// y[n] = sum_k x[k] * W[n, k] (+ bias[n]) for n in [n0, n1); x given as bf16 (length k),
/// W bf16 row-major [N][ldw].
void ck_gemv_bf16(const uint16_t *x, int k, const uint16_t *w, int ldw, int n0, int n1,
                  float *y, const float *bias);

#endif

// ---- element-wise (AVX-512F when present, scalar otherwise) ----

/// Each of `rows` rows (stride ld) of length n: x ← softmax(x). Rows of all −inf become 0.
void ck_softmax_rows(float *x, int rows, int n, int ld);
/// As ck_softmax_rows on scale·x (the product rounded to f32 first, as `(q·k)·scale` then softmax).
void ck_softmax_rows_scaled(float *x, int rows, int n, int ld, float scale);
/// x ← x·sigmoid(1.702·x) (QuickGELU), count values.
void ck_quick_gelu(float *x, size_t count);
/// gate ← silu(gate) ⊙ up (SwiGLU), count values.
void ck_silu_mul(float *gate, const float *up, size_t count);
/// x ← SiLU(x), count values.
void ck_silu(float *x, size_t count);
