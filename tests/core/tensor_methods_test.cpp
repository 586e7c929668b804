// Tensor methods (t.sum(1), t.max(1), t.softmax(0), ...) are spelled as in
// PyTorch and must give exactly what the free functions give; the free
// functions themselves are checked against PyTorch in reference_test.cpp.
#include <gtest/gtest.h>

#include <vector>

#include "wick/wick.h"

namespace {

using wick::Tensor;

// Same shape, dtype and bit-identical values (NaN never appears here).
::testing::AssertionResult same(const Tensor& got, const Tensor& want) {
  if (got.sizes() != want.sizes() || got.dtype() != want.dtype())
    return ::testing::AssertionFailure() << got.describe() << " vs " << want.describe();
  if (!wick::equal(got, want)) return ::testing::AssertionFailure() << "values differ: " << got << " vs " << want;
  return ::testing::AssertionSuccess();
}

class TensorMethods : public ::testing::Test {
 protected:
  void SetUp() override {
    wick::manual_seed(11);
    a = wick::randn({3, 4});
    b = wick::randn({4});
    pos = wick::rand({3, 4}) + 0.5;
  }
  Tensor a, b, pos;
};

TEST_F(TensorMethods, Elementwise) {
  EXPECT_TRUE(same(a.neg(), wick::neg(a)));
  EXPECT_TRUE(same(-a, wick::neg(a)));
  EXPECT_TRUE(same(a.exp(), wick::exp(a)));
  EXPECT_TRUE(same(pos.log(), wick::log(pos)));
  EXPECT_TRUE(same(pos.log1p(), wick::log1p(pos)));
  EXPECT_TRUE(same(pos.sqrt(), wick::sqrt(pos)));
  EXPECT_TRUE(same(a.abs(), wick::abs(a)));
  EXPECT_TRUE(same(a.sigmoid(), wick::sigmoid(a)));
  EXPECT_TRUE(same(a.tanh(), wick::tanh(a)));
  EXPECT_TRUE(same(a.relu(), wick::relu(a)));
  EXPECT_TRUE(same(a.clamp(-0.5, 0.5), wick::clamp(a, -0.5, 0.5)));
  EXPECT_TRUE(same(a.clamp(std::nullopt, 0.1), wick::clamp(a, std::nullopt, 0.1)));
  EXPECT_TRUE(same(pos.pow(1.5), wick::pow(pos, 1.5)));
  EXPECT_TRUE(same(pos.pow(b), wick::pow(pos, b)));
  EXPECT_TRUE(same(a.add(b, 2.0), wick::add(a, b, 2.0)));
  EXPECT_TRUE(same(a + b, wick::add(a, b)));
  EXPECT_TRUE(same(a.sub(b, 0.5), wick::sub(a, b, 0.5)));
  EXPECT_TRUE(same(a - b, wick::sub(a, b)));
  EXPECT_TRUE(same(a.mul(b), wick::mul(a, b)));
  EXPECT_TRUE(same(a * b, wick::mul(a, b)));
  EXPECT_TRUE(same(a.div(pos), wick::div(a, pos)));
  EXPECT_TRUE(same(a / pos, wick::div(a, pos)));
  EXPECT_TRUE(same(a.mul(3.0), a * 3.0));
  EXPECT_TRUE(same(3.0 * a, a * 3.0));
  EXPECT_TRUE(same(1.0 + a, a + 1.0));
  EXPECT_TRUE(same(a.eq(b), wick::eq(a, b)));
  EXPECT_TRUE(same(a.ne(b), wick::ne(a, b)));
  EXPECT_TRUE(same(a.lt(b), wick::lt(a, b)));
  EXPECT_TRUE(same(a.le(b), wick::le(a, b)));
  EXPECT_TRUE(same(a.gt(b), wick::gt(a, b)));
  EXPECT_TRUE(same(a.ge(b), wick::ge(a, b)));
  EXPECT_TRUE(same(a.gt(0.0), wick::gt(a, wick::zeros({}))));
  Tensor m = a.gt(0.0), n = b.lt(0.0);
  EXPECT_TRUE(same(m.logical_and(n), wick::logical_and(m, n)));
  EXPECT_TRUE(same(m.logical_or(n), wick::logical_or(m, n)));
  EXPECT_TRUE(same(m.logical_xor(n), wick::logical_xor(m, n)));
  EXPECT_TRUE(same(m.logical_not(), wick::logical_not(m)));
  EXPECT_TRUE(same(a.masked_fill(m, 7.0), wick::masked_fill(a, m, 7.0)));
}

TEST_F(TensorMethods, ComparisonAndMaskOperators) {
  EXPECT_TRUE(same(a == b, wick::eq(a, b)));
  EXPECT_TRUE(same(a != b, wick::ne(a, b)));
  EXPECT_TRUE(same(a < b, wick::lt(a, b)));
  EXPECT_TRUE(same(a <= b, wick::le(a, b)));
  EXPECT_TRUE(same(a > b, wick::gt(a, b)));
  EXPECT_TRUE(same(a >= b, wick::ge(a, b)));
  EXPECT_TRUE(same(a > 0.5, a.gt(0.5)));
  EXPECT_TRUE(same(a <= 0.5, a.le(0.5)));
  EXPECT_TRUE(same(0.5 < a, a.gt(0.5)));
  EXPECT_TRUE(same(0.5 >= a, a.le(0.5)));
  EXPECT_TRUE(same(1.0 == a, a.eq(1.0)));
  EXPECT_TRUE(same(1.0 != a, a.ne(1.0)));
  EXPECT_TRUE(same((a > 0) & (a < 1), wick::logical_and(a.gt(0), a.lt(1))));
  EXPECT_TRUE(same((a > 0) | (a < -1), wick::logical_or(a.gt(0), a.lt(-1))));
  EXPECT_TRUE(same((a > 0) ^ (b > 0), wick::logical_xor(a.gt(0), b.gt(0))));
  EXPECT_TRUE(same(~(a > 0), wick::logical_not(a.gt(0))));
  // The accuracy idiom of the seed notes.
  Tensor pred = wick::tensor({1, 2, 0, 2}).to(wick::kInt64), y = wick::tensor({1, 0, 0, 2}).to(wick::kInt64);
  EXPECT_EQ((pred == y).sum().item<int64_t>(), 3);
  EXPECT_THROW(pred & y, wick::Error);
  EXPECT_THROW(~pred, wick::Error);
}

TEST_F(TensorMethods, Reductions) {
  EXPECT_TRUE(same(a.sum(), wick::sum(a)));
  EXPECT_TRUE(same(a.sum(1), wick::sum(a, {1})));
  EXPECT_TRUE(same(a.sum(-1, true), wick::sum(a, {-1}, true)));
  EXPECT_TRUE(same(a.sum(wick::Shape{0, 1}), wick::sum(a, {0, 1})));
  EXPECT_TRUE(same(a.mean(), wick::mean(a)));
  EXPECT_TRUE(same(a.mean(0, true), wick::mean(a, {0}, true)));
  EXPECT_TRUE(same(a.mean(wick::Shape{1}), wick::mean(a, {1})));
  EXPECT_TRUE(same(a.prod(), wick::prod(a)));
  EXPECT_TRUE(same(a.prod(1), wick::prod(a, 1)));
  EXPECT_TRUE(same(a.max(), wick::max(a)));
  EXPECT_TRUE(same(a.min(), wick::min(a)));
  auto [mv, mi] = a.max(1);
  auto fm = wick::max(a, 1);
  EXPECT_TRUE(same(mv, fm.values));
  EXPECT_TRUE(same(mi, fm.indices));
  EXPECT_EQ(mi.dtype(), wick::kInt64);
  auto [nv, ni] = a.min(0, true);
  EXPECT_TRUE(same(nv, wick::min(a, 0, true).values));
  EXPECT_TRUE(same(ni, wick::min(a, 0, true).indices));
  EXPECT_TRUE(same(a.argmax(), wick::argmax(a)));
  EXPECT_TRUE(same(a.argmax(1), wick::argmax(a, 1)));
  EXPECT_TRUE(same(a.argmin(), wick::argmin(a)));
  EXPECT_TRUE(same(a.argmin(0, true), wick::argmin(a, 0, true)));
  // NOTE: a.var(0) / a.std(1) with a plain int literal is ambiguous between
  // var(int64_t dim, ...) and var(bool unbiased); spelled int64_t here.
  EXPECT_TRUE(same(a.var(int64_t{0}), wick::var(a, {0})));
  EXPECT_TRUE(same(a.var(1, false, true), wick::var(a, {1}, false, true)));
  EXPECT_TRUE(same(a.std(int64_t{1}), wick::std(a, {1})));
  EXPECT_TRUE(same(a.std(0, false), wick::std(a, {0}, false)));
  EXPECT_TRUE(same(a.softmax(1), wick::softmax(a, 1)));
  EXPECT_TRUE(same(a.log_softmax(0), wick::log_softmax(a, 0)));
  EXPECT_TRUE(same(a.logsumexp(1, true), wick::logsumexp(a, 1, true)));
  // var/std over everything equal the flattened single-dim reduction.
  EXPECT_TRUE(wick::allclose(a.var(), wick::var(a.flatten(), {0})));
  EXPECT_TRUE(wick::allclose(a.std(false), wick::std(a.flatten(), {0}, false)));
}

TEST_F(TensorMethods, ProductsAndIndexing) {
  Tensor w = wick::randn({4, 5});
  EXPECT_TRUE(same(a.mm(w), wick::mm(a, w)));
  EXPECT_TRUE(same(a.matmul(b), wick::matmul(a, b)));
  Tensor x = wick::randn({2, 3, 4}), y = wick::randn({2, 4, 2});
  EXPECT_TRUE(same(x.bmm(y), wick::bmm(x, y)));
  EXPECT_TRUE(same(b.dot(b), wick::dot(b, b)));
  Tensor idx = wick::tensor({2, 0});
  EXPECT_TRUE(same(a.index_select(0, idx), wick::index_select(a, 0, idx)));
  Tensor gi = wick::randint(0, 4, {3, 2});
  EXPECT_TRUE(same(a.gather(1, gi), wick::gather(a, 1, gi)));
  Tensor src = wick::randn({3, 2});
  Tensor si = wick::tensor({{0.0, 1.0}, {2.0, 3.0}, {1.0, 0.0}}).to(wick::kInt64);
  EXPECT_TRUE(same(a.scatter(1, si, src), wick::scatter(a, 1, si, src)));
  EXPECT_TRUE(same(a.scatter_add(1, gi, src), wick::scatter_add(a, 1, gi, src)));
  auto s1 = a.split(3, 1), s2 = wick::split(a, 3, 1);
  ASSERT_EQ(s1.size(), s2.size());
  for (size_t i = 0; i < s1.size(); ++i) EXPECT_TRUE(same(s1[i], s2[i]));
  auto c1 = a.chunk(2, 0), c2 = wick::chunk(a, 2, 0);
  ASSERT_EQ(c1.size(), c2.size());
  for (size_t i = 0; i < c1.size(); ++i) EXPECT_TRUE(same(c1[i], c2[i]));
}

TEST_F(TensorMethods, OutOfPlaceLeavesInputs) {
  // No op above may write into its inputs (the result is a new tensor).
  Tensor before = a.clone();
  uint32_t v = a.version();
  (void)(a + b);
  (void)a.exp();
  (void)a.sum(1);
  (void)a.softmax(1);
  (void)wick::scatter(a, 1, wick::zeros({3, 1}, {.dtype = wick::kInt64}), wick::ones({3, 1}));
  (void)a.masked_fill(a.gt(0.0), 0.0);
  (void)a.clamp(0, 1);
  EXPECT_TRUE(wick::equal(a, before));
  EXPECT_EQ(a.version(), v);
}

}  // namespace
