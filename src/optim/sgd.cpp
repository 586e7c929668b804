#include "wick/optim/sgd.h"

#include "backend/cpu/loops.h"
#include "core/core.h"
#include "optim/dispatch.h"

namespace wick::optim {

namespace {

// One pass: d = g + wd*p; buf = mom*buf + damp1*d; d = nesterov ? d + nest_mom*buf : buf; p -= lr*d.
// On the momentum buffer's first step the caller passes a zeroed buffer with
// mom = 0 and damp1 = 1, which gives PyTorch's buf = d exactly.
template <typename T, bool kWd, bool kMom, bool kNesterov>
void sgd_loop(T* __restrict p, const T* __restrict g, T* __restrict buf, int64_t n, T lr, T wd, T mom, T damp1,
              T nest_mom) {
  for (int64_t j = 0; j < n; ++j) {
    T d = g[j];
    if constexpr (kWd) d = d + wd * p[j];
    if constexpr (kMom) {
      const T b = buf[j] * mom + damp1 * d;
      buf[j] = b;
      d = kNesterov ? d + nest_mom * b : b;
    }
    p[j] = p[j] - lr * d;
  }
}

}  // namespace

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options)
    : Optimizer(std::move(params), "SGD", &options_.lr, {"momentum_buffer"}), options_(options) {
  validate();
}

std::vector<Optimizer::Hyper> SGD::hyper_params() {
  return {{.name = "lr", .number = &options_.lr},
          {.name = "momentum", .number = &options_.momentum},
          {.name = "dampening", .number = &options_.dampening},
          {.name = "weight_decay", .number = &options_.weight_decay},
          {.name = "nesterov", .flag = &options_.nesterov}};
}

void SGD::validate() const {
  const SGDOptions& o = options_;
  WICK_CHECK(!std::isnan(o.lr), "SGD: lr is required (SGD has no default learning rate), e.g. optim::SGD(params, "
             "{.lr = 0.01})");
  WICK_CHECK(o.lr >= 0, "SGD: invalid learning rate ", o.lr, "; lr must be >= 0");
  WICK_CHECK(o.momentum >= 0, "SGD: invalid momentum ", o.momentum, "; momentum must be >= 0");
  WICK_CHECK(o.weight_decay >= 0, "SGD: invalid weight_decay ", o.weight_decay, "; weight_decay must be >= 0");
  WICK_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0), "SGD: nesterov momentum requires momentum > 0 "
             "and dampening = 0, got momentum ", o.momentum, " and dampening ", o.dampening);
}

void SGD::update(size_t index, const Tensor& p, const Tensor& g) {
  const SGDOptions& o = options_;
  const bool use_momentum = o.momentum != 0;
  if (fusable(p)) {
    bool first = false;
    Tensor buf;
    if (use_momentum) {
      first = !state(index, 0).defined();
      buf = zeros_state(index, 0, p);
    }
    detail::with_float_type(p.dtype(), [&](auto zero) {
      using T = decltype(zero);
      detail::with_flag(o.weight_decay != 0, [&](auto wd) {
        detail::with_flag(use_momentum, [&](auto mom) {
          detail::with_flag(o.nesterov, [&](auto nest) {
            T* pp = p.data_ptr<T>();
            T* bp = use_momentum ? buf.data_ptr<T>() : nullptr;
            const T* gp = g.data_ptr<T>();
            // Element-wise: any split gives the same bits (see adam.cpp).
            backend::cpu::parallel_for(p.numel(), backend::cpu::kGrainCheap, [&](int64_t b, int64_t e) {
              sgd_loop<T, decltype(wd)::value, decltype(mom)::value, decltype(nest)::value>(
                  pp + b, gp + b, bp ? bp + b : nullptr, e - b, T(o.lr), T(o.weight_decay),
                  first ? T(0) : T(o.momentum), first ? T(1) : T(1 - o.dampening), T(o.momentum));
            });
          });
        });
      });
    });
    core::bump_version(p);
    if (use_momentum) core::bump_version(buf);
    return;
  }
  // Composed fallback (other devices, non-contiguous parameters).
  Tensor d = o.weight_decay != 0 ? g.add(p, o.weight_decay) : g;
  if (use_momentum) {
    Tensor& buf = state(index, 0);
    if (!buf.defined()) buf = core::clone(d);
    else buf.mul_(o.momentum).add_(d, 1 - o.dampening);
    d = o.nesterov ? d.add(buf, o.momentum) : buf;
  }
  Tensor(p).add_(d, -o.lr);
}

}  // namespace wick::optim
