#pragma once
// Schedules that scale the lr by a factor, as torch.optim.lr_scheduler in
// PyTorch 1.13 (see schedule.h for what all schedules share). LinearLR is the
// usual warmup; SequentialLR (schedule_sequential.h) hands over to the main
// schedule after it:
//
//   optim::LinearLR warmup(opt, {.start_factor = 0.1, .total_iters = 5});
//   optim::LambdaLR sched(opt, [](int64_t epoch) { return std::pow(0.95, epoch); });
//
// LambdaLR and MultiplicativeLR keep the function out of state_dict(), as
// PyTorch does for functions and lambdas: pass the same function when
// rebuilding the scheduler to resume.
#include <cstdint>
#include <functional>

#include "wick/optim/schedule.h"

namespace wick::optim {

struct LinearLROptions {
  double start_factor = 1.0 / 3;  // in (0, 1]
  double end_factor = 1.0;        // in [0, 1]
  int64_t total_iters = 5;        // > 0
};

// lr = base_lr * factor, the factor going linearly from start_factor to
// end_factor over total_iters epochs, then staying there.
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& opt, const LinearLROptions& options = {});

 protected:
  double compute_lr() override;
  std::optional<double> closed_form_lr() const override;

 private:
  LinearLROptions options_;
};

struct ConstantLROptions {
  double factor = 1.0 / 3;  // in (0, 1]
  int64_t total_iters = 5;  // > 0
};

// lr = base_lr * factor for the first total_iters epochs, then base_lr.
class ConstantLR : public LRScheduler {
 public:
  ConstantLR(Optimizer& opt, const ConstantLROptions& options = {});

 protected:
  double compute_lr() override;
  std::optional<double> closed_form_lr() const override;

 private:
  ConstantLROptions options_;
};

// A function of the epoch (0, 1, 2, ...).
using LRLambda = std::function<double(int64_t)>;

// lr = base_lr * lr_lambda(epoch).
class LambdaLR : public LRScheduler {
 public:
  LambdaLR(Optimizer& opt, LRLambda lr_lambda);

 protected:
  double compute_lr() override;

 private:
  LRLambda lr_lambda_;
};

// lr *= lr_lambda(epoch) at every step after the first (epoch >= 1).
class MultiplicativeLR : public LRScheduler {
 public:
  MultiplicativeLR(Optimizer& opt, LRLambda lr_lambda);

 protected:
  double compute_lr() override;

 private:
  LRLambda lr_lambda_;
};

}  // namespace wick::optim
