// CosineAnnealingWarmRestarts: PyTorch 1.13's step(epoch=None), term for term.
#include "wick/optim/schedule_restarts.h"

#include <cmath>
#include <numbers>

#include "schedule_state.h"
#include "wick/error.h"

namespace wick::optim {

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& opt,
                                                         const CosineAnnealingWarmRestartsOptions& options)
    : LRScheduler(opt, "CosineAnnealingWarmRestarts"), options_(options), T_i_(options.T_0) {
  WICK_CHECK(options_.T_0 > 0, "CosineAnnealingWarmRestarts: T_0 must be a positive number of epochs, got ",
             options_.T_0, ", e.g. optim::CosineAnnealingWarmRestarts(opt, {.T_0 = 10, .T_mult = 2})");
  WICK_CHECK(options_.T_mult >= 1, "CosineAnnealingWarmRestarts: T_mult must be an integer >= 1, got ",
             options_.T_mult);
  initial_step();
}

void CosineAnnealingWarmRestarts::step() { advance(std::nullopt); }

void CosineAnnealingWarmRestarts::step(double epoch) { advance(epoch); }

// An integer epoch gives the same doubles as PyTorch's int arithmetic: every
// division there is a true (correctly rounded) one of exact integers.
void CosineAnnealingWarmRestarts::step_to(int64_t epoch) { advance(static_cast<double>(epoch)); }

void CosineAnnealingWarmRestarts::advance(std::optional<double> epoch) {
  const int64_t t0 = options_.T_0, mult = options_.T_mult;
  if (!epoch && last_epoch_ < 0) epoch = 0.0;
  double t_cur = T_cur_;
  int64_t t_i = T_i_;
  double e;
  if (!epoch) {
    e = static_cast<double>(last_epoch_ + 1);
    t_cur = t_cur + 1;
    if (t_cur >= static_cast<double>(t_i)) {
      t_cur = t_cur - static_cast<double>(t_i);
      t_i = t_i * mult;
    }
  } else {
    e = *epoch;
    WICK_CHECK(e >= 0 && std::isfinite(e), "CosineAnnealingWarmRestarts: step(epoch) needs a finite epoch >= 0, got ",
               e);
    if (e >= static_cast<double>(t0)) {
      if (mult == 1) {
        t_cur = std::fmod(e, static_cast<double>(t0));
      } else {
        // Python's math.log(x, base) is log(x) / log(base); int() truncates.
        const double x = e / static_cast<double>(t0) * static_cast<double>(mult - 1) + 1;
        const auto n = static_cast<int64_t>(std::log(x) / std::log(static_cast<double>(mult)));
        int64_t mult_n = 1;
        for (int64_t k = 0; k < n; ++k) mult_n *= mult;
        t_cur = e - static_cast<double>(t0 * (mult_n - 1)) / static_cast<double>(mult - 1);
        t_i = t0 * mult_n;
      }
    } else {
      t_i = t0;
      t_cur = e;
    }
  }
  T_cur_ = t_cur;
  T_i_ = t_i;
  last_epoch_ = static_cast<int64_t>(std::floor(e));
  apply_lr(compute_lr());
}

double CosineAnnealingWarmRestarts::compute_lr() {
  const double eta_min = options_.eta_min;
  return eta_min +
         (base_lr_ - eta_min) * (1 + std::cos(std::numbers::pi * T_cur_ / static_cast<double>(T_i_))) / 2;
}

TensorDict CosineAnnealingWarmRestarts::state_dict() const {
  TensorDict out = LRScheduler::state_dict();
  out.insert("T_i", detail::state_scalar(static_cast<double>(T_i_)));
  out.insert("T_cur", detail::state_scalar(T_cur_));
  return out;
}

void CosineAnnealingWarmRestarts::load_state_dict(const TensorDict& sd) {
  double last_epoch = 0, step_count = 0, base_lr = 0, last_lr = 0, t_i = 0, t_cur = 0;
  detail::load_fields(name_ + ".load_state_dict", sd,
                      {{"base_lrs", &base_lr},
                       {"last_epoch", &last_epoch},
                       {"_step_count", &step_count},
                       {"_last_lr", &last_lr},
                       {"T_i", &t_i},
                       {"T_cur", &t_cur}});
  base_lr_ = base_lr;
  last_epoch_ = static_cast<int64_t>(last_epoch);
  step_count_ = static_cast<int64_t>(step_count);
  last_lr_ = last_lr;
  T_i_ = static_cast<int64_t>(t_i);
  T_cur_ = t_cur;
}

}  // namespace wick::optim
