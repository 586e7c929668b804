// Schedules beyond the PyTorch value sequences (optim_reference_test.cpp):
// state round trips, errors, and hand-set learning rates.
#include <gtest/gtest.h>

#include <functional>

#include "core/expect_error.h"
#include "wick/creation.h"
#include "wick/optim/optim.h"

using namespace wick;

namespace {

Tensor param() { return zeros({2}, {.dtype = kFloat64, .requires_grad = true}); }

using MakeSched = std::function<std::unique_ptr<optim::LRScheduler>(optim::Optimizer&)>;

TEST(Schedule, StateRoundTripContinuesIdentically) {
  std::vector<std::pair<const char*, MakeSched>> cases = {
      {"step", [](optim::Optimizer& o) { return std::make_unique<optim::StepLR>(o, optim::StepLROptions{.step_size = 3, .gamma = 0.5}); }},
      {"cos", [](optim::Optimizer& o) {
         return std::make_unique<optim::CosineAnnealingLR>(o, optim::CosineAnnealingLROptions{.T_max = 4, .eta_min = 0.01});
       }},
      {"onecycle", [](optim::Optimizer& o) {
         return std::make_unique<optim::OneCycleLR>(o, optim::OneCycleLROptions{.max_lr = 0.5, .total_steps = 12});
       }},
  };
  for (auto& [name, make] : cases) {
    SCOPED_TRACE(name);
    optim::SGD a({param()}, {.lr = 0.1, .momentum = 0.9});
    auto sa = make(a);
    std::vector<double> straight;
    for (int s = 0; s < 10; ++s) {
      sa->step();
      straight.push_back(a.lr());
      straight.push_back(a.momentum());
    }
    optim::SGD b({param()}, {.lr = 0.1, .momentum = 0.9});
    auto sb = make(b);
    std::vector<double> resumed;
    for (int s = 0; s < 4; ++s) {
      sb->step();
      resumed.push_back(b.lr());
      resumed.push_back(b.momentum());
    }
    TensorDict opt_state = b.state_dict(), sched_state = sb->state_dict();
    // Resume as a training script would: build both again, then load both.
    optim::SGD c({param()}, {.lr = 0.1, .momentum = 0.9});
    auto sc = make(c);
    c.load_state_dict(opt_state);
    sc->load_state_dict(sched_state);
    EXPECT_EQ(sc->last_epoch(), 4);
    EXPECT_EQ(sc->get_last_lr(), sb->get_last_lr());
    for (int s = 4; s < 10; ++s) {
      sc->step();
      resumed.push_back(c.lr());
      resumed.push_back(c.momentum());
    }
    EXPECT_EQ(resumed, straight);
  }
}

TEST(Schedule, PlateauStateRoundTrip) {
  std::vector<double> metrics = {1, 0.9, 0.95, 0.96, 0.97, 0.8, 0.81, 0.82, 0.83, 0.84, 0.85};
  optim::SGD a({param()}, {.lr = 1});
  optim::ReduceLROnPlateau pa(a, {.factor = 0.5, .patience = 1, .cooldown = 1});
  std::vector<double> straight, resumed;
  for (double m : metrics) {
    pa.step(m);
    straight.push_back(a.lr());
  }
  optim::SGD b({param()}, {.lr = 1});
  optim::ReduceLROnPlateau pb(b, {.factor = 0.5, .patience = 1, .cooldown = 1});
  for (size_t i = 0; i < 4; ++i) {
    pb.step(metrics[i]);
    resumed.push_back(b.lr());
  }
  optim::SGD c({param()}, {.lr = 1});
  optim::ReduceLROnPlateau pc(c, {.factor = 0.5, .patience = 1, .cooldown = 1});
  c.load_state_dict(b.state_dict());
  pc.load_state_dict(pb.state_dict());
  EXPECT_EQ(pc.best(), 0.9);
  for (size_t i = 4; i < metrics.size(); ++i) {
    pc.step(metrics[i]);
    resumed.push_back(c.lr());
  }
  EXPECT_EQ(resumed, straight);
  EXPECT_LT(straight.back(), 1.0);
}

TEST(Schedule, ChainableFormFollowsHandSetLearningRate) {
  // As PyTorch's StepLR: the decay multiplies whatever lr the optimizer has.
  optim::SGD opt({param()}, {.lr = 1});
  optim::StepLR sched(opt, {.step_size = 2, .gamma = 0.5});
  sched.step();
  opt.set_lr(4);
  sched.step();
  EXPECT_EQ(opt.lr(), 2);
  EXPECT_EQ(sched.get_last_lr(), std::vector<double>{2});
}

TEST(Schedule, RejectsBadOptions) {
  optim::SGD opt({param()}, {.lr = 0.1, .momentum = 0.9});
  EXPECT_WICK_ERROR(optim::StepLR(opt, {.step_size = 0}), {"StepLR", "step_size"});
  EXPECT_WICK_ERROR(optim::CosineAnnealingLR(opt, {.T_max = 0}), {"CosineAnnealingLR", "T_max"});
  EXPECT_WICK_ERROR(optim::OneCycleLR(opt, {.total_steps = 10}), {"OneCycleLR", "max_lr"});
  EXPECT_WICK_ERROR(optim::OneCycleLR(opt, {.max_lr = 0.1}), {"OneCycleLR", "total_steps"});
  EXPECT_WICK_ERROR(optim::OneCycleLR(opt, {.max_lr = 0.1, .total_steps = 10, .pct_start = 1.5}),
                    {"OneCycleLR", "pct_start", "1.5"});
  EXPECT_WICK_ERROR(optim::OneCycleLR(opt, {.max_lr = 0.1, .total_steps = 10, .anneal_strategy = "exp"}),
                    {"OneCycleLR", "anneal_strategy", "exp"});
  EXPECT_WICK_ERROR(optim::ReduceLROnPlateau(opt, {.factor = 1.0}), {"ReduceLROnPlateau", "factor"});
  EXPECT_WICK_ERROR(optim::ReduceLROnPlateau(opt, {.mode = "lowest"}), {"ReduceLROnPlateau", "mode", "lowest"});
  EXPECT_WICK_ERROR(optim::ReduceLROnPlateau(opt, {.threshold_mode = "pct"}),
                    {"ReduceLROnPlateau", "threshold_mode", "pct"});

  optim::OneCycleLR one(opt, {.max_lr = 0.1, .total_steps = 3});
  for (int s = 0; s < 3; ++s) one.step();
  EXPECT_WICK_ERROR(one.step(), {"OneCycleLR", "tried to step 5 times", "total_steps is 3"});
  EXPECT_EQ(one.last_epoch(), 3);  // the failed step changed nothing

  optim::StepLR st(opt, {.step_size = 2});
  TensorDict sd = st.state_dict();
  sd.erase("base_lrs");
  sd.insert("best", tensor(1.0, {.dtype = kFloat64}));
  EXPECT_WICK_ERROR(st.load_state_dict(sd), {"StepLR.load_state_dict", "unexpected key best", "missing key base_lrs"});
}

}  // namespace
