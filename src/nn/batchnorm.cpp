// Batch normalization: the fused functional::batch_norm (forward: one pass
// for mean and variance, one to normalize; backward: one pass for
// dgamma/dbeta, one for dx) and the BatchNorm1d layer.
//
// The input is seen as [N, C, L] (L = product of dims after 1, 1 for [N, C]).
// Statistics accumulate in double whatever the dtype, so a float32 batch of
// many samples keeps its variance accurate.
#include "wick/nn/batchnorm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/node.h"
#include "nn/layers_common.h"
#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/elementwise.h"
#include "wick/nn/functional.h"
#include "wick/reduction.h"

namespace wick::nn {

namespace {

using autograd::SavedTensor;
using autograd::TensorList;

struct Geometry {
  int64_t n, c, l;
  int64_t count() const { return n * l; }  // values per channel
};

// Per-channel mean and biased variance in one pass: sums of d = x - K and
// d^2 in double, with K the channel's first value. The shift keeps
// E[d^2] - E[d]^2 from cancelling when |mean| >> std (K is within a few
// standard deviations of the mean). L == 1 walks rows, so the inner loop
// runs over contiguous channels and vectorizes.
template <typename T>
void channel_moments(const T* x, const Geometry& g, std::vector<double>& mean, std::vector<double>& var) {
  std::vector<double> k(g.c), s1(g.c, 0.0), s2(g.c, 0.0);
  for (int64_t ch = 0; ch < g.c; ++ch) k[ch] = static_cast<double>(x[ch * g.l]);
  if (g.l == 1) {
    for (int64_t i = 0; i < g.n; ++i) {
      const T* row = x + i * g.c;
      for (int64_t ch = 0; ch < g.c; ++ch) {
        const double d = static_cast<double>(row[ch]) - k[ch];
        s1[ch] += d;
        s2[ch] += d * d;
      }
    }
  } else {
    for (int64_t i = 0; i < g.n; ++i)
      for (int64_t ch = 0; ch < g.c; ++ch) {
        const T* p = x + (i * g.c + ch) * g.l;
        const double kc = k[ch];
        double a = 0, b = 0;
        for (int64_t j = 0; j < g.l; ++j) {
          const double d = static_cast<double>(p[j]) - kc;
          a += d;
          b += d * d;
        }
        s1[ch] += a;
        s2[ch] += b;
      }
  }
  const double inv_m = 1.0 / static_cast<double>(g.count());
  for (int64_t ch = 0; ch < g.c; ++ch) {
    const double m = s1[ch] * inv_m;
    mean[ch] = k[ch] + m;
    var[ch] = std::max(0.0, s2[ch] * inv_m - m * m);
  }
}

// out = x * a[c] + b[c]
template <typename T>
void channel_affine(const T* x, T* out, const Geometry& g, const std::vector<T>& a, const std::vector<T>& b) {
  if (g.l == 1) {
    for (int64_t i = 0; i < g.n; ++i) {
      const T* row = x + i * g.c;
      T* orow = out + i * g.c;
      for (int64_t ch = 0; ch < g.c; ++ch) orow[ch] = row[ch] * a[ch] + b[ch];
    }
    return;
  }
  for (int64_t i = 0; i < g.n; ++i)
    for (int64_t ch = 0; ch < g.c; ++ch) {
      const int64_t base = (i * g.c + ch) * g.l;
      const T av = a[ch], bv = b[ch];
      for (int64_t k = 0; k < g.l; ++k) out[base + k] = x[base + k] * av + bv;
    }
}

// A [C] tensor's values as doubles on the host (weights, running stats).
// Reads CPU tensors in place: this runs every training step.
std::vector<double> host_values(const Tensor& t, int64_t c, double fallback) {
  if (!t.defined()) return std::vector<double>(static_cast<size_t>(c), fallback);
  if (t.is_cpu() && t.is_contiguous()) {
    if (t.dtype() == kFloat32) return std::vector<double>(t.data_ptr<float>(), t.data_ptr<float>() + c);
    if (t.dtype() == kFloat64) return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + c);
  }
  Tensor h = core::contiguous(core::to_dtype(t.is_cpu() ? t : core::to_device(t, Device::cpu()), kFloat64));
  return std::vector<double>(h.data_ptr<double>(), h.data_ptr<double>() + c);
}

template <typename T>
void store_typed(const Tensor& dst, const std::vector<double>& v) {
  T* p = dst.data_ptr<T>();
  for (size_t i = 0; i < v.size(); ++i) p[i] = static_cast<T>(v[i]);
  core::bump_version(dst);
}

// Writes running statistics in place (same tensor, so optimizers, state_dict
// views and clones keep pointing at it).
void store_values(const Tensor& dst, const std::vector<double>& v) {
  if (dst.is_cpu() && dst.is_contiguous() && dst.dtype() == kFloat32) return store_typed<float>(dst, v);
  if (dst.is_cpu() && dst.is_contiguous() && dst.dtype() == kFloat64) return store_typed<double>(dst, v);
  core::copy_into(dst, from_vector(v));  // converts dtype, crosses devices, bumps the version
}

// y = (x - mean) * invstd * w + b, and its fused backward.
template <typename T>
Tensor normalize(const Tensor& x, const Geometry& g, const std::vector<double>& mean, const std::vector<double>& invstd,
                 const std::vector<double>& w, const std::vector<double>& b) {
  std::vector<T> scale(g.c), shift(g.c);
  for (int64_t ch = 0; ch < g.c; ++ch) {
    double s = invstd[ch] * w[ch];
    scale[ch] = static_cast<T>(s);
    shift[ch] = static_cast<T>(b[ch] - mean[ch] * s);
  }
  Tensor y = core::make_tensor(x.sizes(), x.dtype(), x.device());
  channel_affine<T>(x.data_ptr<T>(), y.data_ptr<T>(), g, scale, shift);
  return y;
}

struct BackwardResult {
  Tensor dx, dw, db;
};

// dbeta = sum g; dgamma = sum g * xhat; in training also through the batch
// statistics: dx = w invstd (g - dbeta/M - xhat dgamma/M).
template <typename T>
BackwardResult backward(const Tensor& grad, const Tensor& x, const Geometry& g, const std::vector<double>& mean,
                        const std::vector<double>& invstd, const std::vector<double>& w, bool training, bool need_dx,
                        bool need_dw, bool need_db) {
  Tensor go = core::contiguous(grad);
  const T* gp = go.data_ptr<T>();
  const T* xp = x.data_ptr<T>();
  std::vector<double> sum_g(g.c, 0.0), sum_gx(g.c, 0.0);
  // One pass: both sums at once (sum g*(x-mean) = sum g*x - mean*sum g).
  if (g.l == 1) {
    for (int64_t i = 0; i < g.n; ++i)
      for (int64_t ch = 0; ch < g.c; ++ch) {
        double gv = gp[i * g.c + ch];
        sum_g[ch] += gv;
        sum_gx[ch] += gv * (static_cast<double>(xp[i * g.c + ch]) - mean[ch]);
      }
  } else {
    for (int64_t i = 0; i < g.n; ++i)
      for (int64_t ch = 0; ch < g.c; ++ch) {
        const int64_t base = (i * g.c + ch) * g.l;
        double sg = 0, sgx = 0;
        const double m = mean[ch];
        for (int64_t k = 0; k < g.l; ++k) {
          double gv = gp[base + k];
          sg += gv;
          sgx += gv * (static_cast<double>(xp[base + k]) - m);
        }
        sum_g[ch] += sg;
        sum_gx[ch] += sgx;
      }
  }
  BackwardResult r;
  const int64_t c = g.c;
  if (need_db) r.db = from_vector(sum_g).to(x.dtype());
  if (need_dw) {
    std::vector<double> dw(c);
    for (int64_t ch = 0; ch < c; ++ch) dw[ch] = sum_gx[ch] * invstd[ch];
    r.dw = from_vector(dw).to(x.dtype());
  }
  if (need_dx) {
    // dx = g * k1 + x * k2 + k3, per channel.
    std::vector<T> k1(c), k2(c), k3(c);
    const double inv_m = 1.0 / static_cast<double>(g.count());
    for (int64_t ch = 0; ch < c; ++ch) {
      double a = w[ch] * invstd[ch];
      double b = training ? -a * invstd[ch] * invstd[ch] * sum_gx[ch] * inv_m : 0.0;
      double k = training ? -a * sum_g[ch] * inv_m - mean[ch] * b : 0.0;
      k1[ch] = static_cast<T>(a);
      k2[ch] = static_cast<T>(b);
      k3[ch] = static_cast<T>(k);
    }
    r.dx = core::make_tensor(x.sizes(), x.dtype(), x.device());
    T* dp = r.dx.data_ptr<T>();
    if (g.l == 1) {
      for (int64_t i = 0; i < g.n; ++i)
        for (int64_t ch = 0; ch < c; ++ch) {
          const int64_t j = i * c + ch;
          dp[j] = gp[j] * k1[ch] + xp[j] * k2[ch] + k3[ch];
        }
    } else {
      for (int64_t i = 0; i < g.n; ++i)
        for (int64_t ch = 0; ch < c; ++ch) {
          const int64_t base = (i * c + ch) * g.l;
          const T a = k1[ch], b = k2[ch], k = k3[ch];
          for (int64_t j = base; j < base + g.l; ++j) dp[j] = gp[j] * a + xp[j] * b + k;
        }
    }
  }
  return r;
}

// The fused CPU path for float32/float64.
template <typename T>
Tensor batch_norm_cpu(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                      const Tensor& bias, bool training, double momentum, double eps, const Geometry& g) {
  Tensor x = core::contiguous(input);
  const int64_t c = g.c;
  std::vector<double> mean(c), var(c), invstd(c);
  if (training) {
    channel_moments<T>(x.data_ptr<T>(), g, mean, var);
    for (int64_t ch = 0; ch < c; ++ch) invstd[ch] = 1.0 / std::sqrt(var[ch] + eps);
    NoGradGuard no_grad;
    if (running_mean.defined()) {
      std::vector<double> rm = host_values(running_mean, c, 0.0);
      for (int64_t ch = 0; ch < c; ++ch) rm[ch] = (1 - momentum) * rm[ch] + momentum * mean[ch];
      store_values(running_mean, rm);
    }
    if (running_var.defined()) {
      std::vector<double> rv = host_values(running_var, c, 1.0);
      const double unbias = static_cast<double>(g.count()) / static_cast<double>(g.count() - 1);
      for (int64_t ch = 0; ch < c; ++ch) rv[ch] = (1 - momentum) * rv[ch] + momentum * var[ch] * unbias;
      store_values(running_var, rv);
    }
  } else {
    mean = host_values(running_mean, c, 0.0);
    std::vector<double> rv = host_values(running_var, c, 1.0);
    for (int64_t ch = 0; ch < c; ++ch) invstd[ch] = 1.0 / std::sqrt(rv[ch] + eps);
  }
  std::vector<double> w = host_values(weight, c, 1.0), b = host_values(bias, c, 0.0);
  Tensor y = normalize<T>(x, g, mean, invstd, w, b);

  if (autograd::needs_grad({&input, &weight, &bias})) {
    autograd::record(
        "BatchNormBackward", {&input, &weight, &bias}, {&y},
        [sx = SavedTensor(x, false), sw = SavedTensor(weight, false), g, mean = std::move(mean),
         invstd = std::move(invstd), training, rx = input.requires_grad(),
         rw = weight.defined() && weight.requires_grad(),
         rb = bias.defined() && bias.requires_grad()](const TensorList& grads) -> TensorList {
          if (!grads[0].defined()) return {Tensor(), Tensor(), Tensor()};
          Tensor xv = sx.get("BatchNormBackward");
          std::vector<double> w = host_values(sw.defined() ? sw.get("BatchNormBackward") : Tensor(), g.c, 1.0);
          BackwardResult r = backward<T>(core::to_dtype(grads[0], xv.dtype()), xv, g, mean, invstd, w, training,
                                         rx, rw, rb);
          return {r.dx, r.dw, r.db};
        });
  }
  return y;
}

// Composed from differentiable public ops: any device, autograd derives the
// gradient. Used where the fused host kernels cannot run.
Tensor batch_norm_composed(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                           const Tensor& weight, const Tensor& bias, bool training, double momentum, double eps,
                           const Geometry& g) {
  Shape dims{0};
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  Shape bshape(static_cast<size_t>(x.dim()), 1);
  bshape[1] = g.c;
  Tensor mean, var;
  if (training) {
    mean = wick::mean(x, dims, true);
    var = wick::var(x, dims, false, true);
    NoGradGuard no_grad;
    const double unbias = static_cast<double>(g.count()) / static_cast<double>(g.count() - 1);
    if (running_mean.defined())
      running_mean.copy_(running_mean * (1 - momentum) + mean.detach().reshape({g.c}) * momentum);
    if (running_var.defined())
      running_var.copy_(running_var * (1 - momentum) + var.detach().reshape({g.c}) * (momentum * unbias));
  } else {
    mean = running_mean.reshape(bshape);
    var = running_var.reshape(bshape);
  }
  Tensor y = (x - mean) / wick::sqrt(var + eps);
  if (weight.defined()) y = y * weight.reshape(bshape);
  if (bias.defined()) y = y + bias.reshape(bshape);
  return y;
}

void check_channel_tensor(const Tensor& t, const char* what, const Tensor& input, int64_t c) {
  if (!t.defined()) return;
  WICK_CHECK(t.dim() == 1 && t.size(0) == c, "batch_norm: ", what, " should have ", c,
             " elements (one per channel of input ", input.describe(), "), got ", t.describe());
  WICK_CHECK(t.dtype() == input.dtype(), "batch_norm: ", what, " is ", dtype_name(t.dtype()), " but the input is ",
             dtype_name(input.dtype()), "; convert the module with .to(", dtype_name(input.dtype()),
             ") or the input with .to(", dtype_name(t.dtype()), ")");
  core::check_same_device("batch_norm", input, t);
}

}  // namespace

namespace functional {

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  core::check_defined("batch_norm", input);
  core::check_floating("batch_norm", input);
  WICK_CHECK(input.dim() >= 2, "batch_norm: expected input of shape [N, C] or [N, C, L], got ", input.describe());
  Geometry g{input.size(0), input.size(1), 1};
  for (int64_t d = 2; d < input.dim(); ++d) g.l *= input.size(d);
  check_channel_tensor(running_mean, "running_mean", input, g.c);
  check_channel_tensor(running_var, "running_var", input, g.c);
  check_channel_tensor(weight, "weight", input, g.c);
  check_channel_tensor(bias, "bias", input, g.c);
  WICK_CHECK(training || (running_mean.defined() && running_var.defined()),
             "batch_norm: running_mean and running_var must be given when training=false");
  if (training)
    WICK_CHECK(g.count() > 1, "Expected more than 1 value per channel when training, got input size ",
               shape_str(input.sizes()), " (batch_norm needs a batch of at least 2 samples in training, "
               "or call eval() first)");
  if (input.numel() == 0) return input.clone();
  if (input.is_cpu()) {
    if (input.dtype() == kFloat64)
      return batch_norm_cpu<double>(input, running_mean, running_var, weight, bias, training, momentum, eps, g);
    return batch_norm_cpu<float>(input, running_mean, running_var, weight, bias, training, momentum, eps, g);
  }
  return batch_norm_composed(input, running_mean, running_var, weight, bias, training, momentum, eps, g);
}

}  // namespace functional

// ---------------- BatchNorm1d ----------------

BatchNorm1d::BatchNorm1d(int64_t num_features, const BatchNormOptions& o)
    : num_features(num_features), eps(o.eps), momentum(o.momentum), affine(o.affine),
      track_running_stats(o.track_running_stats) {
  WICK_CHECK(num_features > 0, "BatchNorm1d: num_features must be positive, got ", num_features);
  WICK_CHECK(is_floating(o.dtype), "BatchNorm1d: dtype must be floating, got ", dtype_name(o.dtype));
  TensorOptions to{.dtype = o.dtype, .device = o.device};
  if (affine) {
    weight = ones({num_features}, to);
    bias = zeros({num_features}, to);
    register_parameter("weight", weight);
    register_parameter("bias", bias);
  }
  if (track_running_stats) {
    running_mean = zeros({num_features}, to);
    running_var = ones({num_features}, to);
    num_batches_tracked = zeros({}, {.dtype = kInt64, .device = o.device});
    register_buffer("running_mean", running_mean);
    register_buffer("running_var", running_var);
    register_buffer("num_batches_tracked", num_batches_tracked);
  }
}

void BatchNorm1d::reset_running_stats() {
  if (!track_running_stats) return;
  NoGradGuard g;
  running_mean.zero_();
  running_var.fill_(1);
  num_batches_tracked.zero_();
}

void BatchNorm1d::reset_parameters() {
  reset_running_stats();
  if (!affine) return;
  NoGradGuard g;
  weight.fill_(1);
  bias.zero_();
}

Tensor BatchNorm1d::forward(const Tensor& input) {
  WICK_CHECK(input.defined() && (input.dim() == 2 || input.dim() == 3), "BatchNorm1d(", num_features,
             "): expected 2D or 3D input ([N, C] or [N, C, L]), got ",
             input.defined() ? input.describe() : std::string("an undefined tensor"),
             input.defined() && input.dim() == 4 ? "; use BatchNorm2d for images" : "");
  return normalize(input);
}

Tensor BatchNorm2d::forward(const Tensor& input) {
  WICK_CHECK(input.defined() && input.dim() == 4, "BatchNorm2d(", num_features,
             "): expected 4D input [N, C, H, W], got ",
             input.defined() ? input.describe() : std::string("an undefined tensor"),
             input.defined() && input.dim() < 4 ? "; use BatchNorm1d for [N, C] or [N, C, L]" : "");
  return normalize(input);
}

Tensor BatchNorm1d::normalize(const Tensor& input) {
  WICK_CHECK(input.size(1) == num_features, name(), "(", num_features, "): expected input with ", num_features,
             " channels in dim 1 (num_features), got ", input.size(1), " in ", input.describe(),
             input.dim() == 3 && input.size(2) == num_features   ? "; is the input [N, L, C]? transpose it to [N, C, L]"
             : input.dim() == 4 && input.size(3) == num_features ? "; is the input [N, H, W, C]? permute it to [N, C, H, W]"
                                                                  : "");
  double factor = momentum.value_or(0.0);
  if (is_training() && track_running_stats) {
    NoGradGuard g;
    num_batches_tracked.add_(1.0);
    // momentum=None: a cumulative average, weighting every batch equally.
    if (!momentum) factor = 1.0 / num_batches_tracked.item();
  }
  // Without running statistics the batch's own are used, even in eval.
  const bool use_batch_stats = is_training() || !track_running_stats;
  const bool update = is_training() && track_running_stats;
  return functional::batch_norm(input, use_batch_stats && !update ? Tensor() : running_mean,
                                use_batch_stats && !update ? Tensor() : running_var, weight, bias, use_batch_stats,
                                factor, eps);
}

std::string BatchNorm1d::extra_repr() const {
  return std::to_string(num_features) + ", eps=" + detail::python_float(eps) +
         ", momentum=" + (momentum ? detail::python_float(*momentum) : std::string("None")) +
         ", affine=" + detail::python_bool(affine) + ", track_running_stats=" + detail::python_bool(track_running_stats);
}

}  // namespace wick::nn
