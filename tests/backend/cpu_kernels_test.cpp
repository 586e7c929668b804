// Kernel-level tests of the CPU backend, part 2: reductions, softmax, gemm,
// indexing and random. References are plain loops written here.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "backend/cpu_test_util.h"
#include "backend/philox.h"
#include "wick/threads.h"

namespace wick::backend {
namespace {

using testing::Buf;
using testing::cpu;
using testing::make_view;
using testing::view;
constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();

// ---------------------------------------------------------------- reduce

TEST(CpuReduce, FullSumFloat32IsAccurate) {
  const int64_t n = 1000003;
  Buf<float> in(n);
  std::mt19937 gen(1);
  std::uniform_real_distribution<float> dist(-1.0f, 3.0f);
  double want = 0;
  for (int64_t k = 0; k < n; ++k) {
    in.at(k) = dist(gen);
    want += in[k];
  }
  Buf<float> out(1);
  cpu().reduce(ReduceOp::Sum, make_view(out.data(), DType::Float32, {1}), make_view(in.data(), DType::Float32, {n}), 1.0);
  EXPECT_NEAR(out[0], want, 1e-6 * std::fabs(want));
  cpu().reduce(ReduceOp::Sum, make_view(out.data(), DType::Float32, {1}), make_view(in.data(), DType::Float32, {n}),
               1.0 / double(n));  // mean
  EXPECT_NEAR(out[0], want / double(n), 1e-6 * std::fabs(want / double(n)));
  // Max/Min over the full range, with a NaN planted late.
  Buf<float> mx(1);
  cpu().reduce(ReduceOp::Max, make_view(mx.data(), DType::Float32, {1}), make_view(in.data(), DType::Float32, {n}), 1.0);
  float ref = -INFINITY;
  for (int64_t k = 0; k < n; ++k) ref = std::max(ref, in[k]);
  EXPECT_EQ(mx[0], ref);
  in.at(n - 5) = kNaNf;
  cpu().reduce(ReduceOp::Min, make_view(mx.data(), DType::Float32, {1}), make_view(in.data(), DType::Float32, {n}), 1.0);
  EXPECT_TRUE(std::isnan(mx[0]));
}

// Reference: reduce a contiguous [A, B, C] double tensor over the flagged dims.
std::vector<double> ref_reduce(const std::vector<double>& x, int64_t A, int64_t B, int64_t C, bool ra, bool rb,
                               bool rc, ReduceOp op) {
  const int64_t oa = ra ? 1 : A, ob = rb ? 1 : B, oc = rc ? 1 : C;
  std::vector<double> out(oa * ob * oc, op == ReduceOp::Sum ? 0.0 : op == ReduceOp::Prod ? 1.0
                                         : op == ReduceOp::Max ? -INFINITY : INFINITY);
  for (int64_t i = 0; i < A; ++i)
    for (int64_t j = 0; j < B; ++j)
      for (int64_t k = 0; k < C; ++k) {
        double& o = out[((ra ? 0 : i) * ob + (rb ? 0 : j)) * oc + (rc ? 0 : k)];
        const double v = x[(i * B + j) * C + k];
        if (op == ReduceOp::Sum) o += v;
        else if (op == ReduceOp::Prod) o *= v;
        else if (op == ReduceOp::Max) o = std::max(o, v);
        else o = std::min(o, v);
      }
  return out;
}

TEST(CpuReduce, EveryDimSubsetAndOp) {
  const int64_t A = 5, B = 7, C = 300;  // C > the column block of 256
  std::vector<double> x(A * B * C);
  for (size_t k = 0; k < x.size(); ++k) x[k] = 1.0 + 0.001 * double((k * 37) % 101);
  Buf<double> in(x.size());
  for (size_t k = 0; k < x.size(); ++k) in.at(k) = x[k];
  for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Prod, ReduceOp::Max, ReduceOp::Min}) {
    for (int mask = 1; mask < 8; ++mask) {
      const bool ra = mask & 1, rb = mask & 2, rc = mask & 4;
      const std::vector<double> want = ref_reduce(x, A, B, C, ra, rb, rc, op);
      Buf<double> out(want.size(), -7.0);
      cpu().reduce(op, view(out, {ra ? 1 : A, rb ? 1 : B, rc ? 1 : C}), view(in, {A, B, C}), 1.0);
      for (size_t k = 0; k < want.size(); ++k)
        ASSERT_NEAR(out[k], want[k], 1e-12 * std::fabs(want[k])) << "op " << int(op) << " mask " << mask << " at " << k;
    }
  }
}

TEST(CpuReduce, StridedInputAndOutput) {
  // in = transpose of a [4, 3] buffer, shape [3, 4]; sum over dim 1 into a strided out.
  Buf<float> buf(12);
  for (int k = 0; k < 12; ++k) buf.at(k) = float(k);  // b[r][c] = 3r + c, r<4, c<3
  Buf<float> out(6, -1.0f);
  cpu().reduce(ReduceOp::Sum, view(out, {3, 1}, {2, 1}), view(buf, {3, 4}, {1, 3}), 1.0);
  // out[c] = sum_r (3r + c) = 18 + 4c
  EXPECT_EQ(out.v, (std::vector<float>{18, -1, 22, -1, 26, -1}));
  // Column sums of the transposed view: over dim 0 -> out[r] = sum_c (3r + c) = 9r + 3.
  Buf<float> out2(4);
  cpu().reduce(ReduceOp::Sum, view(out2, {1, 4}), view(buf, {3, 4}, {1, 3}), 1.0);
  EXPECT_EQ(out2.v, (std::vector<float>{3, 12, 21, 30}));
  // Expanded input (stride 0 on the reduced dim): sum of 5 copies.
  Buf<float> row{1, 2};
  Buf<float> out3(2);
  cpu().reduce(ReduceOp::Sum, view(out3, {1, 2}), view(row, {5, 2}, {0, 1}), 1.0);
  EXPECT_EQ(out3.v, (std::vector<float>{5, 10}));
}

TEST(CpuReduce, IntegerAndBoolToInt64) {
  Buf<uint8_t> u(1000, 255);
  Buf<int64_t> out(1);
  cpu().reduce(ReduceOp::Sum, view(out, {1}), view(u, {1000}), 1.0);
  EXPECT_EQ(out[0], 255000);
  Buf<bool> b{true, false, true, true, false, true};
  Buf<int64_t> cnt(2);
  cpu().reduce(ReduceOp::Sum, view(cnt, {2, 1}), view(b, {2, 3}), 1.0);
  EXPECT_EQ(cnt.v, (std::vector<int64_t>{2, 2}));
  Buf<int64_t> iv{2, -3, 4, 5};
  cpu().reduce(ReduceOp::Prod, view(out, {1}), view(iv, {4}), 1.0);
  EXPECT_EQ(out[0], -120);
  cpu().reduce(ReduceOp::Max, view(out, {1}), view(iv, {4}), 1.0);
  EXPECT_EQ(out[0], 5);
  Buf<uint8_t> umin(1);
  cpu().reduce(ReduceOp::Min, view(umin, {1}), view(u, {1000}), 1.0);
  EXPECT_EQ(umin[0], 255);
  Buf<bool> any(1);
  cpu().reduce(ReduceOp::Max, view(any, {1}), view(b, {6}), 1.0);
  EXPECT_TRUE(any[0]);
}

TEST(CpuReduce, EmptyGivesIdentity) {
  Buf<float> in(1);
  Buf<float> out{7.0f, 7.0f};
  cpu().reduce(ReduceOp::Sum, view(out, {2, 1}), make_view(in.data(), DType::Float32, {2, 0}), 1.0);
  EXPECT_EQ(out.v, (std::vector<float>{0, 0}));
  cpu().reduce(ReduceOp::Prod, view(out, {2, 1}), make_view(in.data(), DType::Float32, {2, 0}), 1.0);
  EXPECT_EQ(out.v, (std::vector<float>{1, 1}));
  cpu().reduce(ReduceOp::Sum, view(out, {0, 1}), make_view(in.data(), DType::Float32, {0, 3}), 1.0);  // no outputs
  Buf<float> s{4.0f}, so(1);
  cpu().reduce(ReduceOp::Sum, view(so, {}), view(s, {}), 0.5);  // 0-d: nothing reduced, scaled
  EXPECT_EQ(so[0], 2.0f);
}

TEST(CpuReduce, NaNPropagatesAlongRowsAndColumns) {
  Buf<float> x{1, kNaNf, 3, 4, 5, 6};  // [2, 3]
  Buf<float> rows(2), cols(3);
  cpu().reduce(ReduceOp::Max, view(rows, {2, 1}), view(x, {2, 3}), 1.0);
  EXPECT_TRUE(std::isnan(rows[0]));
  EXPECT_EQ(rows[1], 6.0f);
  cpu().reduce(ReduceOp::Min, view(cols, {1, 3}), view(x, {2, 3}), 1.0);
  EXPECT_EQ(cols[0], 1.0f);
  EXPECT_TRUE(std::isnan(cols[1]));
  EXPECT_EQ(cols[2], 3.0f);
}

TEST(CpuArgReduce, TiesNaNAndDims) {
  Buf<float> x{1, 3, 3, 0, 2, 2, 5, 5};  // [2, 4]
  Buf<float> v(2);
  Buf<int64_t> i(2);
  cpu().arg_reduce(ReduceOp::Max, view(v, {2, 1}), view(i, {2, 1}), view(x, {2, 4}), 1);
  EXPECT_EQ(v.v, (std::vector<float>{3, 5}));
  EXPECT_EQ(i.v, (std::vector<int64_t>{1, 2}));  // first index on ties
  cpu().arg_reduce(ReduceOp::Min, view(v, {2, 1}), view(i, {2, 1}), view(x, {2, 4}), 1);
  EXPECT_EQ(v.v, (std::vector<float>{0, 2}));
  EXPECT_EQ(i.v, (std::vector<int64_t>{3, 0}));
  Buf<float> v4(4);
  Buf<int64_t> i4(4);
  cpu().arg_reduce(ReduceOp::Max, view(v4, {1, 4}), view(i4, {1, 4}), view(x, {2, 4}), 0);
  // columns: (1,2) (3,2) (3,5) (0,5)
  EXPECT_EQ(v4.v, (std::vector<float>{2, 3, 5, 5}));
  EXPECT_EQ(i4.v, (std::vector<int64_t>{1, 0, 1, 1}));
  Buf<float> n{1, kNaNf, 9, kNaNf};
  Buf<float> nv(1);
  Buf<int64_t> ni(1);
  for (ReduceOp op : {ReduceOp::Max, ReduceOp::Min}) {
    cpu().arg_reduce(op, view(nv, {1}), view(ni, {1}), view(n, {4}), 0);
    EXPECT_TRUE(std::isnan(nv[0]));
    EXPECT_EQ(ni[0], 1);
  }
  Buf<int64_t> iv{4, -2, 9, 9};
  Buf<int64_t> ivv(1), ivi(1);
  cpu().arg_reduce(ReduceOp::Max, view(ivv, {1}), view(ivi, {1}), view(iv, {4}), 0);
  EXPECT_EQ(ivv[0], 9);
  EXPECT_EQ(ivi[0], 2);
}

// ---------------------------------------------------------------- softmax

void ref_softmax(const double* x, double* y, int64_t n, int64_t stride, bool log) {
  double m = -INFINITY;
  for (int64_t k = 0; k < n; ++k) m = std::max(m, x[k * stride]);
  double s = 0;
  for (int64_t k = 0; k < n; ++k) s += std::exp(x[k * stride] - m);
  for (int64_t k = 0; k < n; ++k) y[k * stride] = log ? x[k * stride] - m - std::log(s) : std::exp(x[k * stride] - m) / s;
}

TEST(CpuSoftmax, AlongEachDimFloatAndDouble) {
  const int64_t R = 6, C = 37;
  std::vector<double> x(R * C);
  for (size_t k = 0; k < x.size(); ++k) x[k] = std::sin(double(k)) * 5.0 + (k % 3 == 0 ? 300.0 : 0.0);
  for (bool log : {false, true}) {
    std::vector<double> want_last(R * C), want_first(R * C);
    for (int64_t r = 0; r < R; ++r) ref_softmax(&x[r * C], &want_last[r * C], C, 1, log);
    for (int64_t c = 0; c < C; ++c) ref_softmax(&x[c], &want_first[c], R, C, log);
    Buf<float> xf(R * C), yf(R * C);
    Buf<double> xd(R * C), yd(R * C);
    for (int64_t k = 0; k < R * C; ++k) {
      xf.at(k) = float(x[k]);
      xd.at(k) = x[k];
    }
    for (int dim : {1, 0}) {
      const std::vector<double>& want = dim == 1 ? want_last : want_first;
      cpu().softmax(view(yd, {R, C}), view(xd, {R, C}), dim, log);
      cpu().softmax(view(yf, {R, C}), view(xf, {R, C}), dim, log);
      for (int64_t k = 0; k < R * C; ++k) {
        ASSERT_NEAR(yd[k], want[k], 1e-12 * (1 + std::fabs(want[k])));
        // float32 input rounding of |x| ~ 300 dominates the error here.
        ASSERT_NEAR(yf[k], want[k], 1e-4 * (1 + std::fabs(want[k]))) << dim << " " << k;
      }
    }
  }
  // Transposed (non-contiguous) input, softmax along its last dim, in place.
  Buf<double> t{1, 4, 2, 5, 3, 6};  // [3, 2] storage; view as [2, 3] with strides {1, 2}
  cpu().softmax(view(t, {2, 3}, {1, 2}), view(t, {2, 3}, {1, 2}), 1, false);
  double want[3];
  const double row0[3] = {1, 2, 3};
  ref_softmax(row0, want, 3, 1, false);
  EXPECT_NEAR(t[0], want[0], 1e-15);
  EXPECT_NEAR(t[2], want[1], 1e-15);
  EXPECT_NEAR(t[4], want[2], 1e-15);
}

TEST(CpuSoftmax, ExtremeValuesStayFinite) {
  Buf<float> x{1000.0f, 0.0f, -1000.0f, -INFINITY}, y(4);
  cpu().softmax(view(y, {4}), view(x, {4}), 0, false);
  EXPECT_EQ(y.v, (std::vector<float>{1, 0, 0, 0}));
  cpu().softmax(view(y, {4}), view(x, {4}), 0, true);
  EXPECT_EQ(y[0], 0.0f);
  EXPECT_EQ(y[1], -1000.0f);
  EXPECT_EQ(y[3], -INFINITY);
}

TEST(CpuSoftmax, BackwardMatchesFormula) {
  const int64_t R = 3, C = 5;
  Buf<double> y(R * C), g(R * C), gi(R * C);
  for (int64_t k = 0; k < R * C; ++k) g.at(k) = std::cos(double(k));
  Buf<double> x(R * C);
  for (int64_t k = 0; k < R * C; ++k) x.at(k) = 0.3 * double(k % 7);
  for (bool log : {false, true}) {
    cpu().softmax(view(y, {R, C}), view(x, {R, C}), 1, log);
    cpu().softmax_backward(view(gi, {R, C}), view(g, {R, C}), view(y, {R, C}), 1, log);
    for (int64_t r = 0; r < R; ++r) {
      double dot = 0, sum = 0;
      for (int64_t c = 0; c < C; ++c) {
        dot += g[r * C + c] * y[r * C + c];
        sum += g[r * C + c];
      }
      for (int64_t c = 0; c < C; ++c) {
        const int64_t k = r * C + c;
        const double want = log ? g[k] - std::exp(y[k]) * sum : y[k] * (g[k] - dot);
        EXPECT_NEAR(gi[k], want, 1e-14);
      }
    }
  }
  // Along dim 0 (strided) for float: compare against the dim-1 result of the transpose.
  Buf<float> yf{0.2f, 0.5f, 0.8f, 0.5f}, gf{1, 2, 3, 4}, gif(4);  // columns sum to 1
  cpu().softmax_backward(view(gif, {2, 2}), view(gf, {2, 2}), view(yf, {2, 2}), 0, false);
  const double dot0 = 1 * 0.2 + 3 * 0.8, dot1 = 2 * 0.5 + 4 * 0.5;
  EXPECT_NEAR(gif[0], 0.2 * (1 - dot0), 1e-6);
  EXPECT_NEAR(gif[2], 0.8 * (3 - dot0), 1e-6);
  EXPECT_NEAR(gif[1], 0.5 * (2 - dot1), 1e-6);
}

// ---------------------------------------------------------------- gemm

template <typename T>
void ref_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const T* a, int64_t lda, const T* b,
              int64_t ldb, double beta, T* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p) s += double(ta ? a[p * lda + i] : a[i * lda + p]) * double(tb ? b[j * ldb + p] : b[p * ldb + j]);
      c[i * ldc + j] = T(alpha * s + (beta == 0 ? 0.0 : beta * double(c[i * ldc + j])));
    }
}

TEST(CpuGemm, TransposesBatchesAndScalars) {
  const int64_t m = 5, n = 7, k = 3, batch = 2;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      Buf<double> a(batch * m * k), b(batch * k * n), c(batch * m * n), want(batch * m * n);
      for (size_t q = 0; q < a.size(); ++q) a.at(q) = double(q % 5) - 2;
      for (size_t q = 0; q < b.size(); ++q) b.at(q) = double(q % 3) * 0.5;
      for (size_t q = 0; q < c.size(); ++q) want.at(q) = c.at(q) = double(q);
      GemmArgs g;
      g.dtype = DType::Float64;
      g.trans_a = ta, g.trans_b = tb, g.m = m, g.n = n, g.k = k, g.alpha = 2, g.beta = 0.5;
      g.a = a.data(), g.lda = ta ? m : k, g.stride_a = m * k;
      g.b = b.data(), g.ldb = tb ? k : n, g.stride_b = k * n;
      g.c = c.data(), g.ldc = n, g.stride_c = m * n, g.batch = batch;
      cpu().gemm(g);
      for (int64_t q = 0; q < batch; ++q)
        ref_gemm<double>(ta, tb, m, n, k, 2, a.data() + q * m * k, g.lda, b.data() + q * k * n, g.ldb, 0.5,
                         want.data() + q * m * n, n);
      for (size_t q = 0; q < c.size(); ++q) ASSERT_NEAR(c[q], want[q], 1e-12) << ta << tb << q;
    }
  // float32, broadcast B (stride_b = 0), plain C = A @ B.
  Buf<float> a{1, 2, 3, 4}, b{1, 0, 0, 1}, c(8, kNaNf);  // beta = 0 must ignore NaN garbage
  GemmArgs g;
  g.m = g.n = g.k = 2;
  g.a = a.data(), g.lda = 2, g.stride_a = 0;
  g.b = b.data(), g.ldb = 2, g.stride_b = 0;
  g.c = c.data(), g.ldc = 2, g.stride_c = 4, g.batch = 2;
  cpu().gemm(g);
  EXPECT_EQ(c.v, (std::vector<float>{1, 2, 3, 4, 1, 2, 3, 4}));
}

TEST(CpuGemm, DegenerateSizes) {
  Buf<float> c(6, kNaNf);
  GemmArgs g;
  g.m = 2, g.n = 3, g.k = 0;
  g.c = c.data(), g.ldc = 3, g.lda = 0, g.ldb = 3;
  cpu().gemm(g);  // k == 0, beta == 0: zeros
  EXPECT_EQ(c.v, (std::vector<float>(6, 0.0f)));
  for (size_t q = 0; q < 6; ++q) c.at(q) = 2.0f;
  g.beta = 1.5;
  cpu().gemm(g);
  EXPECT_EQ(c.v, (std::vector<float>(6, 3.0f)));
  g.m = 0;
  cpu().gemm(g);  // nothing to do
  // A [1, 3] row vector whose lda (0) would upset BLAS: m = 1, so lda is never used.
  Buf<float> a{1, 2, 3}, b{1, 1, 1}, r(1);
  GemmArgs v;
  v.m = 1, v.n = 1, v.k = 3;
  v.a = a.data(), v.lda = 0, v.b = b.data(), v.ldb = 1, v.c = r.data(), v.ldc = 1;
  cpu().gemm(v);
  EXPECT_EQ(r[0], 6.0f);
}

// The float32 narrow kernels (gemm_narrow.cpp: register-blocked NT for n <= 16
// and TN for m <= 16) and the pool-split OpenBLAS path for large products,
// against the double reference above: odd sizes that leave every tail of the
// blocking, padded leading dims, beta 0 over NaN garbage and beta != 0.
void check_float_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double beta) {
  const int64_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;
  Buf<float> a((ta ? k : m) * lda), b((tb ? n : k) * ldb), c(m * ldc), want(m * ldc);
  std::mt19937 gen(static_cast<unsigned>(m * 131 + n * 17 + k));
  std::uniform_real_distribution<float> u(-1, 1);
  for (size_t q = 0; q < a.size(); ++q) a.at(q) = u(gen);
  for (size_t q = 0; q < b.size(); ++q) b.at(q) = u(gen);
  for (size_t q = 0; q < c.size(); ++q) want.at(q) = c.at(q) = beta == 0 ? kNaNf : u(gen);
  GemmArgs g;
  g.trans_a = ta, g.trans_b = tb, g.m = m, g.n = n, g.k = k, g.alpha = 1.5, g.beta = beta;
  g.a = a.data(), g.lda = lda, g.b = b.data(), g.ldb = ldb, g.c = c.data(), g.ldc = ldc;
  cpu().gemm(g);
  ref_gemm<float>(ta, tb, m, n, k, 1.5, a.data(), lda, b.data(), ldb, beta, want.data(), ldc);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      ASSERT_NEAR(c[i * ldc + j], want[i * ldc + j], 2e-5 * std::sqrt(double(k)) + 1e-5)
          << "ta " << ta << " tb " << tb << " m " << m << " n " << n << " k " << k << " at " << i << "," << j;
}

TEST(CpuGemm, NarrowFloatKernelsMatchReference) {
  for (double beta : {0.0, 0.5}) {
    // Every n and m up to 16: each takes its own register blocking (AVX2
    // splits the columns of NT and the rows of TN into blocks that fit 16
    // registers).
    for (int64_t n = 1; n <= 16; ++n)  // NT: C[m, n] = A[m, k] B[n, k]^T
      for (int64_t m : {1, 5, 130})
        for (int64_t k : {16, 37, 784}) check_float_gemm(false, true, m, n, k, beta);
    for (int64_t m = 1; m <= 16; ++m)  // TN: C[m, n] = A[k, m]^T B[k, n]
      for (int64_t n : {7, 64, 100, 784})
        for (int64_t k : {16, 33, 128}) check_float_gemm(true, false, m, n, k, beta);
  }
}

// The wide blocks (a hidden layer's forward and weight gradient, taken by the
// same kernels where the core has AVX-512; OpenBLAS otherwise). The forward
// takes the dot-product kernel below 32 rows and the packed one from 32
// (every tail of its 8 x 8 copy tiles, 32-column panels and 8-row blocks).
TEST(CpuGemm, WideBatchProductsMatchReference) {
  for (double beta : {0.0, 0.5}) {
    for (int64_t n : {17, 40, 256})
      for (int64_t m : {3, 31, 32, 130})
        for (int64_t k : {37, 784}) check_float_gemm(false, true, m, n, k, beta);
    for (int64_t m : {17, 20, 256})
      for (int64_t n : {64, 100, 784})
        for (int64_t k : {16, 129, 300}) check_float_gemm(true, false, m, n, k, beta);  // 128-row passes
    // NN (an input gradient, dY . W): from one row and one inner index up.
    for (int64_t m : {1, 3, 9, 130})
      for (int64_t n : {16, 17, 40, 256})
        for (int64_t k : {1, 10, 37, 784}) check_float_gemm(false, false, m, n, k, beta);
  }
}

TEST(CpuGemm, LargeProductsSplitOverThreadsMatchReference) {
  const int before = wick::get_num_threads();
  for (int threads : {1, 2, 3}) {
    wick::set_num_threads(threads);
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        check_float_gemm(ta, tb, 200, 90, 130, 0.0);  // split by rows
        check_float_gemm(ta, tb, 70, 260, 120, 0.5);  // split by columns
      }
    // The packed forward past its 256-row chunks: split by rows (n too
    // narrow for two panels per thread) and by columns.
    check_float_gemm(false, true, 600, 40, 784, 0.0);
    check_float_gemm(false, true, 600, 256, 784, 0.5);
    // A weight gradient over a batch of 1100 rows (9 passes; beta on the first).
    check_float_gemm(true, false, 40, 200, 1100, 0.5);
    // NN past the row chunks; with B's panels copied (k > 512, and rows
    // 1024 floats apart: ldb = n + 5) and read in place.
    check_float_gemm(false, false, 600, 40, 37, 0.5);
    check_float_gemm(false, false, 40, 300, 600, 0.0);
    check_float_gemm(false, false, 3, 1019, 20, 0.5);
    // Copied panels kept across row chunks (k > 512, 300 rows).
    check_float_gemm(false, false, 300, 40, 600, 0.5);
  }
  wick::set_num_threads(before);
}

// A batch of products each too small to split (a convolution's per-sample
// products, the weight a stride-0 batch): the threads take whole products.
// Every thread count gives the same bits, equal to the reference within
// rounding; every product of the batch is written (C starts as NaN).
TEST(CpuGemm, SmallProductBatchesSplitOverThreads) {
  const int before = wick::get_num_threads();
  struct Case {
    bool ta, tb;
    int64_t m, n, k, batch, stride_a;  // stride_a 0: one A for every product
  };
  for (const Case& cs : {Case{false, false, 32, 196, 144, 37, 0}, Case{true, false, 144, 196, 32, 37, 0},
                         Case{false, true, 32, 144, 196, 37, 32 * 196}, Case{false, false, 5, 7, 3, 1000, 15}}) {
    const int64_t sa = cs.m * cs.k, sb = cs.k * cs.n, sc = cs.m * cs.n;
    std::mt19937 gen(static_cast<unsigned>(cs.m + cs.n + cs.batch));
    std::uniform_real_distribution<float> u(-1, 1);
    Buf<float> a(std::max<int64_t>(sa, cs.stride_a * cs.batch)), b(sb * cs.batch);
    for (size_t q = 0; q < a.size(); ++q) a.at(q) = u(gen);
    for (size_t q = 0; q < b.size(); ++q) b.at(q) = u(gen);
    std::vector<std::vector<float>> results;
    for (int threads : {1, 2, 3}) {
      wick::set_num_threads(threads);
      Buf<float> c(sc * cs.batch);
      for (size_t q = 0; q < c.size(); ++q) c.at(q) = kNaNf;
      GemmArgs g;
      g.trans_a = cs.ta, g.trans_b = cs.tb, g.m = cs.m, g.n = cs.n, g.k = cs.k, g.batch = cs.batch;
      g.a = a.data(), g.lda = cs.ta ? cs.m : cs.k, g.stride_a = cs.stride_a;
      g.b = b.data(), g.ldb = cs.tb ? cs.k : cs.n, g.stride_b = sb;
      g.c = c.data(), g.ldc = cs.n, g.stride_c = sc;
      cpu().gemm(g);
      results.emplace_back(c.data(), c.data() + c.size());
    }
    for (int64_t q = 0; q < cs.batch; ++q) {
      std::vector<float> want(sc, 0.0f);
      ref_gemm<float>(cs.ta, cs.tb, cs.m, cs.n, cs.k, 1.0, a.data() + q * cs.stride_a, cs.ta ? cs.m : cs.k,
                      b.data() + q * sb, cs.tb ? cs.k : cs.n, 0.0, want.data(), cs.n);
      for (int64_t e = 0; e < sc; ++e)
        ASSERT_NEAR(results[0][q * sc + e], want[e], 2e-5 * std::sqrt(double(cs.k)) + 1e-5)
            << "m " << cs.m << " n " << cs.n << " k " << cs.k << " product " << q << " element " << e;
    }
    EXPECT_EQ(results[0], results[1]) << "2 threads changed the bits";
    EXPECT_EQ(results[0], results[2]) << "3 threads changed the bits";
  }
  wick::set_num_threads(before);
}

// ---------------------------------------------------------------- indexing

TEST(CpuIndex, IndexSelectBothDims) {
  Buf<float> in(12);
  for (int k = 0; k < 12; ++k) in.at(k) = float(k);  // [3, 4]
  Buf<int64_t> idx{2, 0, 2};
  Buf<float> rows(12);
  cpu().index_select(view(rows, {3, 4}), view(in, {3, 4}), 0, view(idx, {3}));
  EXPECT_EQ(rows.v, (std::vector<float>{8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11}));
  Buf<float> cols(9);
  cpu().index_select(view(cols, {3, 3}), view(in, {3, 4}), 1, view(idx, {3}));
  EXPECT_EQ(cols.v, (std::vector<float>{2, 0, 2, 6, 4, 6, 10, 8, 10}));
  Buf<int64_t> none(1);
  cpu().index_select(view(cols, {0, 4}), view(in, {3, 4}), 0, view(none, {0}));
  Buf<bool> bin{true, false, true};
  Buf<int64_t> bidx{1, 1, 0};
  Buf<bool> bout(3);
  cpu().index_select(view(bout, {3}), view(bin, {3}), 0, view(bidx, {3}));
  EXPECT_EQ(bout.v, (std::vector<uint8_t>{0, 0, 1}));
}

TEST(CpuIndex, GatherScatterIndexAdd) {
  Buf<double> in{1, 2, 3, 4, 5, 6};  // [2, 3]
  Buf<int64_t> idx{2, 0, 1, 1};      // [2, 2]
  Buf<double> out(4);
  cpu().gather(view(out, {2, 2}), view(in, {2, 3}), 1, view(idx, {2, 2}));
  EXPECT_EQ(out.v, (std::vector<double>{3, 1, 5, 5}));
  Buf<int64_t> idx0{1, 0, 0};  // gather along dim 0, [1, 3]
  Buf<double> out0(3);
  cpu().gather(view(out0, {1, 3}), view(in, {2, 3}), 0, view(idx0, {1, 3}));
  EXPECT_EQ(out0.v, (std::vector<double>{4, 2, 3}));
  // scatter (assign) and scatter_add along dim 1.
  Buf<double> self(6, 0.0), src{10, 20, 30, 40};
  cpu().scatter(view(self, {2, 3}), 1, view(idx, {2, 2}), view(src, {2, 2}), false);
  EXPECT_EQ(self.v, (std::vector<double>{20, 0, 10, 0, 40, 0}));  // row 1: both hit col 1, last wins
  cpu().scatter(view(self, {2, 3}), 1, view(idx, {2, 2}), view(src, {2, 2}), true);
  EXPECT_EQ(self.v, (std::vector<double>{40, 0, 20, 0, 110, 0}));
  // index_add along dim 0: rows 0 and 2 of self get src rows.
  Buf<int64_t> self_i(6, 1);  // [3, 2]
  Buf<int64_t> s{1, 2, 3, 4, 5, 6};  // [3, 2]
  Buf<int64_t> ia{2, 0, 2};
  cpu().index_add(view(self_i, {3, 2}), 0, view(ia, {3}), view(s, {3, 2}));
  EXPECT_EQ(self_i.v, (std::vector<int64_t>{4, 5, 1, 1, 7, 9}));
  // index_add along dim 1 of float32 (embedding-style column accumulation).
  Buf<float> f(4, 0.0f);  // [2, 2]
  Buf<float> fs{1, 2, 3, 4, 5, 6};  // [2, 3]
  Buf<int64_t> fi{1, 1, 0};
  cpu().index_add(view(f, {2, 2}), 1, view(fi, {3}), view(fs, {2, 3}));
  EXPECT_EQ(f.v, (std::vector<float>{3, 3, 6, 9}));
}

// ---------------------------------------------------------------- random

double ref_unit(uint32_t hi, uint32_t lo) {
  return double(((uint64_t(hi) << 32) | lo) >> 11) / 9007199254740992.0;
}

TEST(CpuRandom, UniformFollowsThePhiloxStream) {
  const int64_t n = 50000;
  const uint64_t seed = 42, offset = 1000;
  Buf<double> x(n);
  cpu().random(RandomOp::Uniform, make_view(x.data(), DType::Float64, {n}), -2.0, 3.0, seed, offset);
  double mean = 0;
  for (int64_t i = 0; i < n; ++i) {
    uint32_t r[4];
    philox4x32(seed, offset + uint64_t(i), r);
    // Near, not equal: the library may contract a + (b - a) * u into an FMA,
    // which rounds once instead of twice.
    ASSERT_NEAR(x[i], -2.0 + 5.0 * ref_unit(r[0], r[1]), 1e-14) << i;
    mean += x[i] / double(n);
  }
  EXPECT_NEAR(mean, 0.5, 0.05);
  // Same stream from a shifted offset: element i of offset+7 is element i+7.
  Buf<float> y(100), z(107);
  cpu().random(RandomOp::Uniform, view(y, {100}), 0, 1, seed, offset + 7);
  cpu().random(RandomOp::Uniform, view(z, {107}), 0, 1, seed, offset);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(y[i], z[i + 7]);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(y[i] >= 0.0f && y[i] < 1.0f);
}

TEST(CpuRandom, NormalRandIntBernoulli) {
  const int64_t n = 200000;
  Buf<float> z(n);
  cpu().random(RandomOp::Normal, make_view(z.data(), DType::Float32, {n}), 1.0, 2.0, 7, 0);
  double s = 0, s2 = 0;
  for (int64_t i = 0; i < n; ++i) {
    s += z[i];
    s2 += double(z[i]) * z[i];
  }
  const double mean = s / n, var = s2 / n - mean * mean;
  EXPECT_NEAR(mean, 1.0, 0.03);
  EXPECT_NEAR(std::sqrt(var), 2.0, 0.03);
  uint32_t r[4];
  philox4x32(7, 3, r);
  const double want3 = 1.0 + 2.0 * std::sqrt(-2 * std::log(1 - ref_unit(r[0], r[1]))) *
                                 std::cos(2 * M_PI * ref_unit(r[2], r[3]));
  EXPECT_NEAR(z[3], want3, 1e-6 * (1 + std::fabs(want3)));

  Buf<int64_t> ri(n);
  cpu().random(RandomOp::RandInt, make_view(ri.data(), DType::Int64, {n}), -3, 4, 9, 0);
  int64_t counts[7] = {};
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_TRUE(ri[i] >= -3 && ri[i] < 4);
    ++counts[ri[i] + 3];
  }
  for (int64_t c : counts) EXPECT_NEAR(double(c) / n, 1.0 / 7, 0.01);
  philox4x32(9, 5, r);
  EXPECT_EQ(ri[5], -3 + int64_t((((uint64_t(r[0]) << 32) | r[1])) % 7));

  Buf<bool> bern(n);
  cpu().random(RandomOp::Bernoulli, make_view(bern.data(), DType::Bool, {n}), 0.3, 0, 11, 0);
  int64_t ones = 0;
  for (int64_t i = 0; i < n; ++i) ones += bern[i];
  EXPECT_NEAR(double(ones) / n, 0.3, 0.01);
  Buf<uint8_t> bu(10);
  cpu().random(RandomOp::Bernoulli, view(bu, {10}), 1.0, 0, 11, 0);
  EXPECT_EQ(bu.v, std::vector<uint8_t>(10, 1));
  cpu().random(RandomOp::Uniform, view(bu, {0}), 0, 1, 1, 0);  // empty
}

TEST(CpuRandom, UniformFloatNeverReachesUpperBound) {
  // A range so narrow that a + (b - a) * u rounds to b in float for most u.
  Buf<float> x(1000);
  const double a = 1.0, b = 1.0 + 1e-9;
  cpu().random(RandomOp::Uniform, view(x, {1000}), a, b, 3, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_LT(x[i], float(b) == 1.0f ? 2.0f : float(b));
  Buf<float> y(1000);
  cpu().random(RandomOp::Uniform, view(y, {1000}), 0.0, 1.0 + 1e-12, 3, 0);  // rounds to 1.0f often? no: check < 1
  for (int i = 0; i < 1000; ++i) EXPECT_LT(y[i], 1.0f);
}

}  // namespace
}  // namespace wick::backend
