// The whole C boundary of AEGrid: OpenBLAS's CBLAS (cblas_sgemm, openblas_set_num_threads) and LAPACKE
// (ssyevd / dsyevd for the PCA baseline). Only the LinearAlgebra module imports this, with `internal import`.
#ifndef AEGRID_COPENBLAS_SHIM_H
#define AEGRID_COPENBLAS_SHIM_H
#include <cblas.h>
#include <lapacke.h>

// OpenBLAS's threaded builds have `blas_thread_shutdown_`, which stops its idle worker threads (the next threaded call
// starts them again); a serial build has none. Declared weak, so any variant links and the call is skipped where the
// function is missing. Not `dlsym`: OpenBLAS is linked statically, and its symbols are not in the dynamic table.
extern int blas_thread_shutdown_(void) __attribute__((weak));

static inline int aegrid_blas_thread_shutdown(void) {
    return blas_thread_shutdown_ ? blas_thread_shutdown_() : -1;
}

// OpenBLAS's kernel choice (DYNAMIC_ARCH builds, as Debian's). OpenBLAS picks its kernels by CPU model when it loads,
// and falls back by the CPU's features for a model it does not know. But in 0.3.21 (Debian 12) an Intel family-6 CPU
// of an extended model it does not know (11 and up: Raptor Lake, Emerald Rapids, Arrow Lake, ...) falls through its
// model switch into the Pentium 4 case and gets Prescott's SSE3 kernels: Emerald Rapids (model 207) runs them at a
// quarter of the speed of its AVX-512 kernels. `aegrid_openblas_core_for_features` names the core OpenBLAS's own
// feature fallback picks, and `aegrid_openblas_use_core` re-runs OpenBLAS's selection with that name (its
// `OPENBLAS_CORETYPE` path).
// `gotoblas_dynamic_init` / `_quit` are OpenBLAS's own (not in its headers; weak, so a build without them links and
// the switch is skipped).
extern void gotoblas_dynamic_init(void) __attribute__((weak));
extern void gotoblas_dynamic_quit(void) __attribute__((weak));

#if defined(__x86_64__)
#include <cpuid.h>
#include <stdlib.h>

/// The OpenBLAS core a CPU with these features runs best (the order of OpenBLAS's own feature fallback: bf16 AVX-512,
/// AVX-512, AVX2), or NULL for a CPU without AVX2 and FMA. Each feature counts only when the operating system
/// saves its registers (XCR0), as OpenBLAS's own checks.
static inline const char *aegrid_openblas_core_for_features(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return NULL;
    const int osxsave = (ecx >> 27) & 1, avx = (ecx >> 28) & 1, fma = (ecx >> 12) & 1;
    if (!osxsave || !avx) return NULL;
    unsigned int xcr0_lo, xcr0_hi;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    if ((xcr0_lo & 0x6) != 0x6) return NULL;  // XMM and YMM state
    if (__get_cpuid_max(0, NULL) < 7) return NULL;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    const unsigned int leaf7_max = eax;
    const int avx2 = (ebx >> 5) & 1;
    // AVX-512 F, DQ, CD, BW and VL (Skylake-X's set, which OpenBLAS's SkylakeX kernels use), and opmask, ZMM_Hi256
    // and Hi16_ZMM state.
    const unsigned int avx512_bits = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);
    const int avx512 = (ebx & avx512_bits) == avx512_bits && (xcr0_lo & 0xe0) == 0xe0;
    int bf16 = 0;
    if (avx512 && leaf7_max >= 1) {
        __cpuid_count(7, 1, eax, ebx, ecx, edx);
        bf16 = (eax >> 5) & 1;
    }
    if (!avx2 || !fma) return NULL;
    if (bf16) return "Cooperlake";
    if (avx512) return "SkylakeX";
    return "Haswell";
}
#else
static inline const char *aegrid_openblas_core_for_features(void) { return NULL; }
#endif

/// Makes OpenBLAS run `core`'s kernels (a name OpenBLAS knows, e.g. "Cooperlake") by re-running its selection with
/// `OPENBLAS_CORETYPE` set for the moment. Only before any BLAS call is in flight, with no other thread reading the
/// environment. Returns 0, or -1 when this OpenBLAS cannot switch (no DYNAMIC_ARCH) or `OPENBLAS_CORETYPE` is set.
static inline int aegrid_openblas_use_core(const char *core) {
    if (!gotoblas_dynamic_init || !gotoblas_dynamic_quit || getenv("OPENBLAS_CORETYPE") != NULL) return -1;
    if (setenv("OPENBLAS_CORETYPE", core, 1) != 0) return -1;
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    unsetenv("OPENBLAS_CORETYPE");
    return 0;
}
#endif
