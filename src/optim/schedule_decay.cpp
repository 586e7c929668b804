// MultiStepLR, ExponentialLR, PolynomialLR: PyTorch 1.13's get_lr (recursive)
// and _get_closed_form_lr (for step(epoch)), term for term, so the values
// agree to the bit (Python's float ** is C's pow, as std::pow here).
#include "wick/optim/schedule_decay.h"

#include <algorithm>
#include <cmath>

#include "wick/error.h"

namespace wick::optim {

namespace {

void check_gamma(const char* name, double gamma) {
  WICK_CHECK(gamma >= 0 && std::isfinite(gamma), name,
             ": gamma must be a finite factor >= 0 (usually in (0, 1)), got ", gamma);
}

}  // namespace

// ---------------------------------------------------------------- MultiStepLR

MultiStepLR::MultiStepLR(Optimizer& opt, const MultiStepLROptions& options)
    : LRScheduler(opt, "MultiStepLR"), options_(options) {
  const std::vector<int64_t>& m = options_.milestones;
  WICK_CHECK(!m.empty(), "MultiStepLR: milestones is empty; give the epochs at which to multiply the lr by gamma, "
                         "e.g. optim::MultiStepLR(opt, {.milestones = {30, 80}, .gamma = 0.1})");
  for (size_t i = 0; i < m.size(); ++i) {
    WICK_CHECK(m[i] >= 0, "MultiStepLR: milestones must be epochs >= 0, got ", m[i], " at index ", i);
    WICK_CHECK(i == 0 || m[i] > m[i - 1], "MultiStepLR: milestones must be strictly increasing, got ", m[i - 1],
               " then ", m[i], " at index ", i);
  }
  check_gamma("MultiStepLR", options_.gamma);
  initial_step();
}

double MultiStepLR::compute_lr() {
  const std::vector<int64_t>& m = options_.milestones;
  // PyTorch: lr * gamma ** count, and each milestone appears once.
  if (!std::binary_search(m.begin(), m.end(), last_epoch_)) return opt_.lr();
  return opt_.lr() * options_.gamma;
}

std::optional<double> MultiStepLR::closed_form_lr() const {
  const std::vector<int64_t>& m = options_.milestones;
  const auto passed = std::upper_bound(m.begin(), m.end(), last_epoch_) - m.begin();
  return base_lr_ * std::pow(options_.gamma, static_cast<double>(passed));
}

// -------------------------------------------------------------- ExponentialLR

ExponentialLR::ExponentialLR(Optimizer& opt, const ExponentialLROptions& options)
    : LRScheduler(opt, "ExponentialLR"), options_(options) {
  check_gamma("ExponentialLR", options_.gamma);
  initial_step();
}

double ExponentialLR::compute_lr() {
  if (last_epoch_ == 0) return opt_.lr();
  return opt_.lr() * options_.gamma;
}

std::optional<double> ExponentialLR::closed_form_lr() const {
  return base_lr_ * std::pow(options_.gamma, static_cast<double>(last_epoch_));
}

// --------------------------------------------------------------- PolynomialLR

PolynomialLR::PolynomialLR(Optimizer& opt, const PolynomialLROptions& options)
    : LRScheduler(opt, "PolynomialLR"), options_(options) {
  WICK_CHECK(options_.total_iters > 0, "PolynomialLR: total_iters must be a positive number of epochs, got ",
             options_.total_iters, ", e.g. optim::PolynomialLR(opt, {.total_iters = 100, .power = 1.0})");
  // PyTorch 1.13 takes any power, but a negative one divides by zero at total_iters.
  WICK_CHECK(options_.power >= 0 && std::isfinite(options_.power),
             "PolynomialLR: power must be a finite number >= 0 (1: linear decay), got ", options_.power);
  initial_step();
}

double PolynomialLR::compute_lr() {
  const int64_t e = last_epoch_, n = options_.total_iters;
  if (e == 0 || e > n) return opt_.lr();
  const double t = static_cast<double>(n);
  const double decay =
      std::pow((1.0 - static_cast<double>(e) / t) / (1.0 - static_cast<double>(e - 1) / t), options_.power);
  return opt_.lr() * decay;
}

std::optional<double> PolynomialLR::closed_form_lr() const {
  const double t = static_cast<double>(options_.total_iters);
  return base_lr_ * std::pow(1.0 - static_cast<double>(std::min(options_.total_iters, last_epoch_)) / t, options_.power);
}

}  // namespace wick::optim
