// gemm through OpenBLAS (cblas, row-major), one call per batch entry.
#include <cblas.h>

#include <algorithm>

#include "backend/cpu/kernels.h"

namespace wick::backend::cpu {
namespace {

// C = beta * C without BLAS: used when k == 0 or alpha == 0, where BLAS
// implementations differ on whether they touch C at all. beta == 0 writes
// zeros (not 0 * C, which would keep NaNs from uninitialized memory).
template <typename T>
void scale_c(T* c, int64_t m, int64_t n, int64_t ldc, double beta) {
  for (int64_t i = 0; i < m; ++i) {
    T* row = c + i * ldc;
    if (beta == 0) std::fill(row, row + n, T(0));
    else if (beta != 1)
      for (int64_t j = 0; j < n; ++j) row[j] = static_cast<T>(row[j] * beta);
  }
}

// BLAS rejects ld < number of stored columns even when the matrix has one
// row and ld is never used; core may pass such strides for size-1 dims.
int64_t fix_ld(int64_t ld, int64_t rows, int64_t cols) {
  return rows <= 1 ? std::max<int64_t>({ld, cols, 1}) : std::max<int64_t>(ld, 1);
}

}  // namespace

void gemm(const GemmArgs& g) {
  if (g.m == 0 || g.n == 0 || g.batch == 0) return;
  const bool f32 = g.dtype == DType::Float32;
  if (g.k == 0 || g.alpha == 0) {
    for (int64_t b = 0; b < g.batch; ++b) {
      if (f32) scale_c(static_cast<float*>(g.c) + b * g.stride_c, g.m, g.n, g.ldc, g.beta);
      else scale_c(static_cast<double*>(g.c) + b * g.stride_c, g.m, g.n, g.ldc, g.beta);
    }
    return;
  }
  if (gemm_narrow(g)) return;
  // Stored shapes: A is [m, k] (or [k, m] when transposed), B is [k, n] (or [n, k]).
  const int64_t lda = g.trans_a ? fix_ld(g.lda, g.k, g.m) : fix_ld(g.lda, g.m, g.k);
  const int64_t ldb = g.trans_b ? fix_ld(g.ldb, g.n, g.k) : fix_ld(g.ldb, g.k, g.n);
  const int64_t ldc = fix_ld(g.ldc, g.m, g.n);
  const CBLAS_TRANSPOSE ta = g.trans_a ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE tb = g.trans_b ? CblasTrans : CblasNoTrans;
  for (int64_t b = 0; b < g.batch; ++b) {
    if (f32) {
      cblas_sgemm(CblasRowMajor, ta, tb, g.m, g.n, g.k, static_cast<float>(g.alpha),
                  static_cast<const float*>(g.a) + b * g.stride_a, lda,
                  static_cast<const float*>(g.b) + b * g.stride_b, ldb, static_cast<float>(g.beta),
                  static_cast<float*>(g.c) + b * g.stride_c, ldc);
    } else {
      cblas_dgemm(CblasRowMajor, ta, tb, g.m, g.n, g.k, g.alpha, static_cast<const double*>(g.a) + b * g.stride_a,
                  lda, static_cast<const double*>(g.b) + b * g.stride_b, ldb, g.beta,
                  static_cast<double*>(g.c) + b * g.stride_c, ldc);
    }
  }
}

}  // namespace wick::backend::cpu
