#pragma once
// SGDR: cosine annealing with warm restarts, as PyTorch 1.13's
// CosineAnnealingWarmRestarts (see schedule.h for what all schedules share).
//
//   optim::CosineAnnealingWarmRestarts sched(opt, {.T_0 = 10, .T_mult = 2});
//   for (epoch ...) for (i, batch ...) { ...; sched.step(epoch + double(i) / iters); }
//
// step() advances one epoch; step(epoch) jumps to an epoch, whole or
// fractional (per-batch restarts, as PyTorch's step(epoch + i / iters)).
// state_dict() adds "T_i" (the current period) and "T_cur" (epochs into it)
// to the common keys; "_step_count" stays 0, as PyTorch's step() leaves it.
#include <cstdint>

#include "wick/optim/schedule.h"

namespace wick::optim {

struct CosineAnnealingWarmRestartsOptions {
  int64_t T_0 = 0;     // required, > 0: epochs until the first restart
  int64_t T_mult = 1;  // >= 1: each period is T_mult times the one before
  double eta_min = 0;  // the lowest lr
};

class CosineAnnealingWarmRestarts : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(Optimizer& opt, const CosineAnnealingWarmRestartsOptions& options);

  using LRScheduler::step;
  void step() override;
  // A fractional epoch >= 0; last_epoch() becomes its floor.
  void step(double epoch);
  int64_t T_i() const { return T_i_; }
  double T_cur() const { return T_cur_; }

  TensorDict state_dict() const override;
  void load_state_dict(const TensorDict& state) override;

 protected:
  void step_to(int64_t epoch) override;
  double compute_lr() override;

 private:
  // PyTorch's step(epoch): epoch empty for step().
  void advance(std::optional<double> epoch);
  CosineAnnealingWarmRestartsOptions options_;
  int64_t T_i_;
  double T_cur_ = -1;
};

}  // namespace wick::optim
