// One C module for GSL, LAPACKE and OpenBLAS.
//
// GSL's matrix headers include <gsl/gsl_cblas.h>, which declares the same
// CBLAS enums and functions as OpenBLAS's <cblas.h>, so the two headers
// cannot be imported side by side. CBLAS is therefore declared once, by
// GSL's header, and the module links libopenblas instead of libgslcblas:
// every cblas_* call, from Swift and from inside libgsl, runs OpenBLAS.
// The declarations agree in ABI (same enum values, 32-bit int sizes,
// matching OpenBLAS's default non-ILP64 build).
#ifndef CGSL_SHIM_H
#define CGSL_SHIM_H

#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_gegenbauer.h>
#include <gsl/gsl_sf_legendre.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

#include <gsl/gsl_cblas.h>
#include <lapacke.h>

/// Sets the number of OpenBLAS threads; wraps the OpenBLAS extension so
/// Swift does not depend on which OpenBLAS build declares it.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

static inline void cgsl_set_blas_threads(int count) {
    openblas_set_num_threads(count);
}

/// Raises glibc's mmap threshold to its 32 MiB maximum on 64-bit systems
/// and the trim threshold to 1 GiB, so freed large blocks stay in the heap
/// for reuse. Returns 1 when glibc accepted both, 0 otherwise (and on C
/// libraries without mallopt).
#if defined(__GLIBC__)
#include <malloc.h>
static inline int cgsl_reuse_large_allocations(void) {
    int mapped = mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    int trimmed = mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
    return mapped == 1 && trimmed == 1;
}
#else
static inline int cgsl_reuse_large_allocations(void) { return 0; }
#endif

#endif
