// Bad input gets a wick::Error whose message names the op and the shapes,
// dtypes or indices involved — never a crash, never a silent wrong answer.
// We assert on key words only (op name, "[2, 3]"-style shapes), so messages
// may be reworded freely.
#include <gtest/gtest.h>

#include "core/expect_error.h"
#include "wick/wick.h"

namespace {

using wick::Tensor;

Tensor f32(const wick::Shape& s) { return wick::zeros(s); }
Tensor i64(const wick::Shape& s) { return wick::zeros(s, {.dtype = wick::kInt64}); }

TEST(ErrorsBroadcast, NamesOpAndBothShapes) {
  Tensor a = f32({2, 3}), b = f32({4});
  EXPECT_WICK_ERROR(wick::add(a, b), {"add", "[2, 3]", "[4]"});
  EXPECT_WICK_ERROR(a + b, {"add", "[2, 3]", "[4]"});
  EXPECT_WICK_ERROR(wick::sub(a, b), {"sub", "[2, 3]", "[4]"});
  EXPECT_WICK_ERROR(a * f32({3, 2}), {"mul", "[2, 3]", "[3, 2]"});
  EXPECT_WICK_ERROR(wick::div(f32({5, 1, 3}), f32({4, 2})), {"div", "[5, 1, 3]", "[4, 2]"});
  EXPECT_WICK_ERROR(wick::pow(a, b), {"pow", "[2, 3]", "[4]"});
  EXPECT_WICK_ERROR(wick::eq(a, b), {"eq", "[2, 3]", "[4]"});
  EXPECT_WICK_ERROR(wick::lt(a, b), {"lt", "[2, 3]", "[4]"});
  EXPECT_WICK_ERROR(wick::maximum(a, b), {"maximum", "[2, 3]", "[4]"});
  EXPECT_WICK_ERROR(wick::logical_and(a, b), {"logical_and", "[2, 3]", "[4]"});
  EXPECT_WICK_ERROR(wick::where(wick::ones({2, 3}, {.dtype = wick::kBool}), a, b), {"where", "[4]"});
  EXPECT_WICK_ERROR(wick::masked_fill(a, wick::ones({4}, {.dtype = wick::kBool}), 0), {"masked_fill", "[4]"});
  // Size-0 dims broadcast only against 0 or 1, as in PyTorch.
  EXPECT_WICK_ERROR(f32({0, 3}) + f32({2, 3}), {"add", "[0, 3]", "[2, 3]"});
}

TEST(ErrorsMatmul, ShapeMismatch) {
  EXPECT_WICK_ERROR(wick::mm(f32({2, 3}), f32({4, 5})), {"mm", "[2, 3]", "[4, 5]"});
  EXPECT_WICK_ERROR(wick::mm(f32({3}), f32({3, 2})), {"mm", "[3]"});  // mm is 2-D only
  EXPECT_WICK_ERROR(wick::matmul(f32({2, 3}), f32({2, 3})), {"matmul", "[2, 3]"});
  EXPECT_WICK_ERROR(wick::matmul(f32({2, 2, 3}), f32({3, 3, 4})), {"matmul", "[2, 2, 3]", "[3, 3, 4]"});
  EXPECT_WICK_ERROR(wick::matmul(f32({}), f32({3})), {"matmul"});
  EXPECT_WICK_ERROR(wick::bmm(f32({2, 3, 4}), f32({3, 4, 5})), {"bmm", "[2, 3, 4]", "[3, 4, 5]"});
  EXPECT_WICK_ERROR(wick::bmm(f32({3, 4}), f32({4, 5})), {"bmm", "[3, 4]"});
  EXPECT_WICK_ERROR(wick::dot(f32({3}), f32({4})), {"dot", "[3]", "[4]"});
  EXPECT_WICK_ERROR(wick::dot(f32({3, 1}), f32({3, 1})), {"dot", "[3, 1]"});
  EXPECT_WICK_ERROR(wick::linear(f32({2, 3}), f32({5, 4})), {"linear", "[2, 3]", "[5, 4]"});
  EXPECT_WICK_ERROR(wick::linear(f32({2, 4}), f32({5, 4}), f32({3})), {"linear", "[3]"});
  EXPECT_WICK_ERROR(f32({2, 3}).mm(f32({2, 3})), {"mm", "[2, 3]"});
  // Products are float-only (BLAS); an int64 operand gets a clear message.
  EXPECT_WICK_ERROR(wick::mm(i64({2, 2}), i64({2, 2})), {"mm", "int64"});
  EXPECT_WICK_ERROR(wick::mm(f32({2, 2}), wick::zeros({2, 2}, {.dtype = wick::kFloat64})), {"mm", "float"});
}

TEST(ErrorsIndexing, FloatIndexTensors) {
  Tensor a = f32({3, 4});
  EXPECT_WICK_ERROR(wick::index_select(a, 0, wick::tensor({0.0, 1.0})), {"index_select", "int64", "float32"});
  EXPECT_WICK_ERROR(a.index_select(1, wick::tensor({1.0})), {"index_select", "int64"});
  EXPECT_WICK_ERROR(wick::gather(a, 1, f32({3, 2})), {"gather", "int64", "float32"});
  EXPECT_WICK_ERROR(wick::scatter(a, 1, f32({3, 2}), f32({3, 2})), {"scatter", "int64"});
  EXPECT_WICK_ERROR(wick::scatter_add(a, 0, f32({1, 4}), f32({1, 4})), {"scatter_add", "int64"});
  EXPECT_WICK_ERROR(wick::one_hot(wick::tensor({0.0, 1.0})), {"one_hot", "int64"});
  EXPECT_WICK_ERROR(wick::where(a, a, a), {"where", "bool"});
  EXPECT_WICK_ERROR(wick::masked_fill(a, f32({3, 4}), 1.0), {"masked_fill", "bool"});
}

TEST(ErrorsIndexing, OutOfRangeIndices) {
  Tensor a = f32({3, 4});
  EXPECT_WICK_ERROR(wick::index_select(a, 0, wick::tensor({0, 3})), {"index_select", "3"});
  EXPECT_WICK_ERROR(wick::index_select(a, 1, wick::tensor({-1})), {"index_select", "-1"});
  EXPECT_WICK_ERROR(wick::gather(a, 1, wick::tensor({{0.0, 4.0}}).to(wick::kInt64)), {"gather", "4"});
  EXPECT_WICK_ERROR(wick::scatter(a, 0, wick::full({1, 4}, 7, {.dtype = wick::kInt64}), f32({1, 4})),
                    {"scatter", "7"});
  EXPECT_WICK_ERROR(wick::scatter_add(a, 1, wick::full({3, 1}, 9, {.dtype = wick::kInt64}), f32({3, 1})),
                    {"scatter_add", "9"});
  EXPECT_WICK_ERROR(wick::one_hot(wick::tensor({0, 5}), 3), {"one_hot", "5"});
  EXPECT_WICK_ERROR(wick::one_hot(wick::tensor({-1, 2})), {"one_hot"});
  EXPECT_WICK_ERROR(a.select(0, 3), {"select", "3"});
  EXPECT_WICK_ERROR(a.select(1, -5), {"select", "-5"});
  EXPECT_WICK_ERROR(a[7], {"7"});
  EXPECT_WICK_ERROR(a.narrow(1, 2, 5), {"narrow"});
  // Index with the wrong rank for gather (PyTorch requires the same number of dims).
  EXPECT_WICK_ERROR(wick::gather(a, 0, wick::tensor({0, 1})), {"gather"});
}

TEST(ErrorsDims, OutOfRangeDims) {
  Tensor a = f32({2, 3});
  EXPECT_WICK_ERROR(wick::sum(a, {2}), {"sum", "2"});
  EXPECT_WICK_ERROR(a.sum(-3), {"sum", "-3"});
  EXPECT_WICK_ERROR(wick::mean(a, {0, 5}), {"mean", "5"});
  EXPECT_WICK_ERROR(wick::prod(a, 2), {"prod"});
  EXPECT_WICK_ERROR(wick::max(a, 2), {"max"});
  EXPECT_WICK_ERROR(wick::argmin(a, -3), {"argmin"});
  EXPECT_WICK_ERROR(wick::var(a, {3}), {"var"});
  EXPECT_WICK_ERROR(wick::softmax(a, 2), {"softmax", "2"});
  EXPECT_WICK_ERROR(wick::log_softmax(a, -3), {"log_softmax", "-3"});
  EXPECT_WICK_ERROR(wick::logsumexp(a, 4), {"logsumexp", "4"});
  EXPECT_WICK_ERROR(a.transpose(0, 2), {"transpose", "2"});
  EXPECT_WICK_ERROR(a.permute({0, 0}), {"permute"});
  EXPECT_WICK_ERROR(a.permute({0}), {"permute"});
  EXPECT_WICK_ERROR(a.unsqueeze(4), {"unsqueeze", "4"});
  EXPECT_WICK_ERROR(a.slice(2, 0, 1), {"slice", "2"});
  EXPECT_WICK_ERROR(a.slice(0, 0, 1, 0), {"slice"});  // step must be positive
  EXPECT_WICK_ERROR(wick::cat({a, a}, 2), {"cat", "2"});
  EXPECT_WICK_ERROR(wick::stack({a, a}, 4), {"stack", "4"});
  EXPECT_WICK_ERROR(wick::index_select(a, 2, wick::tensor({0})), {"index_select", "2"});
  EXPECT_WICK_ERROR(wick::split(a, 1, 2), {"split"});
  EXPECT_WICK_ERROR(wick::split(a, 0, 0), {"split"});
  EXPECT_WICK_ERROR(wick::chunk(a, 0, 0), {"chunk"});
}

TEST(ErrorsShapes, JoinAndReshape) {
  EXPECT_WICK_ERROR(wick::cat({f32({2, 3}), f32({2, 4})}, 0), {"cat", "[2, 3]", "[2, 4]"});
  EXPECT_WICK_ERROR(wick::cat({f32({2, 3}), f32({3})}, 0), {"cat"});
  EXPECT_WICK_ERROR(wick::cat({}, 0), {"cat"});
  EXPECT_WICK_ERROR(wick::stack({f32({2, 3}), f32({3, 2})}, 0), {"stack", "[2, 3]", "[3, 2]"});
  EXPECT_WICK_ERROR(f32({2, 3}).reshape({4, 2}), {"reshape", "[2, 3]", "[4, 2]"});
  EXPECT_WICK_ERROR(f32({2, 3}).view({7}), {"view", "[2, 3]", "[7]"});
  EXPECT_WICK_ERROR(f32({2, 3}).reshape({-1, -1}), {"reshape"});
  EXPECT_WICK_ERROR(f32({2, 3}).t().view({6}), {"view"});
  EXPECT_WICK_ERROR(wick::scatter(f32({3, 4}), 0, i64({2, 5}), f32({2, 5})), {"scatter"});
  EXPECT_WICK_ERROR(f32({2, 3}).copy_(f32({3, 2})), {"copy_", "[3, 2]", "[2, 3]"});
  EXPECT_WICK_ERROR(wick::zeros({2, -1}), {"[2, -1]"});
}

TEST(ErrorsHost, ItemOnManyElements) {
  EXPECT_WICK_ERROR(f32({2, 3}).item(), {"item", "[2, 3]"});
  EXPECT_WICK_ERROR(f32({4}).item<float>(), {"item", "[4]"});
  EXPECT_WICK_ERROR(f32({0}).item(), {"item", "[0]"});
  EXPECT_WICK_ERROR(Tensor().sizes(), {"undefined"});
  EXPECT_WICK_ERROR(wick::add(Tensor(), f32({1})), {"undefined"});
}

TEST(ErrorsDtypes, GradAndReductions) {
  EXPECT_WICK_ERROR(i64({3}).requires_grad_(), {"int64"});
  EXPECT_WICK_ERROR(wick::zeros({3}, {.dtype = wick::kInt64, .requires_grad = true}), {"int64"});
  EXPECT_WICK_ERROR(wick::softmax(i64({3}), 0), {"softmax", "int64"});
  // PyTorch: mean of an integer tensor needs a float dtype.
  EXPECT_WICK_ERROR(wick::mean(i64({3})), {"mean", "int64"});
  EXPECT_WICK_ERROR(wick::max(f32({0, 3})), {"max", "[0, 3]"});  // empty: no identity for max
  EXPECT_WICK_ERROR(wick::argmax(f32({0})), {"argmax"});
  EXPECT_WICK_ERROR(wick::max(f32({0, 3}), 0), {"max", "dim 0", "[0, 3]"});
  // Empty only along a dim that is not reduced: empty results, as PyTorch.
  wick::MaxResult r = wick::max(f32({0, 3}), 1);
  EXPECT_EQ(r.values.sizes(), (wick::Shape{0}));
  EXPECT_EQ(r.indices.sizes(), (wick::Shape{0}));
  EXPECT_EQ(wick::argmin(f32({2, 0, 3}), 2, true).sizes(), (wick::Shape{2, 0, 1}));
  EXPECT_WICK_ERROR(wick::linspace(0, 1, -1), {"linspace"});
  EXPECT_WICK_ERROR(wick::eye(-2), {"eye"});
  EXPECT_WICK_ERROR(wick::randint(5, 5, {3}), {"randint"});
  EXPECT_WICK_ERROR(wick::randperm(-1), {"randperm"});
}

TEST(ErrorsAutograd, BackwardWithoutGrad) {
  Tensor a = wick::ones({2});
  EXPECT_WICK_ERROR(wick::sum(a).backward(), {"backward", "require"});
  Tensor w = wick::ones({2}, {.requires_grad = true});
  EXPECT_WICK_ERROR((w * 2.0).backward(), {"backward", "scalar"});  // non-scalar needs a gradient argument
}

}  // namespace

namespace {

// A thread count far beyond the machine would start that many threads (one
// CLI run with --threads 100000 exhausted the process table); it is refused
// with the limit named, and the pool keeps its size.
// PyTorch: "For integral input tensors, argument alpha must not be a floating
// point number"; wick used to truncate it (add(i, j, 0.5) == i).
TEST(ErrorsAlpha, FractionalAlphaOnIntegerTensors) {
  Tensor i = wick::tensor({5, 3}).to(wick::kInt64), j = wick::tensor({1, 1}).to(wick::kInt64);
  EXPECT_WICK_ERROR(wick::add(i, j, 0.5), {"add", "alpha 0.5", "int64"});
  EXPECT_WICK_ERROR(wick::sub(i, j, 1.5), {"sub", "int64"});
  EXPECT_WICK_ERROR(i.add_(j, 0.5), {"add_", "alpha 0.5", "int64"});
  EXPECT_EQ(wick::add(i, j, 2).to_vector<int64_t>(), (std::vector<int64_t>{7, 5}));
}

TEST(ErrorsThreads, CountsOutsideOneToTheLimitAreRefused) {
  const int before = wick::get_num_threads();
  const int limit = wick::max_num_threads();
  EXPECT_GE(limit, 4);
  EXPECT_LE(limit, 1024);
  EXPECT_WICK_ERROR(wick::set_num_threads(0), {"set_num_threads", "0"});
  EXPECT_WICK_ERROR(wick::set_num_threads(100000), {"set_num_threads", "100000", std::to_string(limit).c_str()});
  EXPECT_EQ(wick::get_num_threads(), before);
}

}  // namespace
