#include "wick/optim/rmsprop.h"

#include <algorithm>
#include <cmath>

#include "core/core.h"
#include "optim/dispatch.h"

namespace wick::optim {

namespace {

enum : size_t { kSquareAvg = 0, kMomentumBuffer = 1, kGradAvg = 2 };

// One pass, in blocks that stay in L1: L2 term and running mean square (and
// mean, when centered); then the block's square roots (vectorized, see
// sqrt_inplace); then the normalized step, momentum and parameter update.
template <typename T, bool kWd, bool kCentered, bool kMom>
void rmsprop_loop(T* __restrict p, const T* __restrict g, T* __restrict sq, T* __restrict ga, T* __restrict buf,
                  int64_t n, double lr_, double alpha_, double eps_, double wd_, double mom_) {
  const T lr = T(lr_), alpha = T(alpha_), one_alpha = T(1 - alpha_), eps = T(eps_), wd = T(wd_), mom = T(mom_);
  alignas(64) T root[detail::kRootBlock];
  alignas(64) T grad[detail::kRootBlock];
  for (int64_t j0 = 0; j0 < n; j0 += detail::kRootBlock) {
    const int64_t len = std::min(detail::kRootBlock, n - j0);
    T* __restrict pb = p + j0;
    for (int64_t j = 0; j < len; ++j) {
      T gj = g[j0 + j];
      if constexpr (kWd) gj = gj + wd * pb[j];
      grad[j] = gj;
      const T s = sq[j0 + j] * alpha + one_alpha * (gj * gj);
      sq[j0 + j] = s;
      if constexpr (kCentered) {
        const T a = ga[j0 + j] * alpha + one_alpha * gj;
        ga[j0 + j] = a;
        root[j] = s - a * a;
      } else {
        root[j] = s;
      }
    }
    detail::sqrt_inplace(root, len);
    for (int64_t j = 0; j < len; ++j) {
      const T avg = root[j] + eps;
      if constexpr (kMom) {
        const T b = buf[j0 + j] * mom + grad[j] / avg;
        buf[j0 + j] = b;
        pb[j] = pb[j] - lr * b;
      } else {
        pb[j] = pb[j] - lr * (grad[j] / avg);
      }
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
