// The one CPU-feature probe, the spin-wait hint the kernel threads wait with, and the trap that every
// ISA-specific entry point compiled for a CPU family it cannot run on calls instead of doing nothing.
#include "CKernels.h"
#include <stdio.h>
#include <stdlib.h>

int ck_cpu_best_isa(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16") &&
        __builtin_cpu_supports("avx512vnni"))
        return CK_ISA_AVX512BF16;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
        return CK_ISA_AVX2;
#endif
    return CK_ISA_PORTABLE;
}

void ck_spin_pause(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

void ck_trap(const char *what) {
    fprintf(stderr, "scrawl: kernel %s called on a build or CPU without it (a kernel-ISA dispatch bug)\n", what);
    fflush(stderr);
    abort();
}
