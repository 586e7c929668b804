// Matrix products with a narrow side (the output layer of a classifier:
// [128, 784] x [784, 10]), where OpenBLAS spends more time packing the wide
// operand than multiplying (bench/compare profile: half of sgemm's time). Two
// shapes, each reading the wide operand once, straight from memory:
//   NT  C[m, n] = A[m, k] . B[n, k]^T, n small: n dot products per row of A;
//   TN  C[m, n] = A[k, m]^T . B[k, n], m small: m axpys per row of B.
#include <algorithm>

#include "backend/cpu/kernels.h"
#include "backend/cpu/loops.h"

namespace wick::backend::cpu {
namespace {

constexpr int64_t kNarrow = 16;

template <typename T>
void narrow_nt(const GemmArgs& g, const T* a, const T* b, T* c) {
  const int64_t n = g.n, k = g.k;
  const T alpha = static_cast<T>(g.alpha), beta = static_cast<T>(g.beta);
  parallel_for(g.m, std::max<int64_t>(1, (1 << 17) / std::max<int64_t>(1, n * k)), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const T* ar = a + i * g.lda;
      T* cr = c + i * g.ldc;
      for (int64_t j = 0; j < n; ++j) {
        const T* br = b + j * g.ldb;
        T s = 0;
#pragma omp simd reduction(+ : s)
        for (int64_t p = 0; p < k; ++p) s += ar[p] * br[p];
        cr[j] = beta == T(0) ? alpha * s : alpha * s + beta * cr[j];
      }
    }
  });
}

template <typename T>
void narrow_tn(const GemmArgs& g, const T* a, const T* b, T* c) {
  const int64_t m = g.m, n = g.n, k = g.k;
  const T alpha = static_cast<T>(g.alpha), beta = static_cast<T>(g.beta);
  // Threads own disjoint column ranges of C, so no two write the same value.
  parallel_for(n, std::max<int64_t>(64, (1 << 17) / std::max<int64_t>(1, m * k)), [&](int64_t j0, int64_t j1) {
    for (int64_t i = 0; i < m; ++i) {
      T* cr = c + i * g.ldc;
      if (beta == T(0)) std::fill(cr + j0, cr + j1, T(0));
      else if (beta != T(1))
        for (int64_t j = j0; j < j1; ++j) cr[j] *= beta;
    }
    for (int64_t r = 0; r < k; ++r) {
      const T* br = b + r * g.ldb;
      const T* ar = a + r * g.lda;
      for (int64_t i = 0; i < m; ++i) {
        const T w = alpha * ar[i];
        T* cr = c + i * g.ldc;
        for (int64_t j = j0; j < j1; ++j) cr[j] += w * br[j];
      }
    }
  });
}

}  // namespace

bool gemm_narrow(const GemmArgs& g) {
  const bool nt = !g.trans_a && g.trans_b && g.n <= kNarrow;
  const bool tn = g.trans_a && !g.trans_b && g.m <= kNarrow;
  if (!(nt || tn) || g.k < kNarrow) return false;
  for (int64_t bi = 0; bi < g.batch; ++bi) {
    if (g.dtype == DType::Float32) {
      auto a = static_cast<const float*>(g.a) + bi * g.stride_a;
      auto b = static_cast<const float*>(g.b) + bi * g.stride_b;
      auto c = static_cast<float*>(g.c) + bi * g.stride_c;
      nt ? narrow_nt(g, a, b, c) : narrow_tn(g, a, b, c);
    } else {
      auto a = static_cast<const double*>(g.a) + bi * g.stride_a;
      auto b = static_cast<const double*>(g.b) + bi * g.stride_b;
      auto c = static_cast<double*>(g.c) + bi * g.stride_c;
      nt ? narrow_nt(g, a, b, c) : narrow_tn(g, a, b, c);
    }
  }
  return true;
}

}  // namespace wick::backend::cpu
