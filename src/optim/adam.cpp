#include "wick/optim/adam.h"

#include <algorithm>
#include <cmath>

#include "backend/cpu/loops.h"
#include "core/core.h"
#include "optim/dispatch.h"
#include "wick/elementwise.h"

namespace wick::optim {

namespace {

enum : size_t { kExpAvg = 0, kExpAvgSq = 1, kMaxExpAvgSq = 2 };

// Elements per thread below which the update stays on the calling thread
// (about 10 us of work, several times the cost of handing it over).
constexpr int64_t kGrainUpdate = 16384;

struct AdamScalars {
  double b1, b2, eps, wd, decay, step_size, bc2_sqrt;
};

// One pass over a parameter, in blocks that stay in L1: decay (AdamW) or L2
// term (Adam), both moments and the AMSGrad max; then the block's square
// roots (vectorized, see sqrt_inplace); then the parameter update.
template <typename T, bool kDecoupled, bool kWd, bool kAms>
void adam_loop(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, T* __restrict vmax,
               int64_t n, const AdamScalars& s) {
  const T b1 = T(s.b1), b2 = T(s.b2), one_b1 = T(1 - s.b1), one_b2 = T(1 - s.b2), eps = T(s.eps), wd = T(s.wd),
          decay = T(s.decay), step_size = T(s.step_size), bc2_sqrt = T(s.bc2_sqrt);
  alignas(64) T root[detail::kRootBlock];
  for (int64_t j0 = 0; j0 < n; j0 += detail::kRootBlock) {
    const int64_t len = std::min(detail::kRootBlock, n - j0);
    T* __restrict pb = p + j0;
    const T* __restrict gb = g + j0;
    T* __restrict mb = m + j0;
    T* __restrict vb = v + j0;
    for (int64_t j = 0; j < len; ++j) {
      T pj = pb[j];
      T gj = gb[j];
      if constexpr (kDecoupled && kWd) {
        pj = pj * decay;
        pb[j] = pj;
      }
      if constexpr (!kDecoupled && kWd) gj = gj + wd * pj;
      const T mj = mb[j] * b1 + one_b1 * gj;
      const T vj = vb[j] * b2 + one_b2 * (gj * gj);
      mb[j] = mj;
      vb[j] = vj;
      if constexpr (kAms) {
        const T mx = detail::nan_max(vmax[j0 + j], vj);
        vmax[j0 + j] = mx;
        root[j] = mx;
      } else {
        root[j] = vj;
      }
    }
    detail::sqrt_inplace(root, len);
    for (int64_t j = 0; j < len; ++j) pb[j] = pb[j] - step_size * (mb[j] / (root[j] / bc2_sqrt + eps));
  }
}

}  // namespace

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options) : Adam(std::move(params), options, false, "Adam") {}

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options, bool decoupled, const char* name)
    : Optimizer(std::move(params), name, &options_.lr, {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}),
      options_(options),
      decoupled_(decoupled) {
  validate();
}

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& o)
    : Adam(std::move(params), {.lr = o.lr, .betas = o.betas, .eps = o.eps, .weight_decay = o.weight_decay,
                               .amsgrad = o.amsgrad},
           true, "AdamW") {}

std::vector<Optimizer::Hyper> Adam::hyper_params() {
  return {{.name = "lr", .number = &options_.lr},
          {.name = "betas", .pair = &options_.betas},
          {.name = "eps", .number = &options_.eps},
          {.name = "weight_decay", .number = &options_.weight_decay},
          {.name = "amsgrad", .flag = &options_.amsgrad}};
}

void Adam::validate() const {
  const AdamOptions& o = options_;
  const std::string& n = name();
  WICK_CHECK(o.lr >= 0, n, ": invalid learning rate ", o.lr, "; lr must be >= 0");
  WICK_CHECK(o.eps >= 0, n, ": invalid eps ", o.eps, "; eps must be >= 0");
  WICK_CHECK(o.betas.first >= 0 && o.betas.first < 1, n, ": invalid beta parameter at index 0: ", o.betas.first,
             "; betas must lie in [0, 1), e.g. {.betas = {0.9, 0.999}}");
  WICK_CHECK(o.betas.second >= 0 && o.betas.second < 1, n, ": invalid beta parameter at index 1: ", o.betas.second,
             "; betas must lie in [0, 1), e.g. {.betas = {0.9, 0.999}}");
  WICK_CHECK(o.weight_decay >= 0, n, ": invalid weight_decay ", o.weight_decay, "; weight_decay must be >= 0");
}

void Adam::update(size_t index, const Tensor& p, const Tensor& g) {
  const AdamOptions& o = options_;
  Tensor& m = zeros_state(index, kExpAvg, p);
  Tensor& v = zeros_state(index, kExpAvgSq, p);
  Tensor vmax;
  if (o.amsgrad) vmax = zeros_state(index, kMaxExpAvgSq, p);
  const int64_t t = ++steps_[index];
  const double bc1 = 1 - std::pow(o.betas.first, static_cast<double>(t));
  const double bc2 = 1 - std::pow(o.betas.second, static_cast<double>(t));
  const double step_size = o.lr / bc1;
  const double bc2_sqrt = std::sqrt(bc2);

  if (fusable(p)) {
    const AdamScalars s{o.betas.first, o.betas.second, o.eps, o.weight_decay, 1 - o.lr * o.weight_decay, step_size,
                        bc2_sqrt};
    detail::with_float_type(p.dtype(), [&](auto zero) {
      using T = decltype(zero);
      detail::with_flag(decoupled_, [&](auto dec) {
        detail::with_flag(o.weight_decay != 0, [&](auto wd) {
          detail::with_flag(o.amsgrad, [&](auto ams) {
            T *pp = p.data_ptr<T>(), *mp = m.data_ptr<T>(), *vp = v.data_ptr<T>();
            T* vmaxp = o.amsgrad ? vmax.data_ptr<T>() : nullptr;
            const T* gp = g.data_ptr<T>();
            // Element-wise, so any split gives the same bits; a large layer's
            // update (four streams of 800 KB for a 784x256 weight) is worth
            // both cores, and keeps the pool's worker awake between steps.
            backend::cpu::parallel_for(p.numel(), kGrainUpdate, [&](int64_t b, int64_t e) {
              adam_loop<T, decltype(dec)::value, decltype(wd)::value, decltype(ams)::value>(
                  pp + b, gp + b, mp + b, vp + b, vmaxp ? vmaxp + b : nullptr, e - b, s);
            });
          });
        });
      });
    });
    core::bump_version(p);
    core::bump_version(m);
    core::bump_version(v);
    if (o.amsgrad) core::bump_version(vmax);
    return;
  }
  // Composed fallback (other devices, non-contiguous parameters).
  if (decoupled_) p.mul_(1 - o.lr * o.weight_decay);
  Tensor grad = (!decoupled_ && o.weight_decay != 0) ? g.add(p, o.weight_decay) : g;
  m.mul_(o.betas.first).add_(grad, 1 - o.betas.first);
  v.mul_(o.betas.second).add_(grad * grad, 1 - o.betas.second);
  Tensor second = v;
  if (o.amsgrad) {
    vmax.copy_(maximum(vmax, v));
    second = vmax;
  }
  Tensor denom = (second.sqrt() / bc2_sqrt).add_(o.eps);
  p.add_(m / denom, -step_size);
}

}  // namespace wick::optim
