// CKernels — hot loops that Swift cannot compile to the instructions they need (AVX-512 BF16, AVX2+FMA,
// F16C). The Swift side probes the CPU once (ck_cpu_best_isa, through KernelISA) and calls only the
// kernels of the chosen ISA; an ISA-specific kernel reached on a build without it traps (ck_trap).
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdint.h>

// ---- the CPU probe ----

/// Kernel ISAs, in the order of preference (values match Swift's KernelISA).
#define CK_ISA_PORTABLE 0
#define CK_ISA_AVX2 1      /* AVX2 + FMA + F16C */
#define CK_ISA_AVX512BF16 2 /* AVX-512 F/BW/VL + AVX512_BF16 + AVX512_VNNI (and everything AVX2 has) */

/// The best kernel ISA this CPU runs.
int ck_cpu_best_isa(void);
/// The CPU's spin-wait hint (pause / yield), for the kernel threads' busy wait.
void ck_spin_pause(void);
/// Prints which kernel was reached where it cannot run, and aborts.
void ck_trap(const char *what) __attribute__((noreturn));

/// Weight element codes for the kernels that take several.
#define CK_ELEM_F32 0
#define CK_ELEM_BF16 1
#define CK_ELEM_F16 2
#define CK_ELEM_Q8 3 /* Q8_0: int8 blocks of CK_Q8_BLOCK with one f16 scale each */

// ---- conversions ----

/// f32 → bf16 (round to nearest even, NaN kept quiet), `count` values.
void ck_f32_to_bf16(const float *src, uint16_t *dst, size_t count);
/// bf16 → f32, `count` values.
void ck_bf16_to_f32(const uint16_t *src, float *dst, size_t count);
/// IEEE half → f32 (subnormals, Inf and NaN exact), `count` values; F16C unless isa is CK_ISA_PORTABLE.
void ck_f16_to_f32(int isa, const uint16_t *src, float *dst, size_t count);
/// One IEEE half → f32, in software.
float ck_f16_to_f32_scalar(uint16_t h);
/// One f32 → IEEE half (nearest even; overflow to Inf, NaN kept), in software.
uint16_t ck_f32_to_f16_scalar(float f);

// ---- Q8_0: blocks of 32 int8 values with one scale (value = q·d, d = max|x|/127) ----
// A row of k values: ⌈k/32⌉·32 bytes of q (zero-padded) and ⌈k/32⌉ scales. A block holding NaN or ±Inf
// gets a NaN scale.

#define CK_Q8_BLOCK 32

/// Quantizes k f32 values (one activation row) to q (⌈k/32⌉·32 bytes) and f32 scales d (⌈k/32⌉).
void ck_q8_quantize_row(const float *x, int k, int8_t *q, float *d);
/// As ck_q8_quantize_row with the scales stored as f16 (weights).
void ck_q8_quantize_row_f16(const float *x, int k, int8_t *q, uint16_t *d);
/// k values of one Q8_0 row (f16 scales) as f32.
void ck_q8_dequantize_row(const int8_t *q, const uint16_t *d, int k, float *out);
/// y[n] = x·W[n] (+ bias[n]) for n in [n0, n1): x quantized (xq, f32 scales xd), W Q8_0 rows (row stride
/// ⌈k/32⌉·32 bytes, scales wd with row stride ⌈k/32⌉). AVX-512 VNNI on CK_ISA_AVX512BF16, AVX2
/// vpmaddubsw on CK_ISA_AVX2, plain C on CK_ISA_PORTABLE.
void ck_gemv_q8(int isa, const int8_t *xq, const float *xd, int k, const int8_t *w, const uint16_t *wd, int n0, int n1,
                float *y, const float *bias);

// ---- AVX-512 BF16 GEMM (vdpbf16ps): C = bf16(A)·B'ᵀ ----

/// Rows of A per packed A panel, columns of B per packed B panel (the micro-kernel's tile).
#define CK_MR 12
#define CK_NR 32
/// Largest k-pair chunk the packers take on their fast path.
#define CK_KC_MAX_PAIRS 512

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
/// As ck_pack_b for f16 B, each value rounded to bf16 (nearest even) while packing.
void ck_pack_b_f16(const uint16_t *b, int ldb, int n1, int k0, int kpairs, int k_end, uint32_t *packed);
/// As ck_pack_b for Q8_0 B (q rows of ldq bytes, f16 scales d with row stride ldq/32), each value q·d rounded
/// to bf16 while packing; k0 a multiple of 32.
void ck_pack_b_q8(const int8_t *q, const uint16_t *d, int ldq, int n1, int k0, int kpairs, int k_end, uint32_t *packed);

/// C[m, n] (=|+=) sum_k A[m, k] * B[n, k] (+ bias[n] when storing) for all m < M and n in [n0, n1), over
/// the k-pairs packed in `packed_a` (ck_pack_a) and `packed_b` (ck_pack_b). `accumulate` = 0: C = result
/// (+ bias); 1: C += result. n0 must be a multiple of CK_NR.
/// `panel_pairs`: the kpairs B was packed with (≥ kpairs; only the first kpairs of each panel are used).
void ck_gemm_bf16_prepacked(int m, int kpairs, const uint32_t *packed_a, const uint32_t *packed_b, int panel_pairs,
                            int n0, int n1, float *c, int ldc, const float *bias, int accumulate);

// ---- AVX-512 GEMV: y[n] = sum_k x[k] * W[n, k] (+ bias[n]) for n in [n0, n1), W row-major [N][ldw] ----

/// x given as bf16 (length k), W bf16 (vdpbf16ps).
void ck_gemv_bf16(const uint16_t *x, int k, const uint16_t *w, int ldw, int n0, int n1, float *y, const float *bias);
/// x f32, W f16 widened in registers (vcvtph2ps), f32 FMA.
void ck_gemv_f16_avx512(const float *x, int k, const uint16_t *w, int ldw, int n0, int n1, float *y,
                        const float *bias);

// ---- AVX2 + FMA f32 GEMM: C = A·B'ᵀ, B widened to f32 while packing ----

#define CK_F32_MR 6
#define CK_F32_NR 16

/// Floats needed for `m` rows (whole CK_F32_MR panels) of `kc` k values.
size_t ck_f32_packed_a_floats(int m, int kc);
/// Packs rows [m0, m1) of f32 A (stride lda), k in [k0, k0 + kc) clipped at k_end, panel p at p·MR·kc
/// (m0 a multiple of CK_F32_MR); missing rows/columns are zero. AVX2 transposes (portable C off x86).
void ck_f32_pack_a(const float *a, int lda, int m0, int m1, int k0, int kc, int k_end, float *packed);
/// Floats needed for `n` columns (whole CK_F32_NR panels) of `kc` k values.
size_t ck_f32_packed_b_floats(int n, int kc);
/// Packs B rows [0, n1) (element `elem`, row-major [N][ldb]) for k in [k0, k0 + kc) (clipped at k_end)
/// into CK_F32_NR-row panels of f32, panel p at p·NR·kc; missing rows/columns are zero.
void ck_f32_pack_b(int elem, const void *b, int ldb, int n1, int k0, int kc, int k_end, float *packed);
/// As ck_f32_pack_b for Q8_0 B (q rows of ldq bytes, f16 scales d with row stride ldq/32), values q·d; k0 a
/// multiple of 32.
void ck_f32_pack_b_q8(const int8_t *q, const uint16_t *d, int ldq, int n1, int k0, int kc, int k_end, float *packed);
/// As ck_gemm_bf16_prepacked, for the f32 panels (`panel_kc`: the kc B was packed with, ≥ kc).
void ck_gemm_f32_prepacked(int m, int kc, const float *packed_a, const float *packed_b, int panel_kc, int n0,
                           int n1, float *c, int ldc, const float *bias, int accumulate);

// ---- AVX-512F f32 GEMM: the same contract with a 12×32 tile (24 zmm accumulators) ----
// On CPUs where vdpbf16ps issues once per two cycles (Intel Sapphire/Emerald Rapids) f32 zmm FMAs do twice
// its work per cycle, so this kernel also takes bf16/f16 weights (widened while packing).

#define CK_F32Z_MR 12
#define CK_F32Z_NR 32

/// As ck_f32_packed_a_floats / ck_f32_pack_a for CK_F32Z_MR-row panels.
size_t ck_f32z_packed_a_floats(int m, int kc);
void ck_f32z_pack_a(const float *a, int lda, int m0, int m1, int k0, int kc, int k_end, float *packed);
/// As ck_f32_packed_b_floats / ck_f32_pack_b / ck_f32_pack_b_q8 for CK_F32Z_NR-column panels.
size_t ck_f32z_packed_b_floats(int n, int kc);
void ck_f32z_pack_b(int elem, const void *b, int ldb, int n1, int k0, int kc, int k_end, float *packed);
void ck_f32z_pack_b_q8(const int8_t *q, const uint16_t *d, int ldq, int n1, int k0, int kc, int k_end, float *packed);
/// As ck_gemm_f32_prepacked for the CK_F32Z tile (AVX-512F).
void ck_gemm_f32z_prepacked(int m, int kc, const float *packed_a, const float *packed_b, int panel_kc, int n0,
                            int n1, float *c, int ldc, const float *bias, int accumulate);
/// Work per second of vdpbf16ps over f32 zmm FMAs on this core (one short timed loop of each, ~1 ms;
/// 2 where vdpbf16ps runs at full rate), 0 without AVX-512 BF16.
double ck_bf16_dot_relative_speed(void);

/// AVX2 GEMV: x f32, W of element `elem` widened in registers.
void ck_gemv_avx2(int elem, const float *x, int k, const void *w, int ldw, int n0, int n1, float *y,
                  const float *bias);

/// Sum of `n` floats, each read once (x 32-byte aligned for the vector path): a streaming read.
/// `pattern` 0: four 4 KB rows interleaved, the next four prefetched; 1: four streams a quarter apart.
float ck_stream_read(int isa, int pattern, const float *x, size_t n);

/// out[0, width) = sum_j p[j]·v[j·ldv + ·] for j < n (one decode query's P·V); AVX2 on both vector ISAs.
void ck_weighted_rows(int isa, const float *p, int n, const float *v, int ldv, int width, float *out);

// ---- element-wise, per ISA (CK_ISA_*) ----

/// Each of `rows` rows (stride ld) of length n: x ← softmax(x). Rows of all −inf become 0; a NaN
/// makes its row NaN.
void ck_softmax_rows(int isa, float *x, int rows, int n, int ld);
/// As ck_softmax_rows on scale·x (the product rounded to f32 first, as `(q·k)·scale` then softmax).
void ck_softmax_rows_scaled(int isa, float *x, int rows, int n, int ld, float scale);
/// One key tile of flash-style attention over `rows` rows (stride ld) of n scores, with running row
/// maxima m and sums l: x ← exp(scale·x − m'), m' = max(m, max scale·x), alpha = exp(m − m') (the factor
/// earlier tiles' sums and outputs are rescaled by), l ← l·alpha + Σ x. Start with m = −inf, l = 0.
void ck_online_softmax_tile(int isa, float *x, int rows, int n, int ld, float scale, float *m, float *l, float *alpha);
/// x ← x·sigmoid(1.702·x) (QuickGELU), count values.
void ck_quick_gelu(int isa, float *x, size_t count);
/// gate ← silu(gate) ⊙ up (SwiGLU), count values.
void ck_silu_mul(int isa, float *gate, const float *up, size_t count);
/// x ← SiLU(x), count values.
void ck_silu(int isa, float *x, size_t count);
/// Per row of width n: out = weight ⊙ (x / sqrt(mean(x²) + eps)) (RMSNorm).
void ck_rms_norm(int isa, const float *x, int rows, int n, const float *weight, float eps, float *out);
/// Per row of width n: out = (x − mean)/sqrt(var + eps)·weight + bias (biased variance; bias may be NULL).
void ck_layer_norm(int isa, const float *x, int rows, int n, const float *weight, const float *bias, float eps,
                   float *out);

#endif
