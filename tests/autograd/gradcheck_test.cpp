// Finite-difference gradient checks in float64 for every differentiable op of
// the public API: random shapes (sizes 1..5 from a seeded generator),
// broadcasting in both directions, scalar operands, and every case run a
// second time on non-contiguous inputs.
//
// The registry is a table of named cases (grad_cases.h keeps the long list
// out of this file). kOpNames below is the list of ops that must be covered:
// the coverage test fails when one has no case, or when a case names an op
// missing from the list.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <set>

#include "autograd/grad_cases.h"
#include "autograd/gradcheck.h"

namespace wick::testing {
namespace {

// Every differentiable op of the public API. Tensor::to(kFloat32) is left
// out: a float32 round trip cannot be checked to float64 accuracy.
const std::vector<std::string> kOpNames = {
    "add", "sub", "mul", "div", "pow", "maximum", "minimum",
    "neg", "exp", "log", "log1p", "sqrt", "abs", "sign", "sigmoid", "tanh", "relu",
    "square", "reciprocal", "clamp", "where", "masked_fill",
    "sum", "mean", "prod", "max", "min", "var", "std",
    "softmax", "log_softmax", "logsumexp", "sum_to",
    "mm", "matmul", "bmm", "dot", "outer", "linear",
    "index_select", "gather", "scatter", "scatter_add", "cat", "stack", "split", "chunk",
    "reshape", "view", "transpose", "permute", "t", "slice", "narrow", "select",
    "unsqueeze", "squeeze", "expand", "flatten", "contiguous", "clone", "to",
};

// Built once, after seeding, so the random sizes repeat on every run.
const std::vector<GradCase>& registry() {
  static const std::vector<GradCase> cases = [] {
    manual_seed(20240617);
    return build_grad_cases();
  }();
  return cases;
}

struct OpOutcome {
  int64_t runs = 0;  // gradchecks run (a case counts twice with its non-contiguous run)
  std::vector<std::string> failures;
};

// Runs case `index` on contiguous, then (where allowed) non-contiguous inputs.
void run_case(size_t index, const GradCase& c, OpOutcome& out) {
  for (int layout = 0; layout < (c.noncontig ? 2 : 1); ++layout) {
    const bool noncontig = layout == 1;
    const std::string label = c.op + " (" + c.what + (noncontig ? ", non-contiguous" : "") + ")";
    try {
      // Each run reseeds, so a case draws the same values whatever the filter.
      manual_seed(1000 + 2 * index + layout);
      InputGen gen{noncontig};
      std::vector<Tensor> inputs = c.make(gen);
      if (noncontig) {
        // Guard the test itself: the non-contiguous run must really be one.
        bool any_big = false, any_noncontig = false;
        for (const Tensor& x : inputs) {
          if (!x.defined() || !x.requires_grad()) continue;
          any_big = any_big || x.numel() > 1;
          any_noncontig = any_noncontig || !x.is_contiguous();
        }
        if (any_big && !any_noncontig) {
          out.failures.push_back(label + ": test bug, no input is non-contiguous");
          continue;
        }
      }
      GradcheckResult r = gradcheck(label, c.f, inputs);
      ++out.runs;
      if (!r.ok) out.failures.push_back(r.message);
    } catch (const std::exception& e) {
      ++out.runs;
      out.failures.push_back(label + ": threw: " + e.what());
    }
  }
}

// Results per op, computed on first use (the per-op tests and the coverage
// test share them, whichever runs first).
const OpOutcome& outcome(const std::string& op) {
  static std::map<std::string, OpOutcome> done;
  auto it = done.find(op);
  if (it != done.end()) return it->second;
  OpOutcome& out = done[op];
  const auto& cases = registry();
  for (size_t i = 0; i < cases.size(); ++i)
    if (cases[i].op == op) run_case(i, cases[i], out);
  return out;
}

class GradCheckOp : public ::testing::TestWithParam<std::string> {};

TEST_P(GradCheckOp, AnalyticMatchesNumeric) {
  const OpOutcome& out = outcome(GetParam());
  EXPECT_GT(out.runs, 0) << "no case for op " << GetParam();
  for (const std::string& f : out.failures) ADD_FAILURE() << f;
}

INSTANTIATE_TEST_SUITE_P(GradCheck, GradCheckOp, ::testing::ValuesIn(kOpNames),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(GradCheckCoverage, EveryListedOpHasPassingCases) {
  const std::set<std::string> listed(kOpNames.begin(), kOpNames.end());
  ASSERT_EQ(listed.size(), kOpNames.size()) << "an op is listed twice";

  std::set<std::string> with_case;
  size_t case_count = 0;
  for (const GradCase& c : registry()) {
    EXPECT_TRUE(listed.count(c.op)) << "case '" << c.what << "' names op '" << c.op
                                    << "', which is not in kOpNames";
    with_case.insert(c.op);
    ++case_count;
  }
  for (const std::string& op : kOpNames) EXPECT_TRUE(with_case.count(op)) << "op " << op << " has no case";

  // An op counts as checked when it has cases and all of them passed.
  int64_t checked = 0, runs = 0;
  std::vector<std::string> failing;
  for (const std::string& op : with_case) {
    const OpOutcome& out = outcome(op);
    runs += out.runs;
    if (out.runs > 0 && out.failures.empty()) ++checked;
    else failing.push_back(op);
  }
  std::cout << "gradcheck: " << checked << " ops checked (" << case_count << " cases, " << runs
            << " gradcheck runs)";
  if (!failing.empty()) {
    std::cout << "; failing:";
    for (const std::string& op : failing) std::cout << " " << op;
  }
  std::cout << std::endl;
  EXPECT_GE(checked, static_cast<int64_t>(kOpNames.size()));
}

}  // namespace
}  // namespace wick::testing
