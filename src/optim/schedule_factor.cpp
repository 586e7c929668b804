// LinearLR, ConstantLR, LambdaLR, MultiplicativeLR: PyTorch 1.13's get_lr
// (recursive) and _get_closed_form_lr (for step(epoch)), term for term.
#include "wick/optim/schedule_factor.h"

#include <algorithm>
#include <cmath>

#include "wick/error.h"

namespace wick::optim {

// ------------------------------------------------------------------- LinearLR

LinearLR::LinearLR(Optimizer& opt, const LinearLROptions& options) : LRScheduler(opt, "LinearLR"), options_(options) {
  const LinearLROptions& o = options_;
  // PyTorch 1.13 accepts start_factor 0, then divides by zero at the first step.
  WICK_CHECK(o.start_factor > 0 && o.start_factor <= 1, "LinearLR: start_factor must be in (0, 1], got ",
             o.start_factor, ", e.g. optim::LinearLR(opt, {.start_factor = 0.1, .total_iters = 5}) for a warmup");
  WICK_CHECK(o.end_factor >= 0 && o.end_factor <= 1, "LinearLR: end_factor must be in [0, 1], got ", o.end_factor);
  WICK_CHECK(o.total_iters > 0, "LinearLR: total_iters must be a positive number of epochs, got ", o.total_iters);
  initial_step();
}

double LinearLR::compute_lr() {
  const LinearLROptions& o = options_;
  const double lr = opt_.lr();
  if (last_epoch_ == 0) return lr * o.start_factor;
  if (last_epoch_ > o.total_iters) return lr;
  const double span = o.end_factor - o.start_factor;
  return lr * (1. + span / (static_cast<double>(o.total_iters) * o.start_factor +
                            static_cast<double>(last_epoch_ - 1) * span));
}

std::optional<double> LinearLR::closed_form_lr() const {
  const LinearLROptions& o = options_;
  return base_lr_ * (o.start_factor + (o.end_factor - o.start_factor) *
                                          static_cast<double>(std::min(o.total_iters, last_epoch_)) /
                                          static_cast<double>(o.total_iters));
}

// ----------------------------------------------------------------- ConstantLR

ConstantLR::ConstantLR(Optimizer& opt, const ConstantLROptions& options)
    : LRScheduler(opt, "ConstantLR"), options_(options) {
  // PyTorch 1.13 accepts factor 0, then divides by zero at total_iters.
  WICK_CHECK(options_.factor > 0 && options_.factor <= 1, "ConstantLR: factor must be in (0, 1], got ",
             options_.factor, ", e.g. optim::ConstantLR(opt, {.factor = 0.5, .total_iters = 4})");
  WICK_CHECK(options_.total_iters > 0, "ConstantLR: total_iters must be a positive number of epochs, got ",
             options_.total_iters);
  initial_step();
}

double ConstantLR::compute_lr() {
  const double lr = opt_.lr();
  if (last_epoch_ == 0) return lr * options_.factor;
  if (last_epoch_ != options_.total_iters) return lr;
  return lr * (1.0 / options_.factor);
}

std::optional<double> ConstantLR::closed_form_lr() const {
  // PyTorch: factor + (last_epoch >= total_iters) * (1 - factor); a bool times
  // a float is that float or 0.0, so factor + (1 - factor) may miss 1 by an ulp.
  const double rest = last_epoch_ >= options_.total_iters ? 1 - options_.factor : 0.0;
  return base_lr_ * (options_.factor + rest);
}

// ------------------------------------------------------------------- LambdaLR

LambdaLR::LambdaLR(Optimizer& opt, LRLambda lr_lambda) : LRScheduler(opt, "LambdaLR"), lr_lambda_(std::move(lr_lambda)) {
  WICK_CHECK(static_cast<bool>(lr_lambda_),
             "LambdaLR: lr_lambda is empty; pass a function of the epoch, e.g. [](int64_t e) { return 0.95 ^ e; }");
  initial_step();
}

double LambdaLR::compute_lr() { return base_lr_ * lr_lambda_(last_epoch_); }

// ----------------------------------------------------------- MultiplicativeLR

MultiplicativeLR::MultiplicativeLR(Optimizer& opt, LRLambda lr_lambda)
    : LRScheduler(opt, "MultiplicativeLR"), lr_lambda_(std::move(lr_lambda)) {
  WICK_CHECK(static_cast<bool>(lr_lambda_),
             "MultiplicativeLR: lr_lambda is empty; pass the factor per epoch, e.g. [](int64_t) { return 0.95; }");
  initial_step();
}

double MultiplicativeLR::compute_lr() {
  if (last_epoch_ > 0) return opt_.lr() * lr_lambda_(last_epoch_);
  return opt_.lr();
}

}  // namespace wick::optim
