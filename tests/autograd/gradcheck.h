#pragma once
// A finite-difference gradient check in float64, as torch.autograd.gradcheck.
//
// For f(inputs) -> y, it compares the gradient that backward() computes for
// L = sum(f(x) * w), with w a fixed random tensor of y's shape, against
// central differences (L(x + eps) - L(x - eps)) / 2eps of every element of
// every input that requires grad. Weighting by a random w (rather than summing
// y) makes every output element count with a different factor, so a gradient
// that lands on the wrong output position cannot cancel out.
//
// Header-only: the test target globs *_test.cpp, so a .cpp here would not be
// compiled.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "wick/wick.h"

namespace wick::testing {

using GradFn = std::function<Tensor(const std::vector<Tensor>&)>;

struct GradcheckOptions {
  double eps = 1e-6;
  // float64 central differences are accurate to ~1e-9 for the smooth inputs the
  // cases use; these bounds still catch any wrong factor, sign or position.
  double atol = 1e-5;
  double rtol = 1e-4;
};

struct GradcheckResult {
  bool ok = true;
  std::string message;           // what went wrong; empty when ok
  int64_t checked_inputs = 0;    // inputs that require grad
  int64_t checked_elements = 0;  // elements perturbed
};

namespace detail {

// Row-major multi-index of flat position `i`.
inline Shape unravel(int64_t i, const Shape& sizes) {
  Shape idx(sizes.size(), 0);
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    idx[d] = i % sizes[d];
    i /= sizes[d];
  }
  return idx;
}

inline std::string index_str(const Shape& idx) {
  std::ostringstream os;
  os << "[";
  for (size_t d = 0; d < idx.size(); ++d) os << (d ? ", " : "") << idx[d];
  os << "]";
  return os.str();
}

// Address of element `idx`, honouring strides: inputs are perturbed where they
// live, so a non-contiguous input stays non-contiguous in the numeric pass.
inline double* element_ptr(const Tensor& t, const Shape& idx) {
  double* p = t.data_ptr<double>();
  for (size_t d = 0; d < idx.size(); ++d) p += idx[d] * t.strides()[d];
  return p;
}

// True when two elements of `t` share memory (stride 0 or overlapping
// strides): perturbing one would perturb the other and the numeric gradient
// would be meaningless.
inline bool self_overlapping(const Tensor& t) {
  std::set<const double*> seen;
  for (int64_t i = 0; i < t.numel(); ++i)
    if (!seen.insert(element_ptr(t, unravel(i, t.sizes()))).second) return true;
  return false;
}

inline double weighted_sum(const GradFn& f, const std::vector<Tensor>& inputs, const Tensor& w) {
  NoGradGuard no_grad;
  return (f(inputs) * w).sum().item();
}

}  // namespace detail

// `label` names the op and the case in failure messages. Inputs that require
// grad must be float64 leaves; the others (indices, masks) pass through.
inline GradcheckResult gradcheck(const std::string& label, const GradFn& f,
                                 const std::vector<Tensor>& inputs,
                                 const GradcheckOptions& opt = {}) {
  GradcheckResult r;
  auto fail = [&](const std::string& why) {
    r.ok = false;
    r.message = label + ": " + why;
    return r;
  };

  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    if (!x.defined() || !x.requires_grad()) continue;
    if (x.dtype() != kFloat64 || !x.is_leaf())
      return fail("input " + std::to_string(i) + " (" + x.describe() +
                  ") must be a float64 leaf to be checked");
    if (detail::self_overlapping(x))
      return fail("input " + std::to_string(i) + " has overlapping elements");
    x.impl()->grad.reset();  // start from no gradient, whatever the caller did
    ++r.checked_inputs;
  }
  if (r.checked_inputs == 0) return fail("no input requires grad");

  // ---- analytic: backward() through the graph ----
  Tensor y = f(inputs);
  if (y.dtype() != kFloat64) return fail("output is " + y.describe() + ", expected float64");
  Tensor w;
  {
    NoGradGuard no_grad;
    w = randn(y.sizes(), {.dtype = kFloat64});
  }
  Tensor loss = (y * w).sum();
  if (!loss.requires_grad())
    return fail("output " + y.describe() + " does not require grad: the op was not recorded");
  loss.backward();

  std::vector<std::vector<double>> analytic(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    if (!x.defined() || !x.requires_grad()) continue;
    Tensor g = x.grad();
    if (!g.defined()) {
      // As torch.autograd.gradcheck: an input backward never reached has a
      // zero gradient (the numeric pass must then find zero too).
      analytic[i].assign(static_cast<size_t>(x.numel()), 0.0);
      continue;
    }
    if (g.sizes() != x.sizes() || g.dtype() != kFloat64)
      return fail("input " + std::to_string(i) + " " + x.describe() + " got gradient " + g.describe());
    analytic[i] = g.contiguous().to_vector<double>();
  }

  // ---- numeric: central differences, element by element ----
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    if (!x.defined() || !x.requires_grad()) continue;
    double worst_excess = -std::numeric_limits<double>::infinity();
    int64_t worst = -1, bad = 0;
    double worst_a = 0, worst_n = 0;
    for (int64_t e = 0; e < x.numel(); ++e) {
      double* p = detail::element_ptr(x, detail::unravel(e, x.sizes()));
      const double orig = *p;
      *p = orig + opt.eps;
      const double lp = detail::weighted_sum(f, inputs, w);
      *p = orig - opt.eps;
      const double lm = detail::weighted_sum(f, inputs, w);
      *p = orig;
      const double num = (lp - lm) / (2 * opt.eps);
      const double ana = analytic[i][static_cast<size_t>(e)];
      double excess = std::abs(ana - num) - (opt.atol + opt.rtol * std::abs(num));
      if (!std::isfinite(ana) || !std::isfinite(num)) excess = std::numeric_limits<double>::infinity();
      if (excess > 0) ++bad;
      if (excess > worst_excess || worst < 0) {
        worst_excess = excess;
        worst = e;
        worst_a = ana;
        worst_n = num;
      }
      ++r.checked_elements;
    }
    if (bad > 0) {
      std::ostringstream os;
      os.precision(10);
      os << "input " << i << " " << x.describe() << ": " << bad << " of " << x.numel()
         << " gradient elements wrong; worst at " << detail::index_str(detail::unravel(worst, x.sizes()))
         << ": analytic " << worst_a << " vs numeric " << worst_n
         << " (atol " << opt.atol << ", rtol " << opt.rtol << ")";
      return fail(os.str());
    }
  }
  return r;
}

// The same comparison for inputs too big to perturb one element at a time:
// for each input, a random direction v, and (L(x + eps v) - L(x - eps v)) /
// 2eps against <dL/dx, v>. Two forward passes per input, so sizes can reach
// the kernels' vectorized and multi-threaded paths; a gradient wrong anywhere
// shifts the dot product, except by a cancellation that a random v makes
// vanishingly unlikely.
inline GradcheckResult directional_gradcheck(const std::string& label, const GradFn& f,
                                             const std::vector<Tensor>& inputs,
                                             const GradcheckOptions& opt = {}) {
  GradcheckResult r;
  auto fail = [&](const std::string& why) {
    r.ok = false;
    r.message = label + ": " + why;
    return r;
  };
  for (const Tensor& x : inputs) {
    if (!x.defined() || !x.requires_grad()) continue;
    if (x.dtype() != kFloat64 || !x.is_leaf()) return fail("inputs that require grad must be float64 leaves");
    x.impl()->grad.reset();
    ++r.checked_inputs;
  }
  Tensor y = f(inputs);
  Tensor w;
  {
    NoGradGuard no_grad;
    w = randn(y.sizes(), {.dtype = kFloat64});
  }
  Tensor loss = (y * w).sum();
  if (!loss.requires_grad()) return fail("output does not require grad: the op was not recorded");
  loss.backward();

  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    if (!x.defined() || !x.requires_grad()) continue;
    std::vector<double> g = x.grad().defined() ? x.grad().contiguous().to_vector<double>()
                                               : std::vector<double>(static_cast<size_t>(x.numel()), 0.0);
    std::vector<double> v = randn({x.numel()}, {.dtype = kFloat64}).to_vector<double>();
    std::vector<double*> ptr(v.size());
    double analytic = 0, scale = 0;
    for (int64_t e = 0; e < x.numel(); ++e) {
      ptr[e] = detail::element_ptr(x, detail::unravel(e, x.sizes()));
      analytic += g[e] * v[e];
      scale += std::abs(g[e] * v[e]);
    }
    std::vector<double> orig(v.size());
    for (size_t e = 0; e < v.size(); ++e) orig[e] = *ptr[e];
    auto shift = [&](double by) {
      for (size_t e = 0; e < v.size(); ++e) *ptr[e] = orig[e] + by * v[e];
    };
    shift(opt.eps);
    const double lp = detail::weighted_sum(f, inputs, w);
    shift(-opt.eps);
    const double lm = detail::weighted_sum(f, inputs, w);
    shift(0);
    const double numeric = (lp - lm) / (2 * opt.eps);
    r.checked_elements += x.numel();
    // Tolerance relative to the sum of |terms|: the dot product of n terms
    // carries n roundings.
    const double tol = opt.atol + opt.rtol * scale;
    if (!(std::abs(analytic - numeric) <= tol)) {
      std::ostringstream os;
      os.precision(10);
      os << "input " << i << " " << x.describe() << ": directional derivative analytic " << analytic
         << " vs numeric " << numeric << " (tolerance " << tol << ")";
      return fail(os.str());
    }
  }
  return r;
}

}  // namespace wick::testing
