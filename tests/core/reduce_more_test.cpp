// any / all / count_nonzero / amax / amin / norm: PyTorch 1.13's outputs,
// dtypes and gradients (tests/data/sort/), gradcheck, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "autograd/gradcheck.h"
#include "core/expect_error.h"
#include "core/sort_fixtures.h"
#include "wick/wick.h"

namespace wick {
namespace {

using sort_fixtures::Case;
using sort_fixtures::Outputs;

TEST(ReduceMoreReference, EveryCaseMatchesPyTorch) {
  const std::map<std::string, sort_fixtures::OpFn> table = {
      {"any", [](const Tensor& x, const Case& c) -> Outputs {
         return {c.has("dim") ? any(x, c.i("dim"), c.b("keepdim")) : x.any()};
       }},
      {"all", [](const Tensor& x, const Case& c) -> Outputs {
         return {c.has("dim") ? x.all(c.i("dim"), c.b("keepdim")) : all(x)};
       }},
      {"count_nonzero", [](const Tensor& x, const Case& c) -> Outputs { return {count_nonzero(x, c.dims())}; }},
      {"amax", [](const Tensor& x, const Case& c) -> Outputs { return {amax(x, c.dims(), c.b("keepdim"))}; }},
      {"amin", [](const Tensor& x, const Case& c) -> Outputs { return {x.amin(c.dims(), c.b("keepdim"))}; }},
      {"norm", [](const Tensor& x, const Case& c) -> Outputs { return {norm(x, c.p(), c.dims(), c.b("keepdim"))}; }},
  };
  EXPECT_EQ(sort_fixtures::run_cases(table), 107);
}

TEST(ReduceMore, NormGradientAtZeroIsZeroNotNan) {
  for (double p : {2.0, 3.0, 1.5, 0.5, 1.0}) {
    Tensor x = zeros({2, 3}, {.dtype = kFloat64, .requires_grad = true});
    norm(x, p).backward();
    EXPECT_EQ(x.grad().to_vector<double>(), std::vector<double>(6, 0.0)) << "p = " << p;
  }
  // p = 0 counts non-zeros: constant almost everywhere, gradient 0.
  Tensor y = randn({4}, {.dtype = kFloat64, .requires_grad = true});
  Tensor n0 = norm(y, 0);
  EXPECT_EQ(n0.item(), 4.0);
  n0.backward();
  EXPECT_TRUE(!y.grad().defined() || y.grad().abs().sum().item() == 0.0);
}

TEST(ReduceMore, AmaxSharesTheGradientBetweenTies) {
  Tensor x = from_vector<double>({3, 1, 3, 2}).requires_grad_(true);
  amax(x).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0.5, 0, 0.5, 0}));
}

// A saved input changed in place before backward is named by the op that
// saved it: amin's message must not say amax.
TEST(ReduceMore, ModifiedSavedInputNamesAminOrAmax) {
  for (bool is_max : {false, true}) {
    Tensor x = from_vector<double>({3, 1, 2}).requires_grad_(true);
    Tensor y = x * 1.0;
    Tensor r = is_max ? amax(y) : amin(y);
    {
      NoGradGuard guard;
      y.add_(1.0);
    }
    const std::string msg = testing::error_message([&] { r.backward(); });
    EXPECT_TRUE(testing::message_has(msg, {is_max ? "AmaxBackward" : "AminBackward", "modified by an inplace"}));
  }
}

TEST(ReduceMore, Gradcheck) {
  manual_seed(3);
  // Distinct magnitudes: amax/amin and the inf norms are smooth there.
  Tensor a;
  {
    NoGradGuard g;
    a = (randperm(20).to(kFloat64) / 4.0 + 0.3).reshape({4, 5});
    a = a * (randn({4, 5}, {.dtype = kFloat64}).gt(0.0).to(kFloat64) * 2.0 - 1.0);
  }
  a.requires_grad_(true);
  const double inf = std::numeric_limits<double>::infinity();
  const std::pair<const char*, testing::GradFn> cases[] = {
      {"amax dim 1", [](const std::vector<Tensor>& in) { return amax(in[0], {1}); }},
      {"amin dims 0,1 keepdim", [](const std::vector<Tensor>& in) { return amin(in[0], {0, 1}, true); }},
      {"norm 2", [](const std::vector<Tensor>& in) { return norm(in[0]); }},
      {"norm 2 dim 0", [](const std::vector<Tensor>& in) { return in[0].norm(2, {0}); }},
      {"norm 1 dim 1 keepdim", [](const std::vector<Tensor>& in) { return norm(in[0], 1, {1}, true); }},
      {"norm 3", [](const std::vector<Tensor>& in) { return norm(in[0], 3, {1}); }},
      {"norm 0.5", [](const std::vector<Tensor>& in) { return norm(in[0], 0.5, {0}); }},
      {"norm inf", [inf](const std::vector<Tensor>& in) { return norm(in[0], inf, {1}); }},
      {"norm -inf", [inf](const std::vector<Tensor>& in) { return norm(in[0], -inf); }},
  };
  for (const auto& [label, f] : cases) {
    testing::GradcheckResult r = testing::gradcheck(label, f, {a});
    EXPECT_TRUE(r.ok) << r.message;
  }
}

TEST(ReduceMore, ErrorsNameOpDtypeAndDims) {
  EXPECT_WICK_ERROR(norm(zeros({2, 3}, {.dtype = kInt64})), {"norm", "floating", "int64", "[2, 3]", "kFloat32"});
  EXPECT_WICK_ERROR(norm(zeros({2}), std::nan("")), {"norm", "NaN"});
  EXPECT_WICK_ERROR(norm(zeros({0, 3}), std::numeric_limits<double>::infinity()), {"norm", "dim 0", "empty", "[0, 3]"});
  EXPECT_WICK_ERROR(norm(zeros({2, 0}), -1, {1}), {"norm", "dim 1", "empty"});
  EXPECT_EQ(norm(zeros({0, 3}), std::numeric_limits<double>::infinity(), {1}).sizes(), Shape{0});
  EXPECT_WICK_ERROR(amax(zeros({0, 3}), {0}), {"amax", "dim 0", "[0, 3]", "empty"});
  EXPECT_WICK_ERROR(amin(zeros({0, 3})), {"amin", "empty"});
  EXPECT_WICK_ERROR(amax(zeros({2, 3}), {1, -1}), {"amax", "more than once"});
  EXPECT_WICK_ERROR(any(zeros({2, 3}), 2), {"any", "dimension 2", "2 dims"});
  EXPECT_WICK_ERROR(all(zeros({2, 3}), -3), {"all", "dimension -3"});
  EXPECT_WICK_ERROR(count_nonzero(zeros({2}), {1}), {"count_nonzero", "dimension 1"});
  EXPECT_WICK_ERROR(norm(zeros({2}), 2, {3}), {"norm", "dimension 3"});
}

}  // namespace
}  // namespace wick
