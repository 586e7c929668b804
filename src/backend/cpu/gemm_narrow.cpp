// Matrix products with a narrow side (the output layer of a classifier:
// [128, 784] x [784, 10]), where OpenBLAS spends more time packing the wide
// operand than multiplying (bench/compare profile: half of sgemm's time). Two
// shapes, each reading the wide operand once, straight from memory:
//   NT  C[m, n] = A[m, k] . B[n, k]^T, n small: n dot products per row of A;
//   TN  C[m, n] = A[k, m]^T . B[k, n], m small: m axpys per row of B.
//
// float32 with AVX2+FMA: register-blocked kernels (simd_nt / simd_tn below),
// every operand read once per block and all the multiply-adds of a block in
// independent accumulators, so the FMA units, not one dependency chain or the
// loads and stores of C, set the pace. Other dtypes use the plain loops.
//
// Where the core has AVX-512, float32 products with no narrow side come here
// too (gemm_narrow at the end says which): OpenBLAS 0.3.21 runs its AVX2
// kernels on such a core, at half its FMA rate. One kernel, tn_block, does
// all of them: the weight gradient (TN) as is, the forward (NT) and the
// input gradient (NN) through panel_product.
#include <algorithm>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define WICK_NARROW_SIMD 1
#endif

#include "backend/cpu/kernels.h"
#include "backend/cpu/loops.h"

namespace wick::backend::cpu {
namespace {

constexpr int64_t kNarrow = 16;

// Multiply-adds per thread below which a narrow product stays on the calling
// thread. A training step's head (128 x 784 x 10: 1M, ~10 us) does: handing
// half of it to the other core costs about what it saves (docs/PERFORMANCE.md,
// "Two threads for the linear models"). Evaluation on a whole test set splits.
constexpr int64_t kNarrowGrainMacs = int64_t{1} << 22;
#if defined(__AVX512F__) && defined(__FMA__)
constexpr bool kWideKernels = true;
#else
constexpr bool kWideKernels = false;
#endif
// Vector registers: 32 with AVX-512, 16 with AVX2 alone. A block's
// accumulators, its loaded operands and a broadcast must fit, or the
// accumulators go to the stack and back on every step of k.
constexpr int kVectorRegs = kWideKernels ? 32 : 16;

#ifdef WICK_NARROW_SIMD
inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// The vector operations the kernels use, for 8 (AVX2) or 16 (AVX-512) floats.
struct Ymm {
  using T = __m256;
  static constexpr int W = 8;
  static T zero() { return _mm256_setzero_ps(); }
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static T set1(float x) { return _mm256_set1_ps(x); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static float sum(T v) { return hsum(v); }
};
#ifdef __AVX512F__
// Where the core has AVX-512, 16-float FMAs: twice the work per instruction
// (this machine runs them at full rate: 208 vs 104 GFLOP/s measured on the
// TN block below, standalone).
struct Zmm {
  using T = __m512;
  static constexpr int W = 16;
  static T zero() { return _mm512_setzero_ps(); }
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static T set1(float x) { return _mm512_set1_ps(x); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  // The same additions in the same order as GCC's _mm512_reduce_add_ps (so
  // the same bits), written out because GCC 12's version of it trips
  // -Wuninitialized inside its own header at every instantiation.
  static float sum(T v) {
    // Masked extracts with an explicit (zero) source: the unmasked forms
    // merge into _mm256_undefined_pd(), which is what GCC warns about.
    const __m512d d = _mm512_castps_pd(v);
    const __m256 lo = _mm256_castpd_ps(_mm512_mask_extractf64x4_pd(_mm256_setzero_pd(), 0xF, d, 0));
    const __m256 hi = _mm256_castpd_ps(_mm512_mask_extractf64x4_pd(_mm256_setzero_pd(), 0xF, d, 1));
    const __m256 h = _mm256_add_ps(hi, lo);
    const __m128 q = _mm_add_ps(_mm256_extractf128_ps(h, 1), _mm256_castps256_ps128(h));
    const __m128 p = _mm_add_ps(q, _mm_shuffle_ps(q, q, _MM_SHUFFLE(1, 0, 3, 2)));
    return _mm_cvtss_f32(p) + _mm_cvtss_f32(_mm_shuffle_ps(p, p, _MM_SHUFFLE(1, 1, 1, 1)));
  }
};
using Wide = Zmm;
#else
using Wide = Ymm;
#endif

// Keeps a loaded vector in a register on an AVX2 core: without this GCC 12
// folds the load into each multiply-add that uses it (a memory operand per
// FMA), so a block that uses one row of B for MR rows of A loads it MR
// times, and the loads, not the FMAs, set the pace (Zen 3: 2 of each per
// cycle). The AVX-512 blocks, measured as they are, are left alone.
template <typename T>
inline void keep_in_register(T& v) {
  if constexpr (kVectorRegs == 16) asm("" : "+x"(v));
}

// NT block: rows i..i+MR of C, columns j..j+NJ: MR x NJ dot products of
// length k, each in its own vector accumulator.
template <int MR, int NJ, typename V = Wide>
void nt_block(const float* a, int64_t lda, const float* b, int64_t ldb, int64_t k, float alpha, float beta, float* c,
              int64_t ldc) {
  typename V::T acc[MR][NJ];
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NJ; ++j) acc[r][j] = V::zero();
  int64_t p = 0;
  for (; p + V::W <= k; p += V::W) {
    typename V::T av[MR];
    for (int r = 0; r < MR; ++r) av[r] = V::load(a + r * lda + p);
    for (int j = 0; j < NJ; ++j) {
      typename V::T bv = V::load(b + j * ldb + p);
      keep_in_register(bv);
      for (int r = 0; r < MR; ++r) acc[r][j] = V::fma(av[r], bv, acc[r][j]);
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NJ; ++j) {
      float s = V::sum(acc[r][j]);
      for (int64_t q = p; q < k; ++q) s += a[r * lda + q] * b[j * ldb + q];
      float& out = c[r * ldc + j];
      out = beta == 0.0f ? alpha * s : alpha * s + beta * out;
    }
}

// A column block of NJ <= 12 outputs (the whole of a 10-class head, so that
// 2 rows give 20 independent accumulators), or blocks of 8 and a tail.
template <int MR, int... NJ>
void nt_tail(std::integer_sequence<int, NJ...>, int64_t cols, const float* a, int64_t lda, const float* b,
             int64_t ldb, int64_t k, float alpha, float beta, float* c, int64_t ldc) {
  ((cols == NJ + 1 ? nt_block<MR, NJ + 1>(a, lda, b, ldb, k, alpha, beta, c, ldc) : void()), ...);
}

// Columns per NT block with 16 registers: MR x NJ accumulators, MR rows of A
// and one of B (2 x 6, 4 x 2, 8 x 1).
template <int MR>
constexpr int kNtColsAvx2 = std::max(1, (kVectorRegs - 1 - MR) / MR);

template <int MR>
void nt_cols(const float* a, int64_t lda, const float* b, int64_t ldb, int64_t n, int64_t k, float alpha, float beta,
             float* c, int64_t ldc) {
  if constexpr (kVectorRegs == 16) {
    // AVX2: simd_nt has already split the columns into blocks that fit
    // (kNtColsAvx2<MR> at most), so a block is one nt_block.
    nt_tail<MR>(std::make_integer_sequence<int, kNtColsAvx2<MR>>{}, n, a, lda, b, ldb, k, alpha, beta, c, ldc);
    return;
  }
  constexpr int kWhole = MR >= 4 ? 4 : 12;  // MR x kWhole accumulators stay within 32 registers
  int64_t j = 0;
  if (n > kWhole)
    for (; j + 8 <= n; j += 8) nt_block<MR, 8>(a, lda, b + j * ldb, ldb, k, alpha, beta, c + j, ldc);
  if (j < n)
    nt_tail<MR>(std::make_integer_sequence<int, kWhole>{}, n - j, a, lda, b + j * ldb, ldb, k, alpha, beta, c + j,
                ldc);
}

// Rows [i0, i1) x columns [0, n) of C = alpha A B^T + beta C, B's rows from
// b: 8 or 4 rows at a time for very narrow outputs (enough accumulators to
// hide the FMA latency), else 2.
void nt_rows(const GemmArgs& g, const float* a, const float* b, float* c, int64_t n, int64_t i0, int64_t i1) {
  const float alpha = static_cast<float>(g.alpha), beta = static_cast<float>(g.beta);
  int64_t i = i0;
  // With 16 registers, 8 rows for a single column and 4 for two.
  const int64_t rows8 = kVectorRegs == 16 ? kNtColsAvx2<8> : 2, rows4 = kVectorRegs == 16 ? kNtColsAvx2<4> : 4;
  if (n <= rows8)
    for (; i + 8 <= i1; i += 8) nt_cols<8>(a + i * g.lda, g.lda, b, g.ldb, n, g.k, alpha, beta, c + i * g.ldc, g.ldc);
  if (n <= rows4)
    for (; i + 4 <= i1; i += 4) nt_cols<4>(a + i * g.lda, g.lda, b, g.ldb, n, g.k, alpha, beta, c + i * g.ldc, g.ldc);
  for (; i + 2 <= i1; i += 2) nt_cols<2>(a + i * g.lda, g.lda, b, g.ldb, n, g.k, alpha, beta, c + i * g.ldc, g.ldc);
  for (; i < i1; ++i) nt_cols<1>(a + i * g.lda, g.lda, b, g.ldb, n, g.k, alpha, beta, c + i * g.ldc, g.ldc);
}

// Rows [i0, i1) of C = alpha A B^T + beta C.
void simd_nt(const GemmArgs& g, const float* a, const float* b, float* c, int64_t i0, int64_t i1) {
  if constexpr (kVectorRegs == 16) {
    // AVX2: n in equal blocks of at most kNtColsAvx2<2> columns (10 = 5 + 5:
    // 2 x 10 blocks spilled their 20 accumulators; BM_linear_head_forward
    // 43-52 -> 31-37 us, 1 thread, interleaved), column blocks outside and
    // the rows inside, so that a block's
    // rows of B (5 x 784 floats of a 10-class head: 16 KB) stay in L1 while
    // A streams past; row pairs outside would have all of B (31 KB) and two
    // rows of A (6 KB) share the 32 KB L1 at every pair. BM_linear_head_forward,
    // 1 thread, 10 runs of each build alternating: min 30.6 -> 29.1 us,
    // median 36.8 -> 34.7 us (a small gain on a noisy host; the inner loop
    // itself, 7 loads and 10 FMAs per step, is FMA-bound either way).
    const int64_t blocks = (g.n + kNtColsAvx2<2> - 1) / kNtColsAvx2<2>;
    for (int64_t q = 0, j = 0; q < blocks; ++q) {
      const int64_t cols = (g.n - j) / (blocks - q);
      nt_rows(g, a, b + j * g.ldb, c + j, cols, i0, i1);
      j += cols;
    }
    return;
  }
  nt_rows(g, a, b, c, g.n, i0, i1);
}

// TN block: rows i..i+MI of C (columns of A), W*NC columns from j: C's block
// stays in registers while the k rows of A and B stream past once.
// kARows: A is stored [m, k] instead (C = A B, B [k, n]; see panel_product):
// the same kernel, A's scalars read along its rows.
template <int MI, int NC, typename V = Wide, bool kARows = false>
void tn_block(const float* a, int64_t lda, const float* b, int64_t ldb, int64_t k, float alpha, float beta, float* c,
              int64_t ldc) {
  typename V::T acc[MI][NC];
  for (int i = 0; i < MI; ++i)
    for (int v = 0; v < NC; ++v) acc[i][v] = V::zero();
  for (int64_t r = 0; r < k; ++r) {
    typename V::T bv[NC];
    for (int v = 0; v < NC; ++v) {
      bv[v] = V::load(b + r * ldb + V::W * v);
      keep_in_register(bv[v]);
    }
    for (int i = 0; i < MI; ++i) {
      const typename V::T av = V::set1(kARows ? a[i * lda + r] : a[r * lda + i]);
      for (int v = 0; v < NC; ++v) acc[i][v] = V::fma(av, bv[v], acc[i][v]);
    }
  }
  const typename V::T al = V::set1(alpha), be = V::set1(beta);
  for (int i = 0; i < MI; ++i)
    for (int v = 0; v < NC; ++v) {
      float* out = c + i * ldc + V::W * v;
      typename V::T x = V::mul(al, acc[i][v]);
      if (beta != 0.0f) x = V::fma(be, V::load(out), x);
      V::store(out, x);
    }
}

// Vectors of columns per block: MI x NC accumulators stay within about 24
// of the 32 vector registers (AVX-512VL), beside NC loads and a broadcast;
// with 16 (AVX2), MI x NC + NC + 1 <= 15.
template <int MI>
constexpr int kTnVectors = kVectorRegs == 16 ? std::max(1, 15 / (MI + 1))
                           : MI >= 13        ? 1
                           : MI >= 7         ? 2
                           : MI >= 5         ? 3
                           : MI >= 4         ? 4
                           : MI >= 3         ? 5
                                             : 8;

template <int MI, bool kARows = false>
void tn_rows(const float* a, int64_t lda, const float* b, int64_t ldb, int64_t k, float alpha, float beta, float* c,
             int64_t ldc, int64_t j0, int64_t j1) {
  constexpr int NC = kTnVectors<MI>, W = Wide::W;
  int64_t j = j0;
  if constexpr (kVectorRegs == 16 && MI > 6) {
    // With 16 registers, more than 6 rows of C would leave one vector of
    // columns per block: a broadcast load per multiply-add. The rows are
    // taken in two halves instead, one after the other on each column block
    // while its rows of B are in L1. The 10-class head's weight gradient
    // (BM_linear_head_weight_grad, as above): 37.5-38.8 us as 10 x 2 blocks
    // (spilled), 34.3-34.8 us as two 5 x 2.
    constexpr int M1 = (MI + 1) / 2, M2 = MI - M1, NCH = kTnVectors<M1>;
    const float* a2 = a + (kARows ? M1 * lda : M1);
    for (; j + W * NCH <= j1; j += W * NCH) {
      tn_block<M1, NCH, Wide, kARows>(a, lda, b + j, ldb, k, alpha, beta, c + j, ldc);
      tn_block<M2, NCH, Wide, kARows>(a2, lda, b + j, ldb, k, alpha, beta, c + M1 * ldc + j, ldc);
    }
    tn_rows<M1, kARows>(a, lda, b, ldb, k, alpha, beta, c, ldc, j, j1);
    tn_rows<M2, kARows>(a2, lda, b, ldb, k, alpha, beta, c + M1 * ldc, ldc, j, j1);
    return;
  }
  for (; j + W * NC <= j1; j += W * NC) tn_block<MI, NC, Wide, kARows>(a, lda, b + j, ldb, k, alpha, beta, c + j, ldc);
  for (; j + W <= j1; j += W) tn_block<MI, 1, Wide, kARows>(a, lda, b + j, ldb, k, alpha, beta, c + j, ldc);
  for (; j + 8 <= j1; j += 8) tn_block<MI, 1, Ymm, kARows>(a, lda, b + j, ldb, k, alpha, beta, c + j, ldc);
  for (; j < j1; ++j)  // the last < 8 columns
    for (int i = 0; i < MI; ++i) {
      float s = 0;
      for (int64_t r = 0; r < k; ++r) s += (kARows ? a[i * lda + r] : a[r * lda + i]) * b[r * ldb + j];
      float& out = c[i * ldc + j];
      out = beta == 0.0f ? alpha * s : alpha * s + beta * out;
    }
}

template <int... MI>
void tn_dispatch(std::integer_sequence<int, MI...>, int64_t mi, const GemmArgs& g, const float* a, const float* b,
                 float* c, int64_t j0, int64_t j1) {
  const float alpha = static_cast<float>(g.alpha), beta = static_cast<float>(g.beta);
  ((mi == MI + 1 ? tn_rows<MI + 1>(a, g.lda, b, g.ldb, g.k, alpha, beta, c, g.ldc, j0, j1) : void()), ...);
}

// Rows of the batch per pass of a wide weight gradient (below).
constexpr int64_t kTnRowChunk = 128;

// Columns [j0, j1) of C = alpha A^T B + beta C. Up to 16 rows of C in one
// block (the batch streams once); a wide C (a hidden layer's weight
// gradient, AVX-512 only) in blocks of 8 rows, over the batch 128 rows at a
// time (C += each chunk's product after the first), so the chunk of B that
// every 8-row block reads again stays in L2 however large the batch: m256
// n784 over 4096 rows 8.9-9.5 ms at 1 thread and 5.8-6.5 ms at 2, against
// OpenBLAS's 16.5 and 9.9 (which took it above 512 rows); a batch of 128 is
// one pass.
void simd_tn(const GemmArgs& g, const float* a, const float* b, float* c, int64_t j0, int64_t j1) {
  if (g.m <= kNarrow) {
    tn_dispatch(std::make_integer_sequence<int, kNarrow>{}, g.m, g, a, b, c, j0, j1);
    return;
  }
  for (int64_t r0 = 0; r0 < g.k; r0 += kTnRowChunk) {
    GemmArgs chunk = g;
    chunk.k = std::min(kTnRowChunk, g.k - r0);
    if (r0 > 0) chunk.beta = 1;
    for (int64_t i = 0; i < g.m; i += 8)
      tn_dispatch(std::make_integer_sequence<int, 8>{}, std::min<int64_t>(8, g.m - i), chunk, a + r0 * g.lda + i,
                  b + r0 * g.ldb, c + i * g.ldc, j0, j1);
  }
}

// dst[r * rows + j] = src[j * ld + r] for j < rows, r < cols: 8 x 8 tiles
// transposed in registers (unpack / shuffle / permute), the edges one by one.
void pack_transposed(const float* src, int64_t ld, int64_t rows, int64_t cols, float* dst) {
  int64_t j = 0;
  for (; j + 8 <= rows; j += 8) {
    int64_t r = 0;
    for (; r + 8 <= cols; r += 8) {
      __m256 v[8];
      for (int q = 0; q < 8; ++q) v[q] = _mm256_loadu_ps(src + (j + q) * ld + r);
      __m256 t[8];
      for (int q = 0; q < 8; q += 2) {
        t[q] = _mm256_unpacklo_ps(v[q], v[q + 1]);
        t[q + 1] = _mm256_unpackhi_ps(v[q], v[q + 1]);
      }
      __m256 u[8];
      for (int q = 0; q < 8; q += 4) {
        u[q] = _mm256_shuffle_ps(t[q], t[q + 2], _MM_SHUFFLE(1, 0, 1, 0));
        u[q + 1] = _mm256_shuffle_ps(t[q], t[q + 2], _MM_SHUFFLE(3, 2, 3, 2));
        u[q + 2] = _mm256_shuffle_ps(t[q + 1], t[q + 3], _MM_SHUFFLE(1, 0, 1, 0));
        u[q + 3] = _mm256_shuffle_ps(t[q + 1], t[q + 3], _MM_SHUFFLE(3, 2, 3, 2));
      }
      for (int q = 0; q < 4; ++q) {
        _mm256_storeu_ps(dst + (r + q) * rows + j, _mm256_permute2f128_ps(u[q], u[q + 4], 0x20));
        _mm256_storeu_ps(dst + (r + q + 4) * rows + j, _mm256_permute2f128_ps(u[q], u[q + 4], 0x31));
      }
    }
    for (; r < cols; ++r)
      for (int q = 0; q < 8; ++q) dst[r * rows + j + q] = src[(j + q) * ld + r];
  }
  for (; j < rows; ++j)
    for (int64_t r = 0; r < cols; ++r) dst[r * rows + j] = src[j * ld + r];
}

// Columns [j0, j1) of C = alpha A B + beta C, A [m, k] and B [k, n] both
// row-major: the TN kernel with A read along its rows, 8 rows of C at a time.
void rows_times(const float* a, int64_t lda, const float* b, int64_t ldb, int64_t m, int64_t k, float alpha,
                float beta, float* c, int64_t ldc, int64_t j0, int64_t j1) {
  int64_t i = 0;
  for (; i + 8 <= m; i += 8) tn_rows<8, true>(a + i * lda, lda, b, ldb, k, alpha, beta, c + i * ldc, ldc, j0, j1);
  for (; i < m; ++i) tn_rows<1, true>(a + i * lda, lda, b, ldb, k, alpha, beta, c + i * ldc, ldc, j0, j1);
}

// Columns [j0, j1) of a wide C = alpha A B^T + beta C (a hidden layer's
// forward, AVX-512 only), computed as A times B^T: a panel of B's rows is
// copied transposed ([k, 32]: one column block of the 8-row TN kernel, so it
// is used while it is in cache), then the TN kernel runs on it with A read
// along its rows. C's blocks stay whole vectors in registers: no horizontal
// sum per output, and A streams once per panel. On the MLP's 128 x 784 x 256
// forward: 255 us (200 GFLOP/s) against 345 us for the dot-product form
// (simd_nt_wide), the copy included (interleaved in one process, 1 thread).
// Below kPackMinRows rows the copy costs more than it saves. Above
// kPackRowChunk rows, A is taken 256 rows (~800 KB at k = 784) at a time, each
// chunk against every panel, so it stays in L2: a whole test set's forward
// (10000 x 784 x 256) 21-25 ms at 1 thread, 11-14 ms at 2, against
// OpenBLAS's 42 and 22; 2048^3 93-106 / 45-52 ms against 185 / 95 (OpenBLAS
// 0.3.21 runs its AVX2 kernels on this AVX-512 core).
constexpr int64_t kPackMinRows = 32;
constexpr int64_t kPackRowChunk = 256;

// Rows [i0, i1) x columns [j0, j1) of C = alpha A B + beta C, B [k, n] taken
// one 32-column panel at a time (one column block of the 8-row kernel) and A
// kPackRowChunk rows at a time, each chunk against every panel: both stay in
// cache while they are used. B is either stored transposed ([n, k]: the
// forward's weight, copied into a [k, 32] panel first) or row-major [k, n]
// (an input gradient's weight: the panel is read in place).
void panel_product(const GemmArgs& g, const float* a, const float* b, bool b_transposed, float* c, int64_t i0,
                   int64_t i1, int64_t j0, int64_t j1) {
  const float alpha = static_cast<float>(g.alpha), beta = static_cast<float>(g.beta);
  constexpr int64_t kPanel = Wide::W * kTnVectors<8>;
  // A row-major B is read in place, unless its panel has many rows or rows a
  // multiple of 4 KB apart (every row in the same cache sets): 2048^3 NN
  // 185 ms in place, 106 ms copied; 128 x 256 x 784 232 us in place, 276 us
  // copied (1 thread).
  const bool copy_rows = !b_transposed && (g.k > 512 || g.ldb % 1024 == 0);
  const bool copied = b_transposed || copy_rows;
  // With several row chunks every panel is kept (panel-major, `ncols` x k
  // floats) and copied only for the first chunk, while it is used; with one,
  // a single panel's room is enough.
  const bool keep = i1 - i0 > kPackRowChunk;
  const int64_t kept = keep ? (j1 - j0 + kPanel - 1) / kPanel * kPanel : kPanel;
  thread_local std::vector<float> copy;  // this thread's; as large as its largest k x kept
  if (copied) copy.resize(static_cast<size_t>(g.k * kept));
  for (int64_t r0 = i0; r0 < i1; r0 += kPackRowChunk) {
    const int64_t rows = std::min(kPackRowChunk, i1 - r0);
    for (int64_t jb = j0; jb < j1; jb += kPanel) {
      const int64_t pw = std::min(kPanel, j1 - jb);
      const float* panel = b + jb;
      int64_t ld = g.ldb;
      if (copied) {
        float* slot = copy.data() + (keep ? (jb - j0) * g.k : 0);
        if (r0 == i0 || !keep) {
          if (b_transposed) {
            pack_transposed(b + jb * g.ldb, g.ldb, pw, g.k, slot);
          } else {
            for (int64_t r = 0; r < g.k; ++r) std::copy(b + r * g.ldb + jb, b + r * g.ldb + jb + pw, slot + r * pw);
          }
        }
        panel = slot;
        ld = pw;
      }
      rows_times(a + r0 * g.lda, g.lda, panel, ld, rows, g.k, alpha, beta, c + r0 * g.ldc + jb, g.ldc, 0, pw);
    }
  }
}

// panel_product over the pool: threads own column ranges of C when each gets
// at least two panels (each copies only the rows of B it uses), else row
// ranges. Either way every output is computed the same way, so 1 and 2
// threads give the same bits.
void panel_product_split(const GemmArgs& g, const float* a, const float* b, bool b_transposed, float* c) {
  if (g.n >= 64 * num_threads()) {
    parallel_for(g.n, std::max<int64_t>(16, kNarrowGrainMacs / std::max<int64_t>(1, g.m * g.k)),
                 [&](int64_t j0, int64_t j1) { panel_product(g, a, b, b_transposed, c, 0, g.m, j0, j1); });
  } else {
    parallel_for(g.m, std::max<int64_t>(kPackMinRows, kNarrowGrainMacs / std::max<int64_t>(1, g.n * g.k)),
                 [&](int64_t i0, int64_t i1) { panel_product(g, a, b, b_transposed, c, i0, i1, 0, g.n); });
  }
}

// Rows [i0, i1) of a wide C = alpha A B^T + beta C with fewer than
// kPackMinRows rows (a hidden layer's forward on a few samples, AVX-512
// only): 6 columns (6 rows of B, kept in L1) at a time against every 4 rows
// of A, as dot products: 24 accumulators for 10 loads per step.
void simd_nt_wide(const GemmArgs& g, const float* a, const float* b, float* c, int64_t i0, int64_t i1) {
  const float alpha = static_cast<float>(g.alpha), beta = static_cast<float>(g.beta);
  int64_t j = 0;
  for (; j + 6 <= g.n; j += 6) {
    int64_t i = i0;
    for (; i + 4 <= i1; i += 4)
      nt_block<4, 6>(a + i * g.lda, g.lda, b + j * g.ldb, g.ldb, g.k, alpha, beta, c + i * g.ldc + j, g.ldc);
    for (; i < i1; ++i)
      nt_block<1, 6>(a + i * g.lda, g.lda, b + j * g.ldb, g.ldb, g.k, alpha, beta, c + i * g.ldc + j, g.ldc);
  }
  if (j < g.n)  // the last < 6 columns
    for (int64_t i = i0; i < i1; ++i)
      nt_cols<1>(a + i * g.lda, g.lda, b + j * g.ldb, g.ldb, g.n - j, g.k, alpha, beta, c + i * g.ldc + j, g.ldc);
}
#endif

template <typename T>
void narrow_nt(const GemmArgs& g, const T* a, const T* b, T* c) {
  const int64_t n = g.n, k = g.k;
  const T alpha = static_cast<T>(g.alpha), beta = static_cast<T>(g.beta);
#ifdef WICK_NARROW_SIMD
  if constexpr (std::is_same_v<T, float>) {
    if (n > kNarrow && g.m >= kPackMinRows) {  // wide: AVX-512 only (gemm_narrow)
      panel_product_split(g, a, b, /*b_transposed=*/true, c);
      return;
    }
  }
#endif
  parallel_for(g.m, std::max<int64_t>(1, kNarrowGrainMacs / std::max<int64_t>(1, n * k)), [&](int64_t i0, int64_t i1) {
#ifdef WICK_NARROW_SIMD
    if constexpr (std::is_same_v<T, float>) {
      g.n <= kNarrow ? simd_nt(g, a, b, c, i0, i1) : simd_nt_wide(g, a, b, c, i0, i1);
      return;
    }
#endif
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
  parallel_for(n, std::max<int64_t>(64, kNarrowGrainMacs / std::max<int64_t>(1, m * k)), [&](int64_t j0, int64_t j1) {
#ifdef WICK_NARROW_SIMD
    if constexpr (std::is_same_v<T, float>) {
      simd_tn(g, a, b, c, j0, j1);
      return;
    }
#endif
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
  // A training step's wide products (batch x features x hidden) too, where
  // the core has AVX-512: OpenBLAS 0.3.21 runs its AVX2 kernels here, at
  // half the FMA rate. The forward (NT) and the input gradient (NN) block A
  // by rows and B by panels (panel_product), so they take any number of
  // rows; the weight gradient (TN) takes the batch in chunks (simd_tn). What
  // stays with OpenBLAS: other dtypes, k > 4096 (a panel would not fit L2),
  // and a TN product with more than 4096 rows or fewer than 64 columns.
  const bool wide = kWideKernels && g.dtype == DType::Float32;
  const bool nt = !g.trans_a && g.trans_b && (g.n <= kNarrow || (wide && g.k <= 4096));
  const bool tn = g.trans_a && !g.trans_b && (g.m <= kNarrow || (wide && g.n >= 64 && g.m <= 4096));
  // An input gradient (dY[batch, out] . W[out, in]): B is already in the
  // row-major [k, n] form the forward copies its weight into, so the same
  // panels are read in place. Against OpenBLAS's AVX2 sgemm, 1 thread:
  // 128x10x256 7.8 -> 4.4 us, 128x256x784 530 -> 242 us, 16x256x784 88 -> 30 us.
#ifdef WICK_NARROW_SIMD
  if (wide && !g.trans_a && !g.trans_b && g.k <= 4096 && g.n >= 16) {
    for (int64_t bi = 0; bi < g.batch; ++bi)
      panel_product_split(g, static_cast<const float*>(g.a) + bi * g.stride_a,
                          static_cast<const float*>(g.b) + bi * g.stride_b, /*b_transposed=*/false,
                          static_cast<float*>(g.c) + bi * g.stride_c);
    return true;
  }
#endif
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
