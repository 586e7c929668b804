#pragma once
// Schedules made of schedules, as PyTorch 1.13's SequentialLR and
// ChainedScheduler. The usual warmup-then-cosine recipe:
//
//   auto warmup = std::make_shared<optim::LinearLR>(opt, optim::LinearLROptions{.start_factor = 0.1, .total_iters = 5});
//   auto cosine = std::make_shared<optim::CosineAnnealingLR>(opt, optim::CosineAnnealingLROptions{.T_max = 95});
//   optim::SequentialLR sched(opt, {warmup, cosine}, {5});
//   for (epoch ...) { train(...); sched.step(); }
//
// Build the inner schedules on the same optimizer first (as in PyTorch, the
// first one built fixes the base lr of all), then the composite; step only the
// composite. It shares ownership of the inner ones.
//
// state_dict(): "last_epoch" (SequentialLR only) and "_last_lr", and each
// inner schedule's state under "_schedulers.<i>." (PyTorch's nested list,
// flattened). The function of a LambdaLR inside is not saved, as in PyTorch.
#include <cstdint>
#include <memory>
#include <vector>

#include "wick/optim/schedule.h"

namespace wick::optim {

// schedulers[0] until milestones[0], then schedulers[1] until milestones[1],
// and so on. As PyTorch 1.13 (which this reproduces, surprises included):
// - construction sets the lr back to the initial lr and redoes only the first
//   schedule's initial step (the others' initial steps are undone);
// - at milestone m the next schedule is restarted with step(0): its closed
//   form at epoch 0 where it has one (CosineAnnealingLR: exactly the base lr;
//   ConstantLR/LinearLR: base lr * factor), else its recursive form at
//   epoch 0 (MultiplicativeLR: the lr stays where the previous one left it).
//   Its own epochs then count from the milestone, not from the start.
class SequentialLR : public LRScheduler {
 public:
  SequentialLR(Optimizer& opt, std::vector<std::shared_ptr<LRScheduler>> schedulers, std::vector<int64_t> milestones);

  using LRScheduler::step;
  void step() override;
  const std::vector<std::shared_ptr<LRScheduler>>& schedulers() const { return schedulers_; }

  TensorDict state_dict() const override;
  void load_state_dict(const TensorDict& state) override;

 protected:
  void step_to(int64_t epoch) override;
  double compute_lr() override { return opt_.lr(); }  // unused: step() is its own

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

// Steps every schedule in turn at each step(): their factors multiply (e.g.
// ConstantLR for a warmup with ExponentialLR underneath). last_epoch() counts
// the steps (PyTorch's ChainedScheduler has none); state_dict() has
// "_last_lr" and "_schedulers.<i>.*".
class ChainedScheduler : public LRScheduler {
 public:
  explicit ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers);

  using LRScheduler::step;
  void step() override;
  const std::vector<std::shared_ptr<LRScheduler>>& schedulers() const { return schedulers_; }

  TensorDict state_dict() const override;
  void load_state_dict(const TensorDict& state) override;

 protected:
  void step_to(int64_t epoch) override;
  double compute_lr() override { return opt_.lr(); }  // unused: step() is its own

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
};

}  // namespace wick::optim
