// Optimizer trajectories and schedule values against PyTorch 1.13 (fixtures
// from tests/reference/make_optim_fixtures.py). Every optimizer option
// combination runs 6 steps on three parameters, one of which has no gradient
// at step 2, in float64 (to 1e-6 relative), in float32, and with a
// non-contiguous parameter that takes the composed (non-fused) path.
#include <gtest/gtest.h>

#include <cmath>

#include "optim/optim_fixtures.h"
#include "wick/creation.h"

using namespace wick;
using wick::testing::OptimCase;

namespace {

const std::vector<Shape> kShapes = {{3, 4}, {5}, {2, 2}};
constexpr int kMissingParam = 2, kMissingStep = 2;

std::vector<int64_t> offsets() {
  std::vector<int64_t> off{0};
  for (const Shape& s : kShapes) off.push_back(off.back() + s[0] * (s.size() > 1 ? s[1] : 1));
  return off;
}

enum class Layout { Float64, Float32, NonContiguous };

// Parameter i of the flat vector `flat` ([N] float64), as a leaf of `dtype`.
// NonContiguous makes parameter 0 a transposed view (a leaf of its own).
Tensor make_param(const Tensor& flat, size_t i, Layout layout) {
  auto off = offsets();
  Tensor v = flat.narrow(0, off[i], off[i + 1] - off[i]).reshape(kShapes[i]);
  DType dt = layout == Layout::Float32 ? kFloat32 : kFloat64;
  Tensor p;
  if (layout == Layout::NonContiguous && i == 0) {
    p = v.t().contiguous().to(dt).t().detach();  // [3,4] over a [4,3] buffer
    EXPECT_FALSE(p.is_contiguous());
  } else {
    p = v.to(dt).clone().detach();
  }
  p.requires_grad_();
  return p;
}

std::vector<double> flatten(const std::vector<Tensor>& params) {
  std::vector<double> out;
  for (const Tensor& p : params)
    for (double x : p.detach().to(kFloat64).contiguous().to_vector<double>()) out.push_back(x);
  return out;
}

void run_case(const OptimCase& c, Layout layout) {
  SCOPED_TRACE(c.name);
  Tensor params0 = load_npy(wick::testing::kOptimDataDir + "params0.npy");
  Tensor grads = load_npy(wick::testing::kOptimDataDir + "grads.npy");
  Tensor expected = load_npy(wick::testing::kOptimDataDir + c.name + ".npy");
  const DType dt = layout == Layout::Float32 ? kFloat32 : kFloat64;
  std::vector<Tensor> params;
  for (size_t i = 0; i < kShapes.size(); ++i) params.push_back(make_param(params0, i, layout));
  auto opt = wick::testing::make_optimizer(c.kind, c, params);
  std::unique_ptr<optim::LRScheduler> sched;
  if (c.has("sched")) sched = wick::testing::make_scheduler(c.str("sched", ""), c, *opt, "s.");
  auto off = offsets();
  const double rtol = layout == Layout::Float32 ? 1e-4 : 1e-6, atol = layout == Layout::Float32 ? 1e-5 : 1e-12;
  for (int64_t s = 0; s < expected.size(0); ++s) {
    for (size_t i = 0; i < params.size(); ++i) {
      if (static_cast<int>(i) == kMissingParam && s == kMissingStep) {
        params[i].set_grad(Tensor());
        continue;
      }
      Tensor g = grads[s].narrow(0, off[i], off[i + 1] - off[i]).reshape(kShapes[i]).to(dt).clone();
      params[i].set_grad(g);
    }
    opt->step();
    if (sched) sched->step();
    std::vector<double> got = flatten(params), want = expected[s].to_vector<double>();
    ASSERT_EQ(got.size(), want.size());
    for (size_t j = 0; j < got.size(); ++j)
      ASSERT_LE(std::abs(got[j] - want[j]), atol + rtol * std::abs(want[j]))
          << "step " << s << " element " << j << ": wick " << got[j] << " vs PyTorch " << want[j];
  }
}

class OptimReference : public ::testing::TestWithParam<Layout> {};

TEST_P(OptimReference, EveryOptionCombinationMatchesPyTorch) {
  int n = 0;
  for (const OptimCase& c : wick::testing::read_optim_manifest()) {
    if (c.kind != "SGD" && c.kind != "Adam" && c.kind != "AdamW" && c.kind != "RMSprop") continue;
    run_case(c, GetParam());
    ++n;
  }
  EXPECT_EQ(n, 34);  // 31 option combinations + 3 optimizer/schedule combinations
}

INSTANTIATE_TEST_SUITE_P(Layouts, OptimReference,
                         ::testing::Values(Layout::Float64, Layout::Float32, Layout::NonContiguous),
                         [](const auto& info) {
                           return info.param == Layout::Float64   ? std::string("Float64")
                                  : info.param == Layout::Float32 ? std::string("Float32")
                                                                  : std::string("NonContiguous");
                         });

TEST(ScheduleReference, LearningRatesAndMomentaMatchPyTorch) {
  int n = 0;
  for (const OptimCase& c : wick::testing::read_optim_manifest()) {
    const bool plateau = c.kind == "ReduceLROnPlateau";
    if (!plateau && c.kind != "StepLR" && c.kind != "CosineAnnealingLR" && c.kind != "OneCycleLR") continue;
    SCOPED_TRACE(c.name);
    ++n;
    Tensor p = zeros({2}, {.dtype = kFloat64, .requires_grad = true});
    auto opt = wick::testing::make_optimizer(c.str("opt", ""), c, {p}, "o.");
    std::vector<double> want = load_npy(wick::testing::kOptimDataDir + "sched_" + c.name + ".npy").to_vector<double>();
    std::vector<double> want_mom =
        load_npy(wick::testing::kOptimDataDir + "sched_" + c.name + ".mom.npy").to_vector<double>();
    std::vector<double> lrs, moms;
    if (plateau) {
      optim::ReduceLROnPlateau sched(*opt, wick::testing::plateau_options(c));
      for (double m : load_npy(wick::testing::kOptimDataDir + "sched_" + c.name + ".metrics.npy").to_vector<double>()) {
        sched.step(m);
        lrs.push_back(sched.get_last_lr()[0]);
        moms.push_back(opt->momentum());
        EXPECT_EQ(lrs.back(), opt->lr());
      }
    } else {
      auto sched = wick::testing::make_scheduler(c.kind, c, *opt);
      lrs.push_back(sched->get_last_lr()[0]);
      moms.push_back(opt->momentum());
      for (int64_t s = 0; s < static_cast<int64_t>(c.num("steps", 0)); ++s) {
        opt->step();
        sched->step();
        lrs.push_back(sched->get_last_lr()[0]);
        moms.push_back(opt->momentum());
        EXPECT_EQ(lrs.back(), opt->lr());
      }
    }
    ASSERT_EQ(lrs.size(), want.size());
    for (size_t j = 0; j < lrs.size(); ++j) {
      EXPECT_NEAR(lrs[j], want[j], 1e-12 * std::abs(want[j]) + 1e-15) << "lr at step " << j;
      EXPECT_NEAR(moms[j], want_mom[j], 1e-12) << "momentum at step " << j;
    }
  }
  EXPECT_EQ(n, 9);
}

}  // namespace
