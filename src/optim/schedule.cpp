#include "wick/optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "schedule_state.h"
#include "wick/creation.h"

namespace wick::optim {

namespace detail {

Tensor state_scalar(double v) { return full({}, v, {.dtype = kFloat64}); }

void load_fields(const std::string& op, const TensorDict& sd, const std::vector<std::pair<const char*, double*>>& fields) {
  std::vector<std::string> problems;
  for (const auto& [key, t] : sd) {
    bool known = false;
    for (const auto& f : fields) known = known || key == f.first;
    if (!known) problems.push_back("unexpected key " + key);
    else if (!t.defined() || t.numel() != 1) problems.push_back(key + " must hold one number");
  }
  for (const auto& f : fields)
    if (!sd.count(f.first)) problems.push_back(std::string("missing key ") + f.first);
  if (!problems.empty()) {
    std::string msg = op + ": cannot load this state (was it saved from another scheduler?): ";
    for (size_t i = 0; i < problems.size(); ++i) msg += (i ? ", " : "") + problems[i];
    throw Error(msg);
  }
  for (const auto& f : fields) *f.second = sd.at(f.first).item();
}

}  // namespace detail

namespace {

using detail::load_fields;
Tensor scalar(double v) { return detail::state_scalar(v); }

// Python's // for a positive divisor.
int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b < 0 ? 1 : 0); }

// Python's % for a positive divisor (the result has the divisor's sign).
int64_t floor_mod(int64_t a, int64_t b) {
  const int64_t r = a % b;
  return r < 0 ? r + b : r;
}

}  // namespace

// ---------------------------------------------------------------- LRScheduler

LRScheduler::LRScheduler(Optimizer& opt, std::string name)
    : opt_(opt), name_(std::move(name)), base_lr_(opt.lr()), last_lr_(opt.lr()) {}

void LRScheduler::initial_step() {
  // PyTorch: group.setdefault("initial_lr", group["lr"]); base_lrs from it.
  // Here, after the options were checked: a refused schedule leaves the
  // optimizer as it was, as in PyTorch.
  if (!opt_.initial_lr_) opt_.initial_lr_ = opt_.lr();
  base_lr_ = *opt_.initial_lr_;
  step_count_ = 0;
  step();
}

double LRScheduler::initial_lr() const { return opt_.initial_lr_.value_or(opt_.lr()); }

void LRScheduler::set_initial_lr(double lr) { opt_.initial_lr_ = lr; }

void LRScheduler::set_optimizer_lr(double lr) { opt_.set_lr_unchecked(lr); }

void LRScheduler::apply_lr(double lr) {
  opt_.set_lr_unchecked(lr);
  last_lr_ = opt_.lr();
}

void LRScheduler::step_to(int64_t epoch) {
  const int64_t saved_epoch = last_epoch_;
  ++step_count_;
  last_epoch_ = epoch;
  double lr;
  try {
    const std::optional<double> closed = closed_form_lr();
    lr = closed ? *closed : compute_lr();
  } catch (...) {
    --step_count_;
    last_epoch_ = saved_epoch;
    throw;
  }
  apply_lr(lr);
}

void LRScheduler::step() {
  ++step_count_;
  ++last_epoch_;
  double lr;
  try {
    lr = compute_lr();
  } catch (...) {
    --step_count_;
    --last_epoch_;
    throw;
  }
  apply_lr(lr);
}

TensorDict LRScheduler::state_dict() const {
  TensorDict out;
  out.insert("base_lrs", tensor({base_lr_}, {.dtype = kFloat64}));
  out.insert("last_epoch", scalar(static_cast<double>(last_epoch_)));
  out.insert("_step_count", scalar(static_cast<double>(step_count_)));
  out.insert("_last_lr", tensor({last_lr_}, {.dtype = kFloat64}));
  return out;
}

void LRScheduler::load_state_dict(const TensorDict& sd) {
  double last_epoch = 0, step_count = 0, base_lr = 0, last_lr = 0;
  load_fields(name_ + ".load_state_dict", sd,
              {{"base_lrs", &base_lr}, {"last_epoch", &last_epoch}, {"_step_count", &step_count},
               {"_last_lr", &last_lr}});
  base_lr_ = base_lr;
  last_epoch_ = static_cast<int64_t>(last_epoch);
  step_count_ = static_cast<int64_t>(step_count);
  last_lr_ = last_lr;
}

// --------------------------------------------------------------------- StepLR

StepLR::StepLR(Optimizer& opt, const StepLROptions& options) : LRScheduler(opt, "StepLR"), options_(options) {
  WICK_CHECK(options_.step_size > 0, "StepLR: step_size must be a positive number of epochs, got ",
             options_.step_size, ", e.g. optim::StepLR(opt, {.step_size = 30, .gamma = 0.1})");
  WICK_CHECK(options_.gamma >= 0 && std::isfinite(options_.gamma),
             "StepLR: gamma must be a finite factor >= 0 (usually in (0, 1)), got ", options_.gamma);
  initial_step();
}

std::optional<double> StepLR::closed_form_lr() const {
  return base_lr_ * std::pow(options_.gamma, static_cast<double>(floor_div(last_epoch_, options_.step_size)));
}

double StepLR::compute_lr() {
  const double lr = opt_.lr();
  if (last_epoch_ == 0 || last_epoch_ % options_.step_size != 0) return lr;
  return lr * options_.gamma;
}

// ---------------------------------------------------------- CosineAnnealingLR

CosineAnnealingLR::CosineAnnealingLR(Optimizer& opt, const CosineAnnealingLROptions& options)
    : LRScheduler(opt, "CosineAnnealingLR"), options_(options) {
  WICK_CHECK(options_.T_max > 0, "CosineAnnealingLR: T_max must be a positive number of epochs, got ",
             options_.T_max, ", e.g. optim::CosineAnnealingLR(opt, {.T_max = 100})");
  initial_step();
}

std::optional<double> CosineAnnealingLR::closed_form_lr() const {
  const double eta_min = options_.eta_min;
  return eta_min + (base_lr_ - eta_min) *
                       (1 + std::cos(std::numbers::pi * static_cast<double>(last_epoch_) /
                                     static_cast<double>(options_.T_max))) /
                       2;
}

double CosineAnnealingLR::compute_lr() {
  // PyTorch's recursive form, term for term (its values differ from the
  // closed form in the last bits, and follow hand-made lr changes).
  constexpr double pi = std::numbers::pi;
  const double lr = opt_.lr(), eta_min = options_.eta_min;
  const int64_t e = last_epoch_, t_max = options_.T_max;
  if (e == 0) return lr;
  if (floor_mod(e - 1 - t_max, 2 * t_max) == 0)
    return lr + (base_lr_ - eta_min) * (1 - std::cos(pi / static_cast<double>(t_max))) / 2;
  return (1 + std::cos(pi * static_cast<double>(e) / static_cast<double>(t_max))) /
             (1 + std::cos(pi * static_cast<double>(e - 1) / static_cast<double>(t_max))) * (lr - eta_min) +
         eta_min;
}

// ----------------------------------------------------------------- OneCycleLR

OneCycleLR::OneCycleLR(Optimizer& opt, const OneCycleLROptions& options)
    : LRScheduler(opt, "OneCycleLR"), options_(options) {
  const OneCycleLROptions& o = options_;
  WICK_CHECK(o.max_lr > 0, "OneCycleLR: max_lr is required and must be > 0, got ", o.max_lr,
             ", e.g. optim::OneCycleLR(opt, {.max_lr = 0.1, .total_steps = epochs * batches_per_epoch})");
  WICK_CHECK(o.total_steps > 0, "OneCycleLR: expected a positive total_steps, got ", o.total_steps,
             " (the number of times step() will be called, e.g. epochs * batches per epoch)");
  WICK_CHECK(o.pct_start >= 0 && o.pct_start <= 1, "OneCycleLR: expected pct_start between 0 and 1, got ",
             o.pct_start);
  WICK_CHECK(o.anneal_strategy == "cos" || o.anneal_strategy == "linear",
             "OneCycleLR: anneal_strategy must be \"cos\" or \"linear\", got \"", o.anneal_strategy, "\"");
  const double initial_lr = o.max_lr / o.div_factor;
  const double min_lr = initial_lr / o.final_div_factor;
  const double total = static_cast<double>(o.total_steps);
  const double hi = o.max_momentum, lo = o.base_momentum;
  if (o.three_phase) {
    phases_ = {{o.pct_start * total - 1, initial_lr, o.max_lr, hi, lo},
               {2 * o.pct_start * total - 2, o.max_lr, initial_lr, lo, hi},
               {total - 1, initial_lr, min_lr, hi, hi}};
  } else {
    phases_ = {{o.pct_start * total - 1, initial_lr, o.max_lr, hi, lo}, {total - 1, o.max_lr, min_lr, lo, hi}};
  }
  // PyTorch overwrites the group's initial_lr with its own.
  set_initial_lr(initial_lr);
  base_lr_ = initial_lr;
  if (o.cycle_momentum) opt_.set_momentum(hi);
  initial_step();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.anneal_strategy == "linear") return (end - start) * pct + start;
  const double cos_out = std::cos(std::numbers::pi * pct) + 1;
  return end + (start - end) / 2.0 * cos_out;
}

double OneCycleLR::compute_lr() {
  const int64_t step_num = last_epoch_;
  WICK_CHECK(step_num <= options_.total_steps, "OneCycleLR: tried to step ", step_num + 1,
             " times, but total_steps is ", options_.total_steps,
             "; make total_steps the number of step() calls (epochs * batches per epoch)");
  double start_step = 0, lr = 0, momentum = 0;
  for (size_t i = 0; i < phases_.size(); ++i) {
    const Phase& ph = phases_[i];
    if (static_cast<double>(step_num) <= ph.end_step || i + 1 == phases_.size()) {
      const double pct = (static_cast<double>(step_num) - start_step) / (ph.end_step - start_step);
      lr = anneal(ph.start_lr, ph.end_lr, pct);
      momentum = anneal(ph.start_momentum, ph.end_momentum, pct);
      break;
    }
    start_step = ph.end_step;
  }
  if (options_.cycle_momentum) opt_.set_momentum(momentum);
  return lr;
}

// ---------------------------------------------------------- ReduceLROnPlateau

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& opt, const ReduceLROnPlateauOptions& options)
    : opt_(opt), options_(options), last_lr_(opt.lr()) {
  const ReduceLROnPlateauOptions& o = options_;
  WICK_CHECK(o.factor < 1, "ReduceLROnPlateau: factor should be < 1.0, got ", o.factor);
  WICK_CHECK(o.mode == "min" || o.mode == "max", "ReduceLROnPlateau: mode must be \"min\" or \"max\", got \"", o.mode,
             "\"");
  WICK_CHECK(o.threshold_mode == "rel" || o.threshold_mode == "abs",
             "ReduceLROnPlateau: threshold_mode must be \"rel\" or \"abs\", got \"", o.threshold_mode, "\"");
  WICK_CHECK(o.patience >= 0 && o.cooldown >= 0, "ReduceLROnPlateau: patience and cooldown must be >= 0, got ",
             o.patience, " and ", o.cooldown);
  best_ = o.mode == "min" ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  const ReduceLROnPlateauOptions& o = options_;
  if (o.mode == "min")
    return o.threshold_mode == "rel" ? a < best * (1. - o.threshold) : a < best - o.threshold;
  return o.threshold_mode == "rel" ? a > best * (o.threshold + 1.) : a > best + o.threshold;
}

void ReduceLROnPlateau::step(double metric) {
  ++last_epoch_;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;
  }
  if (num_bad_epochs_ > options_.patience) {
    const double old_lr = opt_.lr();
    const double new_lr = std::max(old_lr * options_.factor, options_.min_lr);
    if (old_lr - new_lr > options_.eps) opt_.set_lr_unchecked(new_lr);
    cooldown_counter_ = options_.cooldown;
    num_bad_epochs_ = 0;
  }
  last_lr_ = opt_.lr();
}

TensorDict ReduceLROnPlateau::state_dict() const {
  TensorDict out;
  out.insert("best", scalar(best_));
  out.insert("num_bad_epochs", scalar(static_cast<double>(num_bad_epochs_)));
  out.insert("cooldown_counter", scalar(static_cast<double>(cooldown_counter_)));
  out.insert("last_epoch", scalar(static_cast<double>(last_epoch_)));
  out.insert("_last_lr", tensor({last_lr_}, {.dtype = kFloat64}));
  return out;
}

void ReduceLROnPlateau::load_state_dict(const TensorDict& sd) {
  double bad = 0, cooldown = 0, epoch = 0;
  double best = best_, last_lr = last_lr_;
  load_fields("ReduceLROnPlateau.load_state_dict", sd,
              {{"best", &best}, {"num_bad_epochs", &bad}, {"cooldown_counter", &cooldown}, {"last_epoch", &epoch},
               {"_last_lr", &last_lr}});
  best_ = best;
  num_bad_epochs_ = static_cast<int64_t>(bad);
  cooldown_counter_ = static_cast<int64_t>(cooldown);
  last_epoch_ = static_cast<int64_t>(epoch);
  last_lr_ = last_lr;
}

}  // namespace wick::optim
