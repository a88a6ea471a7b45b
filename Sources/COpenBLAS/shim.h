// The whole C boundary of AEGrid: OpenBLAS's CBLAS (cblas_sgemm, openblas_set_num_threads) and LAPACKE
// (ssyevd / dsyevd for the PCA baseline). Only the LinearAlgebra module imports this, with `internal import`.
#ifndef AEGRID_COPENBLAS_SHIM_H
#define AEGRID_COPENBLAS_SHIM_H
#include <cblas.h>
#include <lapacke.h>
#endif
