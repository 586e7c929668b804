// cross_entropy and nll_loss.
//
// The classification hot path, cross_entropy with class indices on a CPU
// input, is one fused node ("CrossEntropyBackward"): the forward walks each
// row of logits once for its max, once for exp (and, with label smoothing,
// the weighted sum of the logits), picks the target's log-prob and reduces,
// saving the softmax it has just computed (as PyTorch's log_softmax saves its
// output); the backward writes
// g * ((1-ls) w[t] (softmax - onehot) + ls/C (W softmax - w)) straight into the
// gradient from it, with no exp of its own.
// Inputs with spatial dims [N, C, d...] are moved to [N*d..., C] first.
// Large batches split their rows over threads; a step's [128, 10] does not.
//
// Every other case (probability targets, other devices) composes
// log_softmax + nll_loss exactly as PyTorch 1.13's cross_entropy does; that
// form (detail::cross_entropy_composed) is also what the tests compare the
// fused kernel against. A CUDA kernel for the fused pair is left to the CUDA
// backend issue.
#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd/node.h"
#include "backend/cpu/fast_math.h"
#include "backend/cpu/loops.h"
#include "core/core.h"
#include "nn/loss_common.h"
#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/elementwise.h"
#include "wick/indexing.h"
#include "wick/reduction.h"

namespace wick::nn {

using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;
using autograd::TensorList;
using namespace loss_detail;

namespace {

[[noreturn]] void bad_target(const char* op, int64_t value, int64_t classes, int64_t ignore_index) {
  throw Error(wick::detail::concat(op, ": target ", value, " is out of range for ", classes, " classes (valid: 0 .. ",
                             classes - 1, ", or ignore_index=", ignore_index,
                             "); check the labels and the model's output size"));
}

// Class-index targets: dtype, shape and device against input [C], [N, C] or
// [N, C, d...]. Values are checked later (on the host, or in the kernel).
void check_class_target(const char* op, const Tensor& input, const Tensor& target) {
  WICK_CHECK(input.dim() >= 1, op, ": input must have a class dim ([C], [N, C] or [N, C, d1, ...]), got ",
             input.describe());
  Shape expected;
  if (input.dim() >= 2) {
    expected.push_back(input.size(0));
    for (int64_t d = 2; d < input.dim(); ++d) expected.push_back(input.size(d));
  }
  if (is_floating(target.dtype()))
    throw Error(wick::detail::concat(op, ": got a floating target of shape ", shape_str(target.sizes()), " for input ",
                               shape_str(input.sizes()), "; expected int64 class indices of shape ",
                               shape_str(expected),
                               "; for probabilities pass a float tensor of the input's shape"));
  WICK_CHECK(target.dtype() == kInt64, op, ": expected int64 class indices, got ", target.describe(),
             "; convert with .to(kInt64)");
  WICK_CHECK(target.sizes() == expected, op, ": target of shape ", shape_str(target.sizes()),
             " does not match input of shape ", shape_str(input.sizes()), "; class indices must have shape ",
             shape_str(expected), " (input's shape without the class dim 1)");
}

// Host-side range check (composed path; the fused kernel checks as it reads).
void check_class_values(const char* op, const Tensor& target, int64_t classes, int64_t ignore_index) {
  // A CUDA target is not read back (that would sync every step): the gather
  // kernel checks the classes and reports a bad one at the next synchronization.
  if (target.numel() == 0 || !target.is_cpu()) return;
  Tensor host = core::contiguous(target.is_cpu() ? target : core::to_device(target, Device::cpu()));
  const int64_t* p = host.data_ptr<int64_t>();
  for (int64_t i = 0, n = host.numel(); i < n; ++i)
    if ((p[i] < 0 || p[i] >= classes) && p[i] != ignore_index) [[unlikely]]
      bad_target(op, p[i], classes, ignore_index);
}

Tensor check_class_weight(const char* op, const Tensor& weight, const Tensor& input, int64_t classes) {
  if (!weight.defined()) return weight;
  Tensor w = check_weight(op, "weight", weight, input, {classes});
  WICK_CHECK(w.dim() == 1 && w.size(0) == classes, op, ": weight must be 1-D with one value per class (", classes,
             "), got ", shape_str(weight.sizes()));
  return w;
}

// The weight shaped to broadcast along the class dim of `input`.
Tensor class_dim_view(const Tensor& w, const Tensor& input) {
  if (input.dim() == 1) return w;
  Shape s(static_cast<size_t>(input.dim()), 1);
  s[1] = w.size(0);
  return w.reshape(s);
}

// ---------------- fused CPU kernel ----------------

struct CeArgs {
  Tensor x;       // [M, C] contiguous
  Tensor target;  // [M] contiguous int64
  Tensor weight;  // [C] contiguous or undefined
  int64_t ignore_index;
  double smoothing;
};

// Big batches split their rows over threads (rows are independent); small
// ones stay on the calling thread, where a training step's [128, 10] belongs.
int64_t ce_row_grain(int64_t classes) { return std::max<int64_t>(1, backend::cpu::kGrainExpensive / classes); }

// Checks every target (sequentially: an exception must not leave an OpenMP
// region) and returns the sum of w[target] over rows not ignored: the mean's
// divisor, 0 when every row is ignored.
template <typename T>
double ce_check_targets(const CeArgs& a) {
  const int64_t m = a.x.size(0), c = a.x.size(1);
  const int64_t* tg = a.target.data_ptr<int64_t>();
  const T* w = a.weight.defined() ? a.weight.data_ptr<T>() : nullptr;
  double denom = 0;
  for (int64_t i = 0; i < m; ++i) {
    const int64_t t = tg[i];
    if (t == a.ignore_index) continue;
    if (t < 0 || t >= c) [[unlikely]] bad_target("cross_entropy", t, c, a.ignore_index);
    denom += w ? static_cast<double>(w[t]) : 1.0;
  }
  return denom;
}

// Per-row losses into `rows` and each row's softmax into `probs` [M, C].
template <typename T, typename R>
void ce_forward_rows(const CeArgs& a, R* rows, T* probs) {
  const int64_t c = a.x.size(1);
  const T* x = a.x.data_ptr<T>();
  const int64_t* tg = a.target.data_ptr<int64_t>();
  const T* w = a.weight.defined() ? a.weight.data_ptr<T>() : nullptr;
  const double ls = a.smoothing;
  double w_total = 0;  // sum of the class weights (C without weights)
  if (ls > 0) {
    if (w) for (int64_t j = 0; j < c; ++j) w_total += w[j];
    else w_total = static_cast<double>(c);
  }
  backend::cpu::parallel_for(a.x.size(0), ce_row_grain(c), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const T* row = x + i * c;
      T* p = probs + i * c;
      const int64_t t = tg[i];
      if (t == a.ignore_index) {
        std::fill(p, p + c, T(0));
        rows[i] = 0;
        continue;
      }
      T mx = row[0];
      for (int64_t j = 1; j < c; ++j) mx = std::max(mx, row[j]);
      // A row of -inf (or NaN) logits: let the NaN propagate as PyTorch does.
      if (std::isinf(mx) && mx < 0) mx = 0;
      // float32 uses the backend's vectorizable exp (1-2 ulp); float64 libm.
      // Every exp first, a loop with no dependence between its steps (it
      // vectorizes), then their sum in order; the exps divided by it are the
      // softmax the backward needs.
      for (int64_t j = 0; j < c; ++j) p[j] = backend::cpu::fast_exp(row[j] - mx);
      T s = 0;
      for (int64_t j = 0; j < c; ++j) s += p[j];
      for (int64_t j = 0; j < c; ++j) p[j] /= s;
      const double l = static_cast<double>(mx) + std::log(static_cast<double>(s));
      double loss = -(static_cast<double>(row[t]) - l) * (w ? static_cast<double>(w[t]) : 1.0);
      if (ls > 0) {
        // smooth = -sum_j w_j (x_j - lse) = W lse - sum_j w_j x_j
        double wx = 0;
        if (w) for (int64_t j = 0; j < c; ++j) wx += static_cast<double>(w[j]) * row[j];
        else for (int64_t j = 0; j < c; ++j) wx += row[j];
        loss = (1 - ls) * loss + ls / static_cast<double>(c) * (w_total * l - wx);
      }
      rows[i] = static_cast<R>(loss);
    }
  });
}

// The loss (per row for none, else reduced into out[0]); returns the divisor.
template <typename T>
double ce_forward(const CeArgs& a, Reduction r, T* out, T* probs) {
  const double denom = ce_check_targets<T>(a);
  if (r.kind == Reduction::None) {
    ce_forward_rows<T, T>(a, out, probs);
    return denom;
  }
  // Rows are summed in order on one thread, so the result does not depend on
  // the thread count.
  const int64_t m = a.x.size(0);
  Tensor rows = core::make_tensor({m}, kFloat64, a.x.device());
  double* rp = rows.data_ptr<double>();
  ce_forward_rows<T, double>(a, rp, probs);
  double acc = 0;
  for (int64_t i = 0; i < m; ++i) acc += rp[i];
  out[0] = static_cast<T>(r.kind == Reduction::Sum ? acc : acc / denom);  // 0/0 = NaN when all ignored, as PyTorch
  return denom;
}

// a.x holds the forward's softmax here, not the logits.
template <typename T>
void ce_backward(const CeArgs& a, const Tensor& grad, double scale, Tensor& gx) {
  const int64_t c = a.x.size(1);
  const T* probs = a.x.data_ptr<T>();
  const int64_t* tg = a.target.data_ptr<int64_t>();
  const T* w = a.weight.defined() ? a.weight.data_ptr<T>() : nullptr;
  const T* g = grad.data_ptr<T>();
  const bool per_row = grad.dim() == 1;
  T* out = gx.data_ptr<T>();
  const T ls = static_cast<T>(a.smoothing);
  T w_total = 0;
  if (ls > 0) {
    if (w) for (int64_t j = 0; j < c; ++j) w_total += w[j];
    else w_total = static_cast<T>(c);
  }
  backend::cpu::parallel_for(a.x.size(0), ce_row_grain(c), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      T* o = out + i * c;
      const int64_t t = tg[i];
      if (t == a.ignore_index) {
        std::fill(o, o + c, T(0));
        continue;
      }
      const T* p = probs + i * c;
      const T gi = static_cast<T>((per_row ? g[i] : g[0]) * scale);
      const T pick = gi * (1 - ls) * (w ? w[t] : T(1));
      if (ls > 0) {
        const T smooth = gi * ls / static_cast<T>(c);
        for (int64_t j = 0; j < c; ++j) o[j] = pick * p[j] + smooth * (w_total * p[j] - (w ? w[j] : T(1)));
      } else {
        for (int64_t j = 0; j < c; ++j) o[j] = pick * p[j];
      }
      o[t] -= pick;
    }
  });
}

// x2: [M, C] logits on the CPU; t1: [M] int64. Returns [M] or a scalar.
Tensor ce_fused(const Tensor& x2, const Tensor& t1, const Tensor& weight, const CrossEntropyLossOptions& o) {
  CeArgs a{core::contiguous(x2.detach()), core::contiguous(t1),
           weight.defined() ? core::contiguous(weight) : Tensor(), o.ignore_index, o.label_smoothing};
  const int64_t m = x2.size(0);
  const DType dt = x2.dtype();
  Tensor out = core::make_tensor(o.reduction.kind == Reduction::None ? Shape{m} : Shape{}, dt, x2.device());
  Tensor probs = core::make_tensor(a.x.sizes(), dt, x2.device());
  double denom = dt == kFloat64
                     ? ce_forward<double>(a, o.reduction, out.data_ptr<double>(), probs.data_ptr<double>())
                     : ce_forward<float>(a, o.reduction, out.data_ptr<float>(), probs.data_ptr<float>());
  if (needs_grad(x2)) {
    const double scale = o.reduction.kind == Reduction::Mean ? 1.0 / denom : 1.0;
    record("CrossEntropyBackward", {&x2}, {&out},
           [probs, st = SavedTensor(a.target, false), w = a.weight, scale, ignore = a.ignore_index,
            ls = a.smoothing](const TensorList& g) -> TensorList {
             CeArgs args{probs, st.get("CrossEntropyBackward"), w, ignore, ls};
             Tensor grad = core::contiguous(g[0]);
             Tensor gx = core::make_tensor(args.x.sizes(), args.x.dtype(), args.x.device());
             if (args.x.dtype() == kFloat64) ce_backward<double>(args, grad, scale, gx);
             else ce_backward<float>(args, grad, scale, gx);
             return {gx};
           });
  }
  return out;
}

// [N, C, d...] -> [N*d..., C]: the class dim last, rows contiguous.
Tensor classes_last(const Tensor& input) {
  if (input.dim() == 2) return input;
  if (input.dim() == 1) return input.unsqueeze(0);
  Shape perm{0};
  for (int64_t d = 2; d < input.dim(); ++d) perm.push_back(d);
  perm.push_back(1);
  return input.permute(perm).reshape({-1, input.size(1)});
}

Tensor nll_composed(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                    Reduction r) {
  const int64_t cdim = input.dim() == 1 ? 0 : 1;
  Tensor ignored = target.eq(static_cast<double>(ignore_index));
  Tensor safe = masked_fill(target, ignored, 0);
  Tensor picked = input.gather(cdim, safe.unsqueeze(cdim)).squeeze(cdim);
  Tensor valid = logical_not(ignored).to(input.dtype());
  Tensor wt = weight.defined() ? weight.index_select(0, safe.reshape({-1})).reshape(target.sizes()) * valid : valid;
  if (r.kind == Reduction::None) return -picked * wt;
  if (r.kind == Reduction::Sum) return -(picked * wt).sum();
  // mean = sum(w picked) / sum(w). The weights are constants, so fold 1/sum(w)
  // into them: when every target is ignored the loss is NaN (0/0, as PyTorch)
  // but the gradient stays 0 instead of 0 * inf.
  Tensor coef, nan_if_empty;
  {
    NoGradGuard g;
    Tensor denom = wt.sum();
    coef = where(wt.eq(0.0), 0.0, wt / denom);
    nan_if_empty = masked_fill(zeros_like(denom), denom.eq(0.0), std::numeric_limits<double>::quiet_NaN());
  }
  return -(picked * coef).sum() + nan_if_empty;
}

Tensor ce_probabilities(const Tensor& input, const Tensor& target, const Tensor& weight,
                        const CrossEntropyLossOptions& o) {
  const char* op = "cross_entropy";
  WICK_CHECK(o.ignore_index < 0, op, ": ignore_index (", o.ignore_index,
             ") is not supported with probability targets; leave it at -100 or pass class indices");
  const int64_t cdim = input.dim() == 1 ? 0 : 1;
  const int64_t c = input.size(cdim);
  Tensor y = target.dtype() == input.dtype() ? target : target.to(input.dtype());
  if (o.label_smoothing > 0) y = y * (1.0 - o.label_smoothing) + o.label_smoothing / static_cast<double>(c);
  Tensor prod = log_softmax(input, cdim) * y;
  if (weight.defined()) prod = prod * class_dim_view(weight, input);
  switch (o.reduction.kind) {
    case Reduction::None: return -prod.sum(cdim);
    case Reduction::Sum: return -prod.sum();
    default: return -prod.sum() / (static_cast<double>(input.numel()) / static_cast<double>(c));
  }
}

}  // namespace

namespace detail {

Tensor cross_entropy_composed(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& o) {
  const int64_t cdim = input.dim() == 1 ? 0 : 1;
  const int64_t c = input.size(cdim);
  check_class_values("cross_entropy", target, c, o.ignore_index);
  Tensor logp = log_softmax(input, cdim);
  Tensor nll = nll_composed(logp, target, o.weight, o.ignore_index, o.reduction);
  if (o.label_smoothing <= 0) return nll;
  Tensor ignored = target.eq(static_cast<double>(o.ignore_index));
  Tensor smooth = o.weight.defined() ? -(logp * class_dim_view(o.weight, input)).sum(cdim) : -logp.sum(cdim);
  smooth = masked_fill(smooth, ignored, 0.0);
  Tensor ret;
  switch (o.reduction.kind) {
    case Reduction::None: ret = smooth; break;
    case Reduction::Sum: ret = smooth.sum(); break;
    default: {
      Tensor valid = logical_not(ignored).to(input.dtype());
      Tensor safe = masked_fill(target, ignored, 0);
      Tensor denom = o.weight.defined() ? (o.weight.index_select(0, safe.reshape({-1})) * valid.reshape({-1})).sum()
                                        : valid.sum();
      ret = smooth.sum() / denom;
    }
  }
  return nll * (1.0 - o.label_smoothing) + ret * (o.label_smoothing / static_cast<double>(c));
}

}  // namespace detail

namespace functional {

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& o) {
  const char* op = "cross_entropy";
  check_reduction(op, o.reduction);
  check_input_target(op, input, target);
  WICK_CHECK(o.label_smoothing >= 0 && o.label_smoothing <= 1, op, ": label_smoothing must be in [0, 1], got ",
             o.label_smoothing);
  WICK_CHECK(input.dim() >= 1, op, ": input must have a class dim ([C], [N, C] or [N, C, d1, ...]), got ",
             input.describe());
  const int64_t c = input.size(input.dim() == 1 ? 0 : 1);
  Tensor w = check_class_weight(op, o.weight, input, c);

  // Probability targets: a float tensor of exactly the input's shape.
  if (is_floating(target.dtype()) && target.sizes() == input.sizes()) return ce_probabilities(input, target, w, o);

  check_class_target(op, input, target);
  CrossEntropyLossOptions opts = o;
  opts.weight = w;
  if (!input.is_cpu()) return detail::cross_entropy_composed(input, target, opts);
  Tensor rows = ce_fused(classes_last(input), target.dim() == 1 ? target : target.reshape({-1}), w, opts);
  return o.reduction.kind == Reduction::None && rows.sizes() != target.sizes() ? rows.reshape(target.sizes()) : rows;
}

Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& o) {
  const char* op = "nll_loss";
  check_reduction(op, o.reduction);
  check_input_target(op, input, target);
  check_class_target(op, input, target);
  const int64_t c = input.size(input.dim() == 1 ? 0 : 1);
  Tensor w = check_class_weight(op, o.weight, input, c);
  check_class_values(op, target, c, o.ignore_index);
  return nll_composed(input, target, w, o.ignore_index, o.reduction);
}

}  // namespace functional

}  // namespace wick::nn
