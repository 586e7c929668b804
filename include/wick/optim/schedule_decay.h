#pragma once
// Decaying learning-rate schedules, as torch.optim.lr_scheduler in PyTorch 1.13
// (see schedule.h for what all schedules share: construction takes the initial
// step, values follow PyTorch's recursive forms, state_dict() holds
// "base_lrs", "last_epoch", "_step_count", "_last_lr"):
//
//   optim::MultiStepLR sched(opt, {.milestones = {30, 80}, .gamma = 0.1});
//   for (epoch ...) { train(...); sched.step(); }
#include <cstdint>
#include <vector>

#include "wick/optim/schedule.h"

namespace wick::optim {

struct MultiStepLROptions {
  std::vector<int64_t> milestones;  // required: epochs, increasing, >= 0
  double gamma = 0.1;               // >= 0
};

// lr *= gamma at each milestone epoch.
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& opt, const MultiStepLROptions& options);

 protected:
  double compute_lr() override;
  std::optional<double> closed_form_lr() const override;

 private:
  MultiStepLROptions options_;
};

struct ExponentialLROptions {
  double gamma = 0;  // required, >= 0 (usually just below 1)
};

// lr *= gamma every epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& opt, const ExponentialLROptions& options);

 protected:
  double compute_lr() override;
  std::optional<double> closed_form_lr() const override;

 private:
  ExponentialLROptions options_;
};

struct PolynomialLROptions {
  int64_t total_iters = 5;  // > 0: epochs until the lr reaches 0
  double power = 1;         // >= 0 (1: linear decay)
};

// lr = base_lr * (1 - epoch / total_iters) ^ power, down to 0 at total_iters.
class PolynomialLR : public LRScheduler {
 public:
  PolynomialLR(Optimizer& opt, const PolynomialLROptions& options = {});

 protected:
  double compute_lr() override;
  std::optional<double> closed_form_lr() const override;

 private:
  PolynomialLROptions options_;
};

}  // namespace wick::optim
