// sort / argsort / topk: PyTorch 1.13's outputs and gradients
// (tests/data/sort/, from tests/reference/make_sort_fixtures.py), wick's
// stable tie order, gradcheck, errors, and the backend's supports().
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "autograd/gradcheck.h"
#include "backend/backend.h"
#include "core/expect_error.h"
#include "core/sort_fixtures.h"
#include "wick/wick.h"

namespace wick {
namespace {

using sort_fixtures::Case;
using sort_fixtures::Outputs;

const std::map<std::string, sort_fixtures::OpFn>& sort_table() {
  static const std::map<std::string, sort_fixtures::OpFn> t = {
      {"sort", [](const Tensor& x, const Case& c) -> Outputs {
         auto [values, indices] = sort(x, c.i("dim"), c.b("descending"));
         return {values, indices};
       }},
      {"argsort", [](const Tensor& x, const Case& c) -> Outputs {
         return {x.argsort(c.i("dim"), c.b("descending"))};
       }},
      {"topk", [](const Tensor& x, const Case& c) -> Outputs {
         auto [values, indices] = x.topk(c.i("k"), c.i("dim"), c.b("largest"));
         return {values, indices};
       }},
  };
  return t;
}

// PyTorch's topk breaks ties in no documented order: for ties=1 cases only
// the values are compared exactly, and the indices must point at them.
bool exact_output(const Case& c, size_t k) { return !(c.b("ties") && k == 1); }

TEST(SortReference, EveryCaseMatchesPyTorch) {
  EXPECT_EQ(sort_fixtures::run_cases(sort_table(), exact_output), 64);
}

TEST(SortReference, TopkTiesPointAtTheirValues) {
  int checked = 0;
  for (const Case& c : sort_fixtures::cases_of({"topk"})) {
    if (!c.b("ties")) continue;
    SCOPED_TRACE(c.name);
    Tensor x = c.load("in");
    auto [values, indices] = x.topk(c.i("k"), c.i("dim"), c.b("largest"));
    EXPECT_TRUE(sort_fixtures::matches(x.gather(c.i("dim"), indices), values, 0, 0));
    // No position twice within a line.
    Tensor rows = indices.dim() == 2 && c.i("dim") == 0 ? indices.t().contiguous() : indices.contiguous();
    const auto v = rows.to_vector<int64_t>();
    const int64_t line = rows.size(-1);
    for (size_t s = 0; s < v.size(); s += line)
      EXPECT_EQ(std::set<int64_t>(v.begin() + s, v.begin() + s + line).size(), static_cast<size_t>(line));
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

// wick's documented order: equal values keep their input order, in both
// directions and in topk (PyTorch promises this only for stable sorts).
TEST(Sort, TiesKeepInputOrderEverywhere) {
  Tensor x = from_vector<float>({1, 3, 3, 2, 3, NAN, 0, 3, NAN});
  EXPECT_EQ(sort(x).indices.to_vector<int64_t>(), (std::vector<int64_t>{6, 0, 3, 1, 2, 4, 7, 5, 8}));
  EXPECT_EQ(sort(x, 0, true).indices.to_vector<int64_t>(), (std::vector<int64_t>{5, 8, 1, 2, 4, 7, 3, 0, 6}));
  EXPECT_EQ(topk(x, 4).indices.to_vector<int64_t>(), (std::vector<int64_t>{5, 8, 1, 2}));
  EXPECT_EQ(topk(x, 3, 0, false).indices.to_vector<int64_t>(), (std::vector<int64_t>{6, 0, 3}));
  // -0 and +0 are equal: input order.
  EXPECT_EQ(argsort(from_vector<double>({0.0, -0.0, 0.0})).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2}));
}

TEST(Sort, ScalarAndDefaults) {
  Tensor s = full({}, 4.0, {.dtype = kFloat64});
  auto [v, i] = s.sort();
  EXPECT_EQ(v.dim(), 0);
  EXPECT_EQ(i.item(), 0);
  EXPECT_EQ(v.item(), 4.0);
  auto [tv, ti] = topk(s, 1);
  EXPECT_EQ(tv.dim(), 0);
  EXPECT_EQ(ti.dtype(), kInt64);
  // Default dim is the last one.
  Tensor m = from_vector<int64_t>({3, 1, 2, 9, 8, 7}, {2, 3});
  EXPECT_EQ(m.sort().values.to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 3, 7, 8, 9}));
  EXPECT_EQ(m.argsort(0, true).to_vector<int64_t>(), (std::vector<int64_t>{1, 1, 1, 0, 0, 0}));
}

TEST(Sort, IndicesCarryNoGradientAndArgsortRecordsNothing) {
  Tensor x = randn({3, 4}, {.dtype = kFloat64, .requires_grad = true});
  auto [v, i] = sort(x, 1);
  EXPECT_TRUE(v.requires_grad());
  EXPECT_FALSE(i.requires_grad());
  EXPECT_FALSE(argsort(x).requires_grad());
  EXPECT_FALSE(x.topk(2).indices.requires_grad());
}

TEST(Sort, Gradcheck) {
  using testing::gradcheck;
  manual_seed(11);
  Tensor a = randn({4, 5}, {.dtype = kFloat64, .requires_grad = true});
  Tensor b = randn({3, 4, 2}, {.dtype = kFloat64, .requires_grad = true});
  auto check = [](const char* label, const testing::GradFn& f, const Tensor& x) {
    testing::GradcheckResult r = gradcheck(label, f, {x});
    EXPECT_TRUE(r.ok) << r.message;
  };
  check("sort dim 1", [](const std::vector<Tensor>& in) { return sort(in[0], 1).values; }, a);
  check("sort dim 0 descending", [](const std::vector<Tensor>& in) { return sort(in[0], 0, true).values; }, a);
  check("sort 3-D dim 1", [](const std::vector<Tensor>& in) { return in[0].sort(1).values; }, b);
  check("topk 2", [](const std::vector<Tensor>& in) { return topk(in[0], 2).values; }, a);
  check("topk 3 smallest dim 0", [](const std::vector<Tensor>& in) { return topk(in[0], 3, 0, false).values; }, a);
  check("topk of a transposed view",
        [](const std::vector<Tensor>& in) { return in[0].transpose(0, 2).topk(2, 1).values; }, b);
}

TEST(Sort, ErrorsNameOpKAndSizes) {
  Tensor x = zeros({2, 3});
  EXPECT_WICK_ERROR(topk(x, 4), {"topk", "k = 4", "dim 1", "size 3", "[2, 3]", "between 0 and 3"});
  EXPECT_WICK_ERROR(topk(x, -1, 0), {"topk", "k = -1", "dim 0", "size 2"});
  EXPECT_WICK_ERROR(sort(x, 2), {"sort", "dimension 2", "out of range", "2 dims"});
  EXPECT_WICK_ERROR(argsort(x, -3), {"argsort", "dimension -3"});
  EXPECT_WICK_ERROR(sort(Tensor()), {"sort", "undefined"});
}

TEST(Sort, BackendReportsSupport) {
  backend::Backend& cpu = backend::get(DeviceType::CPU);
  for (DType dt : {kFloat32, kFloat64, kInt64, kUInt8, kBool}) {
    EXPECT_TRUE(cpu.supports("sort", dt));
    EXPECT_TRUE(cpu.supports("cumulative", dt));
  }
}

}  // namespace
}  // namespace wick
