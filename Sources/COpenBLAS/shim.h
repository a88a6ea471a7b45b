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
#endif
