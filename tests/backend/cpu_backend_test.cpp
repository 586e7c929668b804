// Kernel-level tests of the CPU backend, part 1: Philox, the allocator, and
// the elementwise kernels (fill, copy, unary, binary, where). Expected values
// are hand-computed or come from plain reference loops written here.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <thread>
#include <vector>

#include "backend/cpu/allocator.h"
#include "backend/cpu/philox_blocks.h"
#include "backend/philox.h"
#include "backend/cpu_test_util.h"

namespace wick::backend {
namespace {

using testing::Buf;
using testing::cpu;
using testing::make_view;
using testing::view;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();

// ---------------------------------------------------------------- philox

TEST(Philox, Random123KnownAnswers) {
  // kat_vectors of Random123 for philox4x32_10.
  struct Kat { uint32_t ctr[4], key[2], out[4]; };
  const Kat kats[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const Kat& k : kats) {
    uint32_t out[4];
    philox4x32_10(k.ctr, k.key, out);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(out[i], k.out[i]) << "word " << i;
  }
}

TEST(Philox, SeedCounterMapping) {
  const uint64_t seed = 0x0123456789abcdefULL, counter = 0xfedcba9876543210ULL;
  uint32_t got[4], want[4];
  philox4x32(seed, counter, got);
  const uint32_t ctr[4] = {0x76543210u, 0xfedcba98u, 0, 0};
  const uint32_t key[2] = {0x89abcdefu, 0x01234567u};
  philox4x32_10(ctr, key, want);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(got[i], want[i]);
  philox4x32(0, 0, got);
  EXPECT_EQ(got[0], 0x6627e8d5u);
}

// The vectorized generator against the scalar function: every block count
// around its 16- and 64-block steps, and counters whose low word wraps (the high word
// carries) or whose 64 bits wrap.
TEST(Philox, BlocksMatchTheScalarFunction) {
  const uint64_t seeds[] = {0, 0x0123456789abcdefULL, ~0ULL};
  const uint64_t offsets[] = {0, 5, 0xFFFFFFFFULL - 7, ~0ULL - 20};
  for (uint64_t seed : seeds)
    for (uint64_t offset : offsets)
      for (int64_t blocks : {1, 15, 16, 17, 40, 64, 65, 100, 200}) {
        std::vector<uint32_t> got(static_cast<size_t>(4 * blocks));
        cpu::philox_blocks(seed, offset, blocks, got.data());
        for (int64_t b = 0; b < blocks; ++b) {
          uint32_t want[4];
          philox4x32(seed, offset + static_cast<uint64_t>(b), want);
          for (int j = 0; j < 4; ++j)
            ASSERT_EQ(got[static_cast<size_t>(4 * b + j)], want[j])
                << "seed " << seed << " offset " << offset << " block " << b << " word " << j;
        }
      }
}

// ---------------------------------------------------------------- allocator

TEST(CpuAllocator, SizeClasses) {
  using A = cpu::CachingAllocator;
  EXPECT_EQ(A::class_size(0), 64u);
  EXPECT_EQ(A::class_size(1), 64u);
  EXPECT_EQ(A::class_size(65), 128u);
  EXPECT_EQ(A::class_size(512), 512u);
  EXPECT_EQ(A::class_size(513), 640u);
  EXPECT_EQ(A::class_size(1024), 1024u);
  EXPECT_EQ(A::class_size(1025), 1280u);
  EXPECT_EQ(A::class_size(4000000), 4194304u);
  size_t prev_size = 0;
  int prev_index = -1;
  for (size_t n = 1; n < (size_t{1} << 22); n = n * 9 / 8 + 1) {
    const size_t c = A::class_size(n);
    EXPECT_GE(c, n);
    EXPECT_EQ(c % 64, 0u);
    EXPECT_LE(c, n + n / 4 + 64);  // at most 25% waste above the small sizes
    EXPECT_EQ(A::size_of_class(A::class_index(n)), c);
    EXPECT_GE(c, prev_size);
    EXPECT_GE(A::class_index(n), prev_index);
    prev_size = c;
    prev_index = A::class_index(n);
  }
}

TEST(CpuAllocator, ReusesBlocksAndCountsStats) {
  cpu::CachingAllocator alloc;
  void* a = alloc.allocate(1000);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 64, 0u);
  std::memset(a, 1, 1000);
  MemoryStats s = alloc.stats();
  EXPECT_EQ(s.allocated, 1024u);
  EXPECT_EQ(s.reserved, 1024u);
  EXPECT_EQ(s.system_allocs, 1u);
  alloc.deallocate(a, 1000);
  s = alloc.stats();
  EXPECT_EQ(s.allocated, 0u);
  EXPECT_EQ(s.reserved, 1024u);
  EXPECT_EQ(s.peak_allocated, 1024u);
  void* b = alloc.allocate(1010);  // same class: served from the cache
  EXPECT_EQ(b, a);
  EXPECT_EQ(alloc.stats().system_allocs, 1u);
  void* z = alloc.allocate(0);  // zero bytes: still a valid, freeable block
  ASSERT_NE(z, nullptr);
  alloc.deallocate(z, 0);
  alloc.deallocate(b, 1010);
  alloc.deallocate(nullptr, 0);
  alloc.empty_cache();
  s = alloc.stats();
  EXPECT_EQ(s.allocated, 0u);
  EXPECT_EQ(s.reserved, 0u);
  EXPECT_EQ(s.peak_allocated, 1024u + 64u);  // b and z were live together
  EXPECT_EQ(s.system_allocs, 2u);
}

TEST(CpuAllocator, ThreadSafe) {
  cpu::CachingAllocator alloc;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&alloc, t] {
      for (int i = 0; i < 2000; ++i) {
        const size_t n = 64 * (1 + (i + t) % 7) + 8 * (i % 3);
        char* p = static_cast<char*>(alloc.allocate(n));
        p[0] = 1;
        p[n - 1] = 2;
        alloc.deallocate(p, n);
      }
    });
  }
  for (auto& th : threads) th.join();
  const MemoryStats s = alloc.stats();
  EXPECT_EQ(s.allocated, 0u);
  EXPECT_LE(s.system_allocs, 4u * 8u);
}

TEST(CpuBackend, IdentityAndSupports) {
  EXPECT_STREQ(cpu().name(), "cpu");
  EXPECT_EQ(cpu_backend(), cpu_backend());
  EXPECT_EQ(find(DeviceType::CPU), cpu_backend());
  EXPECT_TRUE(cpu().supports("gemm", DType::Float32));
  EXPECT_TRUE(cpu().supports("softmax", DType::Float64));
  EXPECT_FALSE(cpu().supports("gemm", DType::Int64));
  EXPECT_TRUE(cpu().supports("binary", DType::UInt8));
  EXPECT_TRUE(cpu().supports("index_add", DType::Bool));
  EXPECT_FALSE(cpu().supports("conv2d", DType::Float32));
  // Through the interface the allocator hands out aligned memory.
  void* p = cpu().allocate(100, 0);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
  const float src[3] = {1, 2, 3};
  float dst[3] = {};
  cpu().copy_from_host(p, src, sizeof src, 0);
  cpu().copy_to_host(dst, p, sizeof dst, 0);
  EXPECT_EQ(dst[2], 3.0f);
  cpu().synchronize(0);
  cpu().deallocate(p, 100, 0);
}

// ---------------------------------------------------------------- fill / copy

template <typename T> class FillAllDtypes : public ::testing::Test {};
using AllTypes = ::testing::Types<float, double, int64_t, uint8_t, bool>;
TYPED_TEST_SUITE(FillAllDtypes, AllTypes);

TYPED_TEST(FillAllDtypes, ContiguousStridedEmpty) {
  using T = TypeParam;
  Buf<T> b(12, T(0));
  cpu().fill(view(b, {12}), 1.0);
  for (size_t i = 0; i < 12; ++i) EXPECT_EQ(b[i], T(1));
  Buf<T> c(12, T(0));
  cpu().fill(view(c, {2, 3}, {6, 2}), 1.0);  // every other element of 2 rows
  for (size_t i = 0; i < 12; ++i) EXPECT_EQ(c[i], (i % 2 == 0) ? T(1) : T(0)) << i;
  cpu().fill(view(c, {0, 3}), 5.0);  // empty: touches nothing
  EXPECT_EQ(c[1], T(0));
}

TEST(CpuCopy, ConvertsDtypes) {
  Buf<float> f{-2.7f, -0.5f, 0.0f, 0.5f, 3.9f, 200.0f};
  Buf<int64_t> i(6);
  cpu().copy(view(i, {6}), view(f, {6}));
  EXPECT_EQ(i.v, (std::vector<int64_t>{-2, 0, 0, 0, 3, 200}));  // truncation toward zero
  Buf<bool> b(6);
  cpu().copy(view(b, {6}), view(f, {6}));
  EXPECT_EQ(b.v, (std::vector<uint8_t>{1, 1, 0, 1, 1, 1}));
  Buf<double> d(6);
  cpu().copy(view(d, {6}), view(b, {6}));
  EXPECT_EQ(d.v, (std::vector<double>{1, 1, 0, 1, 1, 1}));
  Buf<uint8_t> u(6);
  cpu().copy(view(u, {6}), view(f, {6}));
  EXPECT_EQ(u[4], 3);
  EXPECT_EQ(u[5], 200);
  Buf<float> back(6);
  cpu().copy(view(back, {6}), view(i, {6}));
  EXPECT_EQ(back[0], -2.0f);
}

TEST(CpuCopy, TransposedBroadcastAndLarge) {
  Buf<float> src(6);
  for (int k = 0; k < 6; ++k) src.at(k) = float(k);  // [[0,1,2],[3,4,5]]
  Buf<float> dst(6);
  cpu().copy(view(dst, {3, 2}), view(src, {3, 2}, {1, 3}));  // transpose
  EXPECT_EQ(dst.v, (std::vector<float>{0, 3, 1, 4, 2, 5}));
  Buf<double> row{7, 8};
  Buf<double> out(6);
  cpu().copy(view(out, {3, 2}), view(row, {3, 2}, {0, 1}));  // stride-0 broadcast with conversion-free path
  EXPECT_EQ(out.v, (std::vector<double>{7, 8, 7, 8, 7, 8}));
  const int64_t n = 1 << 20;  // big enough for the parallel memcpy path
  Buf<int64_t> a(n), b(n);
  for (int64_t k = 0; k < n; ++k) a.at(k) = k * 3;
  cpu().copy(make_view(b.data(), DType::Int64, {n}), make_view(a.data(), DType::Int64, {n}));
  EXPECT_EQ(a.v, b.v);
  cpu().copy(view(dst, {0}), view(src, {0}));
}

// ---------------------------------------------------------------- unary

template <typename T>
std::vector<T> run_unary(UnaryOp op, std::vector<T> xs, double alpha = 0, double beta = 0) {
  Buf<T> in(xs.size()), out(xs.size());
  for (size_t k = 0; k < xs.size(); ++k) in.at(k) = xs[k];
  cpu().unary(op, view(out, {int64_t(xs.size())}), view(in, {int64_t(xs.size())}), alpha, beta);
  std::vector<T> r;
  for (size_t k = 0; k < xs.size(); ++k) r.push_back(out[k]);
  return r;
}

TEST(CpuUnary, FloatOpsMatchLibm) {
  std::vector<double> xs;
  for (int k = -200; k <= 200; ++k) xs.push_back(k * 0.173);
  struct Case { UnaryOp op; double (*ref)(double); };
  const Case cases[] = {
      {UnaryOp::Exp, [](double x) { return std::exp(x); }},
      {UnaryOp::Tanh, [](double x) { return std::tanh(x); }},
      {UnaryOp::Sigmoid, [](double x) { return 1 / (1 + std::exp(-x)); }},
      {UnaryOp::Neg, [](double x) { return -x; }},
      {UnaryOp::Abs, [](double x) { return std::fabs(x); }},
      {UnaryOp::Square, [](double x) { return x * x; }},
  };
  for (const Case& c : cases) {
    std::vector<float> xf(xs.begin(), xs.end());
    const std::vector<float> got = run_unary<float>(c.op, xf);
    const std::vector<double> got_d = run_unary<double>(c.op, xs);
    for (size_t k = 0; k < xs.size(); ++k) {
      const double want = c.ref(double(xf[k]));
      EXPECT_NEAR(got[k], want, 2e-7 * std::fabs(want) + 1e-30) << int(c.op) << " x=" << xf[k];
      EXPECT_NEAR(got_d[k], c.ref(xs[k]), 1e-15 * std::fabs(c.ref(xs[k])) + 1e-300);
    }
  }
  // Small |x| for tanh (polynomial branch) and the edges of exp's range.
  std::vector<float> small{1e-6f, -3e-4f, 0.3f, -0.62f, 0.63f, 80.0f, -80.0f, 88.0f, -100.0f};
  const std::vector<float> th = run_unary<float>(UnaryOp::Tanh, small);
  const std::vector<float> ex = run_unary<float>(UnaryOp::Exp, small);
  for (size_t k = 0; k < small.size(); ++k) {
    EXPECT_NEAR(th[k], std::tanh(double(small[k])), 2e-7 * std::fabs(std::tanh(double(small[k]))));
    const double e = std::exp(double(small[k]));
    EXPECT_NEAR(ex[k], e, 3e-7 * e + 1e-44) << small[k];
  }
}

TEST(CpuUnary, EdgeCases) {
  const auto sig = run_unary<float>(UnaryOp::Sigmoid, {-1000.0f, 1000.0f, 0.0f});
  EXPECT_EQ(sig[0], 0.0f);
  EXPECT_EQ(sig[1], 1.0f);
  EXPECT_EQ(sig[2], 0.5f);
  const auto sigd = run_unary<double>(UnaryOp::Sigmoid, {-1000.0, 1000.0});
  EXPECT_EQ(sigd[0], 0.0);
  EXPECT_EQ(sigd[1], 1.0);
  const auto ex = run_unary<float>(UnaryOp::Exp, {1000.0f, -1000.0f, kNaNf, -INFINITY});
  EXPECT_TRUE(std::isinf(ex[0]));
  EXPECT_EQ(ex[1], 0.0f);
  EXPECT_TRUE(std::isnan(ex[2]));
  EXPECT_EQ(ex[3], 0.0f);
  const auto th = run_unary<float>(UnaryOp::Tanh, {1000.0f, -1000.0f, kNaNf});
  EXPECT_EQ(th[0], 1.0f);
  EXPECT_EQ(th[1], -1.0f);
  EXPECT_TRUE(std::isnan(th[2]));
  const auto relu = run_unary<float>(UnaryOp::Relu, {-1.0f, 2.0f, kNaNf});
  EXPECT_EQ(relu[0], 0.0f);
  EXPECT_EQ(relu[1], 2.0f);
  EXPECT_TRUE(std::isnan(relu[2]));
  EXPECT_EQ(run_unary<float>(UnaryOp::Sign, {-3.0f, 0.0f, 2.0f}), (std::vector<float>{-1, 0, 1}));
  const auto cl = run_unary<float>(UnaryOp::Clamp, {-5.0f, 0.5f, 5.0f, kNaNf}, -1.0, 1.0);
  EXPECT_EQ(cl[0], -1.0f);
  EXPECT_EQ(cl[1], 0.5f);
  EXPECT_EQ(cl[2], 1.0f);
  EXPECT_TRUE(std::isnan(cl[3]));
  EXPECT_EQ(run_unary<float>(UnaryOp::Clamp, {-5.0f, 5.0f}, kNaN, 1.0), (std::vector<float>{-5, 1}));
  EXPECT_EQ(run_unary<float>(UnaryOp::Clamp, {-5.0f, 5.0f}, 0.0, kNaN), (std::vector<float>{0, 5}));
  EXPECT_EQ(run_unary<double>(UnaryOp::PowScalar, {2.0, 3.0}, 3.0), (std::vector<double>{8, 27}));
  EXPECT_EQ(run_unary<double>(UnaryOp::PowScalar, {4.0, 9.0}, 0.5), (std::vector<double>{2, 3}));
  EXPECT_EQ(run_unary<double>(UnaryOp::RPowScalar, {2.0, 3.0}, 2.0), (std::vector<double>{4, 8}));
  EXPECT_EQ(run_unary<double>(UnaryOp::RDivScalar, {2.0, 4.0}, 1.0), (std::vector<double>{0.5, 0.25}));
  EXPECT_EQ(run_unary<double>(UnaryOp::RSubScalar, {2.0, 4.0}, 1.0), (std::vector<double>{-1, -3}));
  EXPECT_EQ(run_unary<double>(UnaryOp::Affine, {2.0, 4.0}, 3.0, 1.0), (std::vector<double>{7, 13}));
  EXPECT_EQ(run_unary<double>(UnaryOp::Reciprocal, {2.0, -4.0}), (std::vector<double>{0.5, -0.25}));
  EXPECT_EQ(run_unary<double>(UnaryOp::Log, {1.0, std::exp(2.0)})[1], 2.0);
  EXPECT_NEAR(run_unary<double>(UnaryOp::Log1p, {1e-10})[0], 1e-10 - 5e-21, 1e-26);  // x - x^2/2
  EXPECT_EQ(run_unary<float>(UnaryOp::Sqrt, {16.0f})[0], 4.0f);
}

TEST(CpuUnary, IntegerOps) {
  EXPECT_EQ(run_unary<int64_t>(UnaryOp::Neg, {3, -4}), (std::vector<int64_t>{-3, 4}));
  EXPECT_EQ(run_unary<int64_t>(UnaryOp::Abs, {3, -4}), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(run_unary<int64_t>(UnaryOp::Sign, {-7, 0, 9}), (std::vector<int64_t>{-1, 0, 1}));
  EXPECT_EQ(run_unary<int64_t>(UnaryOp::Relu, {-7, 0, 9}), (std::vector<int64_t>{0, 0, 9}));
  EXPECT_EQ(run_unary<int64_t>(UnaryOp::Clamp, {-7, 0, 9}, -2, 5), (std::vector<int64_t>{-2, 0, 5}));
  EXPECT_EQ(run_unary<int64_t>(UnaryOp::Square, {-7, 3}), (std::vector<int64_t>{49, 9}));
  EXPECT_EQ(run_unary<int64_t>(UnaryOp::AddScalar, {1, 2}, 10), (std::vector<int64_t>{11, 12}));
  EXPECT_EQ(run_unary<int64_t>(UnaryOp::MulScalar, {1, 2}, 3), (std::vector<int64_t>{3, 6}));
  EXPECT_EQ(run_unary<int64_t>(UnaryOp::Affine, {1, 2}, 3, -1), (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(run_unary<int64_t>(UnaryOp::PowScalar, {2, 3}, 3), (std::vector<int64_t>{8, 27}));
  EXPECT_EQ(run_unary<uint8_t>(UnaryOp::AddScalar, {250, 1}, 10), (std::vector<uint8_t>{4, 11}));  // wraps
  EXPECT_EQ(run_unary<uint8_t>(UnaryOp::RSubScalar, {3, 1}, 10), (std::vector<uint8_t>{7, 9}));
  EXPECT_EQ(run_unary<uint8_t>(UnaryOp::Abs, {200}), (std::vector<uint8_t>{200}));
}

TEST(CpuUnary, BoolOutputsAndStrides) {
  Buf<float> in{1.0f, 0.0f, INFINITY, kNaNf, -2.0f, 0.0f};
  Buf<bool> out(6);
  cpu().unary(UnaryOp::IsFinite, view(out, {6}), view(in, {6}), 0, 0);
  EXPECT_EQ(out.v, (std::vector<uint8_t>{1, 1, 0, 0, 1, 1}));
  cpu().unary(UnaryOp::LogicalNot, view(out, {6}), view(in, {6}), 0, 0);
  EXPECT_EQ(out.v, (std::vector<uint8_t>{0, 1, 0, 0, 0, 1}));
  Buf<int64_t> iv{0, 5};
  Buf<bool> ib(2);
  cpu().unary(UnaryOp::IsFinite, view(ib, {2}), view(iv, {2}), 0, 0);
  EXPECT_EQ(ib.v, (std::vector<uint8_t>{1, 1}));
  Buf<bool> bb{true, false};
  cpu().unary(UnaryOp::LogicalNot, view(ib, {2}), view(bb, {2}), 0, 0);
  EXPECT_EQ(ib.v, (std::vector<uint8_t>{0, 1}));
  // Transposed input into a contiguous output, then in place (out aliases in).
  Buf<double> src{1, 2, 3, 4, 5, 6};  // [[1,2,3],[4,5,6]]
  Buf<double> dst(6);
  cpu().unary(UnaryOp::Neg, view(dst, {3, 2}), view(src, {3, 2}, {1, 3}), 0, 0);
  EXPECT_EQ(dst.v, (std::vector<double>{-1, -4, -2, -5, -3, -6}));
  cpu().unary(UnaryOp::MulScalar, view(dst, {6}), view(dst, {6}), 2, 0);
  EXPECT_EQ(dst.v, (std::vector<double>{-2, -8, -4, -10, -6, -12}));
  cpu().unary(UnaryOp::Exp, view(dst, {0, 2}), view(src, {0, 2}), 0, 0);  // empty
  Buf<float> one{2.0f}, res(1);
  cpu().unary(UnaryOp::Square, view(res, {}), view(one, {}), 0, 0);  // 0-d
  EXPECT_EQ(res[0], 4.0f);
}

TEST(CpuUnary, LargeParallelMatchesReference) {
  const int64_t n = 300001;  // above the parallel threshold, odd tail
  Buf<float> in(n), out(n);
  for (int64_t k = 0; k < n; ++k) in.at(k) = float((k % 2001) - 1000) * 0.01f;
  cpu().unary(UnaryOp::Sigmoid, make_view(out.data(), DType::Float32, {n}), make_view(in.data(), DType::Float32, {n}), 0, 0);
  for (int64_t k = 0; k < n; k += 997) {
    const double want = 1 / (1 + std::exp(-double(in[k])));
    ASSERT_NEAR(out[k], want, 3e-7 * want) << k;
  }
}

// ---------------------------------------------------------------- binary

template <typename O, typename T>
std::vector<O> run_binary(BinaryOp op, std::vector<T> a, std::vector<T> b) {
  const int64_t n = int64_t(a.size());
  Buf<T> ba(n), bb(n);
  Buf<O> out(n);
  for (int64_t k = 0; k < n; ++k) {
    ba.at(k) = a[k];
    bb.at(k) = b[k];
  }
  cpu().binary(op, view(out, {n}), view(ba, {n}), view(bb, {n}));
  std::vector<O> r;
  for (int64_t k = 0; k < n; ++k) r.push_back(out[k]);
  return r;
}

TEST(CpuBinary, ArithmeticAllDtypes) {
  EXPECT_EQ((run_binary<float, float>(BinaryOp::Add, {1, 2}, {3, 4.5f})), (std::vector<float>{4, 6.5f}));
  EXPECT_EQ((run_binary<double, double>(BinaryOp::Sub, {1, 2}, {3, 4.5})), (std::vector<double>{-2, -2.5}));
  EXPECT_EQ((run_binary<int64_t, int64_t>(BinaryOp::Mul, {3, -2}, {4, 5})), (std::vector<int64_t>{12, -10}));
  EXPECT_EQ((run_binary<uint8_t, uint8_t>(BinaryOp::Add, {200, 1}, {100, 2})), (std::vector<uint8_t>{44, 3}));
  EXPECT_EQ((run_binary<bool, bool>(BinaryOp::Add, {true, true, false}, {true, false, false})),
            (std::vector<bool>{true, true, false}));
  EXPECT_EQ((run_binary<bool, bool>(BinaryOp::Mul, {true, true, false}, {true, false, false})),
            (std::vector<bool>{true, false, false}));
  EXPECT_EQ((run_binary<float, float>(BinaryOp::Div, {1, 3}, {4, -2})), (std::vector<float>{0.25f, -1.5f}));
  EXPECT_EQ((run_binary<int64_t, int64_t>(BinaryOp::Pow, {2, 3, 5, -2}, {10, 0, 1, 3})),
            (std::vector<int64_t>{1024, 1, 5, -8}));
  EXPECT_EQ((run_binary<double, double>(BinaryOp::Pow, {2, 9}, {-1, 0.5})), (std::vector<double>{0.5, 3}));
  const auto mx = run_binary<float, float>(BinaryOp::Maximum, {1, kNaNf, 3, 2}, {2, 1, kNaNf, 2});
  EXPECT_EQ(mx[0], 2.0f);
  EXPECT_TRUE(std::isnan(mx[1]));
  EXPECT_TRUE(std::isnan(mx[2]));
  EXPECT_EQ(mx[3], 2.0f);
  const auto mn = run_binary<double, double>(BinaryOp::Minimum, {1, kNaN, 3}, {2, 1, kNaN});
  EXPECT_EQ(mn[0], 1.0);
  EXPECT_TRUE(std::isnan(mn[1]));
  EXPECT_TRUE(std::isnan(mn[2]));
  EXPECT_EQ((run_binary<int64_t, int64_t>(BinaryOp::Maximum, {1, 5}, {2, 3})), (std::vector<int64_t>{2, 5}));
}

TEST(CpuBinary, ComparisonsLogicalAndGradHelpers) {
  const std::vector<float> a{1, 2, 3, kNaNf}, b{2, 2, 1, kNaNf};
  EXPECT_EQ((run_binary<bool, float>(BinaryOp::Eq, a, b)), (std::vector<bool>{0, 1, 0, 0}));
  EXPECT_EQ((run_binary<bool, float>(BinaryOp::Ne, a, b)), (std::vector<bool>{1, 0, 1, 1}));
  EXPECT_EQ((run_binary<bool, float>(BinaryOp::Lt, a, b)), (std::vector<bool>{1, 0, 0, 0}));
  EXPECT_EQ((run_binary<bool, float>(BinaryOp::Le, a, b)), (std::vector<bool>{1, 1, 0, 0}));
  EXPECT_EQ((run_binary<bool, float>(BinaryOp::Gt, a, b)), (std::vector<bool>{0, 0, 1, 0}));
  EXPECT_EQ((run_binary<bool, float>(BinaryOp::Ge, a, b)), (std::vector<bool>{0, 1, 1, 0}));
  EXPECT_EQ((run_binary<bool, uint8_t>(BinaryOp::Lt, {1, 200}, {200, 1})), (std::vector<bool>{1, 0}));
  const std::vector<int64_t> x{0, 0, 3, -1}, y{0, 7, 0, 2};
  EXPECT_EQ((run_binary<bool, int64_t>(BinaryOp::LogicalAnd, x, y)), (std::vector<bool>{0, 0, 0, 1}));
  EXPECT_EQ((run_binary<bool, int64_t>(BinaryOp::LogicalOr, x, y)), (std::vector<bool>{0, 1, 1, 1}));
  EXPECT_EQ((run_binary<bool, int64_t>(BinaryOp::LogicalXor, x, y)), (std::vector<bool>{0, 1, 1, 0}));
  EXPECT_EQ((run_binary<bool, double>(BinaryOp::LogicalAnd, {0.5, 0}, {2, 2})), (std::vector<bool>{1, 0}));
  EXPECT_EQ((run_binary<float, float>(BinaryOp::ReluBackward, {5, 6, 7}, {-1, 0, 2})), (std::vector<float>{0, 0, 7}));
  EXPECT_EQ((run_binary<double, double>(BinaryOp::SigmoidBackward, {2}, {0.25})), (std::vector<double>{2 * 0.25 * 0.75}));
  EXPECT_EQ((run_binary<double, double>(BinaryOp::TanhBackward, {2}, {0.5})), (std::vector<double>{2 * 0.75}));
}

TEST(CpuBinary, BroadcastStridedAndInPlace) {
  Buf<float> a(12), row(4), col(3), out(12);
  for (int k = 0; k < 12; ++k) a.at(k) = float(k);
  for (int k = 0; k < 4; ++k) row.at(k) = float(100 * k);
  for (int k = 0; k < 3; ++k) col.at(k) = float(1000 * k);
  // [3,4] + [4] broadcast (stride 0 on dim 0), and [3,1] broadcast along dim 1.
  cpu().binary(BinaryOp::Add, view(out, {3, 4}), view(a, {3, 4}), view(row, {3, 4}, {0, 1}));
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) EXPECT_EQ(out[i * 4 + j], float(i * 4 + j + 100 * j));
  cpu().binary(BinaryOp::Sub, view(out, {3, 4}), view(col, {3, 4}, {1, 0}), view(a, {3, 4}));
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) EXPECT_EQ(out[i * 4 + j], float(1000 * i - (i * 4 + j)));
  // a^T (non-contiguous) * scalar (all strides 0).
  Buf<float> s{2.0f};
  cpu().binary(BinaryOp::Mul, view(out, {4, 3}), view(a, {4, 3}, {1, 4}), view(s, {4, 3}, {0, 0}));
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_EQ(out[i * 3 + j], 2.0f * float(j * 4 + i));
  // Strided output: write every other element.
  Buf<double> wide(8, -1.0), x{1, 2, 3, 4}, y{10, 20, 30, 40};
  cpu().binary(BinaryOp::Add, view(wide, {4}, {2}), view(x, {4}), view(y, {4}));
  EXPECT_EQ(wide.v, (std::vector<double>{11, -1, 22, -1, 33, -1, 44, -1}));
  // In place: out aliases a (add_).
  cpu().binary(BinaryOp::Add, view(x, {4}), view(x, {4}), view(y, {4}));
  EXPECT_EQ(x.v, (std::vector<double>{11, 22, 33, 44}));
  // Empty and 0-d.
  cpu().binary(BinaryOp::Add, view(x, {0}), view(x, {0}), view(y, {0}));
  Buf<int64_t> p{3}, q{4}, r(1);
  cpu().binary(BinaryOp::Mul, view(r, {}), view(p, {}), view(q, {}));
  EXPECT_EQ(r[0], 12);
}

TEST(CpuBinary, LargeMatchesReference) {
  // 3-D with a broadcast middle dim, large enough to run in parallel.
  const int64_t A = 64, B = 33, C = 257;
  Buf<float> a(A * B * C), b(A * C), out(A * B * C);
  for (int64_t k = 0; k < A * B * C; ++k) a.at(k) = float(k % 1000) * 0.5f;
  for (int64_t k = 0; k < A * C; ++k) b.at(k) = float(k % 77);
  View vb = make_view(b.data(), DType::Float32, {A, B, C}, {C, 0, 1});
  cpu().binary(BinaryOp::Mul, make_view(out.data(), DType::Float32, {A, B, C}),
               make_view(a.data(), DType::Float32, {A, B, C}), vb);
  for (int64_t i = 0; i < A; ++i)
    for (int64_t j = 0; j < B; ++j)
      for (int64_t k = 0; k < C; ++k)
        ASSERT_EQ(out[(i * B + j) * C + k], a[(i * B + j) * C + k] * b[i * C + k]);
}

TEST(CpuWhere, SelectsWithBroadcast) {
  Buf<bool> cond{true, false, true};
  Buf<int64_t> a{1, 2, 3, 4, 5, 6}, b{-1}, out(6);
  cpu().where(view(out, {2, 3}), view(cond, {2, 3}, {0, 1}), view(a, {2, 3}), view(b, {2, 3}, {0, 0}));
  EXPECT_EQ(out.v, (std::vector<int64_t>{1, -1, 3, 4, -1, 6}));
  Buf<float> fa{1, 2, 3}, fb{4, 5, 6}, fo(3);
  cpu().where(view(fo, {3}), view(cond, {3}), view(fa, {3}), view(fb, {3}));
  EXPECT_EQ(fo.v, (std::vector<float>{1, 5, 3}));
}

}  // namespace
}  // namespace wick::backend
