#include "wick/optim/rmsprop.h"

#include <cmath>

#include "core/core.h"
#include "optim/dispatch.h"

namespace wick::optim {

namespace {

enum : size_t { kSquareAvg = 0, kMomentumBuffer = 1, kGradAvg = 2 };

// One pass: L2 term, running mean square (and mean, when centered), the
// normalized step, momentum, and the parameter update.
template <typename T, bool kWd, bool kCentered, bool kMom>
void rmsprop_loop(T* __restrict p, const T* __restrict g, T* __restrict sq, T* __restrict ga, T* __restrict buf,
                  int64_t n, double lr_, double alpha_, double eps_, double wd_, double mom_) {
  const T lr = T(lr_), alpha = T(alpha_), one_alpha = T(1 - alpha_), eps = T(eps_), wd = T(wd_), mom = T(mom_);
  for (int64_t j = 0; j < n; ++j) {
    T gj = g[j];
    if constexpr (kWd) gj = gj + wd * p[j];
    const T s = sq[j] * alpha + one_alpha * (gj * gj);
    sq[j] = s;
    T avg;
    if constexpr (kCentered) {
      const T a = ga[j] * alpha + one_alpha * gj;
      ga[j] = a;
      avg = std::sqrt(s - a * a) + eps;
    } else {
      avg = std::sqrt(s) + eps;
    }
    if constexpr (kMom) {
      const T b = buf[j] * mom + gj / avg;
      buf[j] = b;
      p[j] = p[j] - lr * b;
    } else {
      p[j] = p[j] - lr * (gj / avg);
    }
  }
}

}  // namespace

RMSprop::RMSprop(std::vector<Tensor> params, const RMSpropOptions& options)
    : Optimizer(std::move(params), "RMSprop", &options_.lr, {"square_avg", "momentum_buffer", "grad_avg"}),
      options_(options) {
  validate();
}

std::vector<Optimizer::Hyper> RMSprop::hyper_params() {
  return {{.name = "lr", .number = &options_.lr},
          {.name = "momentum", .number = &options_.momentum},
          {.name = "alpha", .number = &options_.alpha},
          {.name = "eps", .number = &options_.eps},
          {.name = "centered", .flag = &options_.centered},
          {.name = "weight_decay", .number = &options_.weight_decay}};
}

void RMSprop::validate() const {
  const RMSpropOptions& o = options_;
  WICK_CHECK(o.lr >= 0, "RMSprop: invalid learning rate ", o.lr, "; lr must be >= 0");
  WICK_CHECK(o.eps >= 0, "RMSprop: invalid eps ", o.eps, "; eps must be >= 0");
  WICK_CHECK(o.momentum >= 0, "RMSprop: invalid momentum ", o.momentum, "; momentum must be >= 0");
  WICK_CHECK(o.weight_decay >= 0, "RMSprop: invalid weight_decay ", o.weight_decay, "; weight_decay must be >= 0");
  WICK_CHECK(o.alpha >= 0, "RMSprop: invalid alpha ", o.alpha, "; alpha must be >= 0");
}

void RMSprop::update(size_t index, const Tensor& p, const Tensor& g) {
  const RMSpropOptions& o = options_;
  const bool use_momentum = o.momentum > 0;
  Tensor& sq = zeros_state(index, kSquareAvg, p);
  Tensor buf, ga;
  if (use_momentum) buf = zeros_state(index, kMomentumBuffer, p);
  if (o.centered) ga = zeros_state(index, kGradAvg, p);
  ++steps_[index];

  if (fusable(p)) {
    detail::with_float_type(p.dtype(), [&](auto zero) {
      using T = decltype(zero);
      detail::with_flag(o.weight_decay != 0, [&](auto wd) {
        detail::with_flag(o.centered, [&](auto centered) {
          detail::with_flag(use_momentum, [&](auto mom) {
            rmsprop_loop<T, decltype(wd)::value, decltype(centered)::value, decltype(mom)::value>(
                p.data_ptr<T>(), g.data_ptr<T>(), sq.data_ptr<T>(), o.centered ? ga.data_ptr<T>() : nullptr,
                use_momentum ? buf.data_ptr<T>() : nullptr, p.numel(), o.lr, o.alpha, o.eps, o.weight_decay,
                o.momentum);
          });
        });
      });
    });
    core::bump_version(p);
    core::bump_version(sq);
    if (o.centered) core::bump_version(ga);
    if (use_momentum) core::bump_version(buf);
    return;
  }
  // Composed fallback (other devices, non-contiguous parameters).
  Tensor grad = o.weight_decay != 0 ? g.add(p, o.weight_decay) : g;
  sq.mul_(o.alpha).add_(grad * grad, 1 - o.alpha);
  Tensor avg;
  if (o.centered) {
    ga.mul_(o.alpha).add_(grad, 1 - o.alpha);
    avg = sq.sub(ga * ga).sqrt();
  } else {
    avg = sq.sqrt();
  }
  avg.add_(o.eps);
  if (use_momentum) {
    buf.mul_(o.momentum).add_(grad / avg);
    p.add_(buf, -o.lr);
  } else {
    p.add_(grad / avg, -o.lr);
  }
}

}  // namespace wick::optim
