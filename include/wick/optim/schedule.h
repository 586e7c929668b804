#pragma once
// Learning-rate schedules, as torch.optim.lr_scheduler in PyTorch 1.13. Each
// wraps an Optimizer (which must outlive it) and drives it with set_lr():
//
//   optim::SGD opt(model.parameters(), {.lr = 0.1, .momentum = 0.9});
//   optim::StepLR sched(opt, {.step_size = 30, .gamma = 0.1});
//   for (epoch ...) { train(...); sched.step(); }
//
// Construction takes PyTorch's initial step (last_epoch becomes 0). Values
// follow PyTorch's recursive ("chainable") forms step by step, so
// get_last_lr() matches PyTorch's to the last bit of its arithmetic, and a
// learning rate changed by hand between steps carries on as it does there.
//
// state_dict() holds the scheduler's mutable state as 0-d float64 tensors
// under PyTorch's attribute names ("last_epoch", "_step_count", "base_lrs",
// "_last_lr"; ReduceLROnPlateau: "best", "num_bad_epochs", "cooldown_counter",
// "last_epoch"). The hyper-parameters come from the constructor's options:
// to resume, build the scheduler as before, then load both the optimizer's and
// the scheduler's state.
//
// As PyTorch, the first scheduler built on an optimizer records its lr as the
// optimizer's initial lr, and every scheduler's base lr is that initial lr (a
// cosine built after a warmup's LinearLR anneals from the full lr, not from the
// warmup's first value). More schedules: schedule_decay.h (MultiStepLR,
// ExponentialLR, PolynomialLR), schedule_factor.h (LinearLR, ConstantLR,
// LambdaLR, MultiplicativeLR), schedule_restarts.h
// (CosineAnnealingWarmRestarts), schedule_sequential.h (SequentialLR,
// ChainedScheduler).
#include <concepts>
#include <optional>
#include <string>
#include <vector>

#include "wick/optim/optimizer.h"
#include "wick/tensor_dict.h"

namespace wick::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  // Advances one epoch (or batch, for OneCycleLR) and sets the optimizer's lr.
  virtual void step();
  // PyTorch's deprecated step(epoch): jumps to `epoch`, with the closed form
  // where PyTorch has one (else the recursive one). SequentialLR uses
  // step(0) at its milestones, as PyTorch's does.
  template <std::integral I>
  void step(I epoch) {
    step_to(static_cast<int64_t>(epoch));
  }
  // One value per parameter group (wick optimizers have one), as PyTorch.
  std::vector<double> get_last_lr() const { return {last_lr_}; }
  int64_t last_epoch() const { return last_epoch_; }
  Optimizer& optimizer() const { return opt_; }

  virtual TensorDict state_dict() const;
  virtual void load_state_dict(const TensorDict& state);

 protected:
  LRScheduler(Optimizer& opt, std::string name);
  // PyTorch's initial step; derived constructors call it last.
  void initial_step();
  virtual void step_to(int64_t epoch);
  // The lr for last_epoch_ (already advanced), from the optimizer's current lr.
  virtual double compute_lr() = 0;
  // PyTorch's _get_closed_form_lr (used by step(epoch)); none by default.
  virtual std::optional<double> closed_form_lr() const { return std::nullopt; }
  // Sets the optimizer's lr (any value, as PyTorch's schedules may) and last_lr_.
  void apply_lr(double lr);
  // The optimizer's initial lr (see above).
  double initial_lr() const;
  void set_initial_lr(double lr);
  void set_optimizer_lr(double lr);

  Optimizer& opt_;
  std::string name_;
  double base_lr_;
  int64_t last_epoch_ = -1;
  int64_t step_count_ = 0;
  double last_lr_ = 0;

 private:
  // They step, rewind and read the schedulers they hold, as PyTorch's do.
  friend class SequentialLR;
  friend class ChainedScheduler;
};

struct StepLROptions {
  int64_t step_size = 0;  // required, > 0
  double gamma = 0.1;     // >= 0
};

// lr *= gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& opt, const StepLROptions& options);

 protected:
  double compute_lr() override;
  std::optional<double> closed_form_lr() const override;

 private:
  StepLROptions options_;
};

struct CosineAnnealingLROptions {
  int64_t T_max = 0;  // required, > 0
  double eta_min = 0;
};

// Half a cosine from the initial lr down to eta_min over T_max epochs, then
// back up (the periodic continuation PyTorch's recursive form produces).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& opt, const CosineAnnealingLROptions& options);

 protected:
  double compute_lr() override;
  std::optional<double> closed_form_lr() const override;

 private:
  CosineAnnealingLROptions options_;
};

struct OneCycleLROptions {
  double max_lr = 0;        // required, > 0
  int64_t total_steps = 0;  // required, > 0: step() may be called this many times
  double pct_start = 0.3;
  std::string anneal_strategy = "cos";  // "cos" or "linear"
  // As PyTorch, momentum (SGD, RMSprop) or beta1 (Adam, AdamW) cycles inversely
  // to the lr between max_momentum and base_momentum, unless turned off.
  bool cycle_momentum = true;
  double base_momentum = 0.85;
  double max_momentum = 0.95;
  double div_factor = 25;
  double final_div_factor = 1e4;
  bool three_phase = false;
};

// The 1cycle policy: warm up from max_lr/div_factor to max_lr, then anneal to
// max_lr/(div_factor*final_div_factor). Step it once per batch.
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& opt, const OneCycleLROptions& options);

 protected:
  double compute_lr() override;

 private:
  struct Phase {
    double end_step, start_lr, end_lr, start_momentum, end_momentum;
  };
  double anneal(double start, double end, double pct) const;
  OneCycleLROptions options_;
  std::vector<Phase> phases_;
};

struct ReduceLROnPlateauOptions {
  std::string mode = "min";  // "min": lower metric is better; "max": higher
  double factor = 0.1;       // < 1
  int64_t patience = 10;
  double threshold = 1e-4;
  std::string threshold_mode = "rel";  // "rel" or "abs"
  int64_t cooldown = 0;
  double min_lr = 0;
  double eps = 1e-8;  // reductions smaller than this are skipped
};

// Multiplies the lr by factor when the metric has not improved for more than
// `patience` epochs. Step it with the metric: sched.step(val_loss).
class ReduceLROnPlateau {
 public:
  ReduceLROnPlateau(Optimizer& opt, const ReduceLROnPlateauOptions& options = {});
  ReduceLROnPlateau(const ReduceLROnPlateau&) = delete;
  ReduceLROnPlateau& operator=(const ReduceLROnPlateau&) = delete;

  void step(double metric);
  // The optimizer's lr after the last step (its current lr before any).
  std::vector<double> get_last_lr() const { return {last_lr_}; }
  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  Optimizer& optimizer() const { return opt_; }

  TensorDict state_dict() const;
  void load_state_dict(const TensorDict& state);

 private:
  bool is_better(double a, double best) const;
  Optimizer& opt_;
  ReduceLROnPlateauOptions options_;
  double best_;
  int64_t num_bad_epochs_ = 0;
  int64_t cooldown_counter_ = 0;
  int64_t last_epoch_ = 0;
  double last_lr_;
};

}  // namespace wick::optim
