// gemm through OpenBLAS (cblas, row-major), one call per batch entry.
//
// Threads: OpenBLAS runs single-threaded (thread_pool.cpp pins it) and a large
// product is split here into one single-threaded sgemm per pool thread, over
// C's longer side. OpenBLAS's own pthreads would spin beside the pool's
// workers and, on 2 cores, the two pools fought: the MLP took as long with 2
// threads as with 1 (docs/PERFORMANCE.md).
#include <cblas.h>

#include <algorithm>

#include "backend/cpu/kernels.h"
#include "backend/cpu/thread_pool.h"

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

// Products below this many multiply-adds stay on one thread: a split costs a
// few microseconds and packs the shared operand once per thread.
constexpr int64_t kSplitMacs = int64_t{1} << 21;

template <typename T>
void blas(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
          const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  if constexpr (sizeof(T) == 4) cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  else cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// One product, split over the pool by rows of C (A's side) or columns (B's
// side), whichever is longer; each part is an independent sgemm on a slice.
template <typename T>
void split_gemm(const GemmArgs& g, const T* a, const T* b, T* c, int64_t lda, int64_t ldb, int64_t ldc) {
  const CBLAS_TRANSPOSE ta = g.trans_a ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE tb = g.trans_b ? CblasTrans : CblasNoTrans;
  const T alpha = static_cast<T>(g.alpha), beta = static_cast<T>(g.beta);
  const int64_t side = std::max(g.m, g.n);
  int parts = 1;
  if (g.m * g.n * g.k >= kSplitMacs && !in_parallel_region())
    parts = static_cast<int>(std::min<int64_t>(num_threads(), side / 32));
  if (parts <= 1) {
    blas<T>(ta, tb, g.m, g.n, g.k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  const bool by_rows = g.m >= g.n;
  int64_t chunk = (side + parts - 1) / parts;
  chunk = (chunk + 15) & ~int64_t{15};  // whole vectors of C per part
  run_chunks(parts, [&](int p) {
    const int64_t s0 = std::min(side, p * chunk), s1 = std::min(side, s0 + chunk);
    if (s0 >= s1) return;
    if (by_rows)  // rows s0..s1 of C: A's rows (or columns when A is stored transposed)
      blas<T>(ta, tb, s1 - s0, g.n, g.k, alpha, g.trans_a ? a + s0 : a + s0 * lda, lda, b, ldb, beta, c + s0 * ldc,
              ldc);
    else  // columns s0..s1 of C: B's columns (or rows when B is stored transposed)
      blas<T>(ta, tb, g.m, s1 - s0, g.k, alpha, a, lda, g.trans_b ? b + s0 * ldb : b + s0, ldb, beta, c + s0, ldc);
  });
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
  // A batch of products each too small to split (a convolution's
  // per-sample products): the threads take whole products instead. Each
  // product is still computed by one thread, so the bits do not depend on
  // the thread count. Only for distinct outputs (not a stride-0 C).
  const int64_t macs = g.m * g.n * g.k;
  if (g.batch > 1 && macs < kSplitMacs && g.batch * macs >= kSplitMacs && num_threads() > 1 &&
      !in_parallel_region() && g.stride_c >= (g.m - 1) * std::max<int64_t>(g.ldc, g.n) + g.n) {
    const int parts = static_cast<int>(std::min<int64_t>(num_threads(), g.batch));
    const int64_t size = f32 ? 4 : 8;
    run_chunks(parts, [&](int p) {
      const int64_t b0 = g.batch * p / parts, b1 = g.batch * (p + 1) / parts;
      GemmArgs sub = g;
      sub.batch = b1 - b0;
      sub.a = static_cast<const char*>(g.a) + b0 * g.stride_a * size;
      sub.b = static_cast<const char*>(g.b) + b0 * g.stride_b * size;
      sub.c = static_cast<char*>(g.c) + b0 * g.stride_c * size;
      if (sub.batch > 0) gemm(sub);  // inside the region: each product on this thread
    });
    return;
  }
  if (gemm_narrow(g)) return;
  // Stored shapes: A is [m, k] (or [k, m] when transposed), B is [k, n] (or [n, k]).
  const int64_t lda = g.trans_a ? fix_ld(g.lda, g.k, g.m) : fix_ld(g.lda, g.m, g.k);
  const int64_t ldb = g.trans_b ? fix_ld(g.ldb, g.n, g.k) : fix_ld(g.ldb, g.k, g.n);
  const int64_t ldc = fix_ld(g.ldc, g.m, g.n);
  for (int64_t bi = 0; bi < g.batch; ++bi) {
    if (f32)
      split_gemm(g, static_cast<const float*>(g.a) + bi * g.stride_a,
                 static_cast<const float*>(g.b) + bi * g.stride_b, static_cast<float*>(g.c) + bi * g.stride_c, lda,
                 ldb, ldc);
    else
      split_gemm(g, static_cast<const double*>(g.a) + bi * g.stride_a,
                 static_cast<const double*>(g.b) + bi * g.stride_b, static_cast<double*>(g.c) + bi * g.stride_c, lda,
                 ldb, ldc);
  }
}

}  // namespace wick::backend::cpu
