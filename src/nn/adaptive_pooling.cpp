// adaptive_avg_pool2d and adaptive_max_pool2d, and their layers. On the CPU
// each pool is a direct kernel over the (sample, channel) planes, forward
// and backward (the max keeps each window's winner for its backward). On
// other devices each window is gathered into a row of a [planes, windows,
// widest window] tensor (shorter windows filled with 0 or -inf after their
// pixels) and reduced by sum / count or max(dim), whose gradients autograd
// already knows. The average of a 1x1 output is mean() on every device, as
// PyTorch 1.13 computes it (its grad_fn is MeanBackward1).
#include "wick/nn/adaptive_pooling.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "autograd/node.h"
#include "backend/cpu/loops.h"
#include "core/core.h"
#include "nn/composed_path.h"
#include "nn/patches.h"
#include "wick/creation.h"
#include "wick/indexing.h"
#include "wick/nn/functional.h"
#include "wick/reduction.h"

namespace wick::nn {

namespace {

// Bounded as patch_geometry bounds its arguments: the window tables hold
// one entry per output position of a side, and windows_along() needs
// O^2 to fit int64 (a side kept at the input's size has r = 0 there).
constexpr int64_t kMaxOutputSide = (int64_t{1} << 31) - 1;

// Checked where the size is given (the layers' constructors) and again by
// the functions. PyTorch accepts 0 (an empty output) and refuses negatives.
void check_output_size(const char* op, const OutputSize2& size) {
  for (const std::optional<int64_t>& side : {size.h, size.w}) {
    WICK_CHECK(side.value_or(0) >= 0, op, ": output_size ", size.given(),
               " has a negative side; give each side as a size >= 1, or std::nullopt to keep the input's size there");
    WICK_CHECK(side.value_or(0) <= kMaxOutputSide, op, ": output_size ", size.given(),
               " has a side past 2^31 - 1; give a smaller output size");
  }
}

// The windows along one side: output i pools [start[i], end[i]).
struct Windows {
  std::vector<int64_t> start, end;
  int64_t widest = 0;  // the largest end - start
  int64_t covered = 0;  // the sum of end - start: the pixels read along this side
};

// start = floor(i L / O), end = ceil((i + 1) L / O), PyTorch's rule, with
// L = q O + r computed as i q + floor(i r / O): i L itself could overflow
// int64 for a long side, i r < O^2 <= 2^62 cannot.
Windows windows_along(int64_t in, int64_t out) {
  Windows w;
  const int64_t q = out > 0 ? in / out : 0, r = out > 0 ? in % out : 0;
  for (int64_t i = 0; i < out; ++i) {
    const int64_t s = i * q + i * r / out, e = (i + 1) * q + ((i + 1) * r + out - 1) / out;
    w.start.push_back(s);
    w.end.push_back(e);
    w.widest = std::max(w.widest, e - s);
    w.covered += e - s;
  }
  return w;
}

// The input as [N, C, H, W] planes and the output size, and the windows of
// both sides.
struct Geometry {
  int64_t n = 0, c = 0, h = 0, w = 0, oh = 0, ow = 0;
  Windows rows, cols;
  int64_t planes() const { return n * c; }
  // Values one plane's windows read: the work per plane.
  int64_t reads() const { return rows.covered * cols.covered; }
};

Geometry geometry(const char* op, const Tensor& input, const OutputSize2& size, bool is_max) {
  core::check_defined(op, input);
  core::check_floating(op, input);
  WICK_CHECK(input.dim() == 3 || input.dim() == 4, op,
             ": expected input [N, C, H, W] (or [C, H, W] for one image), got ", input.describe(),
             input.dim() == 2 ? "; pool before Flatten, or give an [H, W] image its channel dim with unsqueeze(0)" : "");
  check_output_size(op, size);
  // PyTorch 1.13 refuses an empty height or width, and the max pool also a
  // batch with no channels (its check covers every dim but the batch's; the
  // average's only H and W). An empty batch is fine for both.
  for (int64_t d = input.dim() - 2; d < input.dim(); ++d)
    WICK_CHECK(input.size(d) > 0, op, ": input ", input.describe(), " has ", d == input.dim() - 1 ? "width" : "height",
               " 0 (dim ", d, "); each plane needs at least one pixel to pool (PyTorch refuses it too): check the "
               "layers before this one, whose output shrank to nothing");
  WICK_CHECK(!is_max || input.dim() == 3 || input.size(1) > 0, op, ": input ", input.describe(),
             " has no channels (dim 1 is 0), which PyTorch 1.13's adaptive_max_pool2d refuses too (its "
             "adaptive_avg_pool2d does not); check the layers before this one");
  Geometry g;
  const bool batched = input.dim() == 4;
  g.n = batched ? input.size(0) : 1;
  g.c = input.size(batched ? 1 : 0);
  g.h = input.size(-2), g.w = input.size(-1);
  g.oh = size.h.value_or(g.h), g.ow = size.w.value_or(g.w);
  g.rows = windows_along(g.h, g.oh);
  g.cols = windows_along(g.w, g.ow);
  return g;
}

// Planes per thread: enough reads that handing them to a worker pays.
int64_t grain_for(const Geometry& g) {
  return std::max<int64_t>(1, backend::cpu::kGrainCheap / std::max<int64_t>(1, g.reads()));
}

// ---- the CPU kernels: planes [p0, p1) of contiguous [P, H, W] / [P, oh, ow] ----

// Sums in double (also for float32: a global pool over a large plane adds
// thousands of values), divided by the window's pixel count.
template <typename T>
void avg_forward(const T* x, T* out, const Geometry& g, int64_t p0, int64_t p1) {
  for (int64_t p = p0; p < p1; ++p) {
    const T* plane = x + p * g.h * g.w;
    T* o = out + p * g.oh * g.ow;
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      const int64_t y0 = g.rows.start[oy], y1 = g.rows.end[oy];
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        const int64_t x0 = g.cols.start[ox], x1 = g.cols.end[ox];
        double s = 0;
        for (int64_t y = y0; y < y1; ++y)
          for (int64_t xx = x0; xx < x1; ++xx) s += static_cast<double>(plane[y * g.w + xx]);
        *o++ = static_cast<T>(s / static_cast<double>((y1 - y0) * (x1 - x0)));
      }
    }
  }
}

// Each window's pixels get its gradient over its count; overlapping windows add.
template <typename T>
void avg_backward(const T* go, T* dx, const Geometry& g, int64_t p0, int64_t p1) {
  for (int64_t p = p0; p < p1; ++p) {
    T* plane = dx + p * g.h * g.w;
    const T* gp = go + p * g.oh * g.ow;
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      const int64_t y0 = g.rows.start[oy], y1 = g.rows.end[oy];
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        const int64_t x0 = g.cols.start[ox], x1 = g.cols.end[ox];
        const T share = static_cast<T>(static_cast<double>(*gp++) / static_cast<double>((y1 - y0) * (x1 - x0)));
        for (int64_t y = y0; y < y1; ++y)
          for (int64_t xx = x0; xx < x1; ++xx) plane[y * g.w + xx] += share;
      }
    }
  }
}

// PyTorch's scan: row by row; a later value wins when greater or NaN. So a
// tie goes to the first maximum and, among NaNs, to the last. `where` gets
// the winner's flat index in its plane.
template <typename T>
void max_forward(const T* x, T* out, int64_t* where, const Geometry& g, int64_t p0, int64_t p1) {
  for (int64_t p = p0; p < p1; ++p) {
    const T* plane = x + p * g.h * g.w;
    const int64_t o0 = p * g.oh * g.ow;
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      const int64_t y0 = g.rows.start[oy], y1 = g.rows.end[oy];
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        const int64_t x0 = g.cols.start[ox], x1 = g.cols.end[ox];
        int64_t at = y0 * g.w + x0;
        T best = plane[at];
        for (int64_t y = y0; y < y1; ++y)
          for (int64_t xx = x0; xx < x1; ++xx) {
            const T v = plane[y * g.w + xx];
            if (v > best || v != v) {
              best = v;
              at = y * g.w + xx;
            }
          }
        out[o0 + oy * g.ow + ox] = best;
        where[o0 + oy * g.ow + ox] = at;
      }
    }
  }
}

template <typename T>
void max_backward(const T* go, const int64_t* where, T* dx, const Geometry& g, int64_t p0, int64_t p1) {
  const int64_t outs = g.oh * g.ow, pixels = g.h * g.w;
  for (int64_t p = p0; p < p1; ++p)
    for (int64_t o = p * outs; o < (p + 1) * outs; ++o) dx[p * pixels + where[o]] += go[o];
}

// The incoming gradient, contiguous and in the input's dtype.
Tensor grad_as(const Tensor& grad, DType dtype) {
  return core::contiguous(grad.dtype() == dtype ? grad : core::to_dtype(grad, dtype));
}

// x: [N, C, H, W] on the CPU.
template <typename T>
Tensor avg_cpu(const Tensor& input, const Geometry& g) {
  const Tensor x = core::contiguous(input);
  Tensor out = core::make_tensor({g.n, g.c, g.oh, g.ow}, x.dtype(), Device::cpu());
  const T* xp = x.data_ptr<T>();
  T* op = out.data_ptr<T>();
  backend::cpu::parallel_for(g.planes(), grain_for(g), [&](int64_t b, int64_t e) { avg_forward<T>(xp, op, g, b, e); });
  if (autograd::needs_grad(input))
    autograd::record(
        "AdaptiveAvgPool2DBackward", {&input}, {&out},
        [g, dtype = x.dtype()](const autograd::TensorList& grads) -> autograd::TensorList {
          if (!grads[0].defined()) return {Tensor()};
          const Tensor go = grad_as(grads[0], dtype);
          Tensor dx = zeros({g.n, g.c, g.h, g.w}, {.dtype = dtype});
          const T* gp = go.data_ptr<T>();
          T* dp = dx.data_ptr<T>();
          backend::cpu::parallel_for(g.planes(), grain_for(g),
                                     [&](int64_t b, int64_t e) { avg_backward<T>(gp, dp, g, b, e); });
          return {dx};
        },
        /*saves=*/false);
  return out;
}

template <typename T>
Tensor max_cpu(const Tensor& input, const Geometry& g) {
  const Tensor x = core::contiguous(input);
  Tensor out = core::make_tensor({g.n, g.c, g.oh, g.ow}, x.dtype(), Device::cpu());
  Tensor where = core::make_tensor({g.n, g.c, g.oh, g.ow}, kInt64, Device::cpu());
  const T* xp = x.data_ptr<T>();
  T* op = out.data_ptr<T>();
  int64_t* wp = where.data_ptr<int64_t>();
  backend::cpu::parallel_for(g.planes(), grain_for(g),
                             [&](int64_t b, int64_t e) { max_forward<T>(xp, op, wp, g, b, e); });
  if (autograd::needs_grad(input))
    autograd::record("AdaptiveMaxPool2DBackward", {&input}, {&out},
                     [g, where, dtype = x.dtype()](const autograd::TensorList& grads) -> autograd::TensorList {
                       if (!grads[0].defined()) return {Tensor()};
                       const Tensor go = grad_as(grads[0], dtype);
                       Tensor dx = zeros({g.n, g.c, g.h, g.w}, {.dtype = dtype});
                       const T* gp = go.data_ptr<T>();
                       const int64_t* wp = where.data_ptr<int64_t>();
                       T* dp = dx.data_ptr<T>();
                       // Each plane's gradient lands in that plane only.
                       backend::cpu::parallel_for(g.planes(), grain_for(g), [&](int64_t b, int64_t e) {
                         max_backward<T>(gp, wp, dp, g, b, e);
                       });
                       return {dx};
                     });
  return out;
}

// ---- the composed path (any device) ----

// x: [N, C, H, W]. Row (oy * ow + ox) of each plane lists its window's pixels
// in PyTorch's scan order, then copies of one extra element holding `fill`
// up to the widest window. Max: fill -inf after the pixels, so a window of
// -inf (or a tie) goes to its first pixel, as on the CPU (max(dim) keeps
// the first of equal values; for NaN, its first NaN: see functional.h).
// Average: fill 0, each row's sum over its own count.
Tensor composed(const Tensor& x, const Geometry& g, bool is_max) {
  const int64_t pixels = g.h * g.w, windows = g.oh * g.ow;
  // At least 1, so that a 0-sized output still has a dim to reduce.
  const int64_t k = std::max<int64_t>(1, g.rows.widest * g.cols.widest);
  std::vector<int64_t> index(static_cast<size_t>(windows * k), pixels);
  std::vector<double> count(static_cast<size_t>(windows));
  for (int64_t oy = 0; oy < g.oh; ++oy)
    for (int64_t ox = 0; ox < g.ow; ++ox) {
      int64_t* row = index.data() + (oy * g.ow + ox) * k;
      for (int64_t y = g.rows.start[oy]; y < g.rows.end[oy]; ++y)
        for (int64_t xx = g.cols.start[ox]; xx < g.cols.end[ox]; ++xx) *row++ = y * g.w + xx;
      count[static_cast<size_t>(oy * g.ow + ox)] = static_cast<double>(
          (g.rows.end[oy] - g.rows.start[oy]) * (g.cols.end[ox] - g.cols.start[ox]));
    }
  const TensorOptions on{.dtype = x.dtype(), .device = x.device()};
  const Tensor idx = from_vector(index, {static_cast<int64_t>(index.size())}, {.dtype = kInt64, .device = x.device()});
  const Tensor fill = full({g.planes(), 1}, is_max ? -std::numeric_limits<double>::infinity() : 0.0, on);
  const Tensor src = cat({x.reshape({g.planes(), pixels}), fill}, 1);
  const Tensor rows = index_select(src, 1, idx).reshape({g.planes(), windows, k});
  const Tensor pooled = is_max ? max(rows, 2).values : sum(rows, {2}) / from_vector(count, {windows}, on);
  return pooled.reshape({g.n, g.c, g.oh, g.ow});
}

bool run_composed(const Tensor& x) { return !x.is_cpu() || detail::t_force_composed; }

}  // namespace

namespace functional {

Tensor adaptive_avg_pool2d(const Tensor& input, OutputSize2 output_size) {
  const Geometry g = geometry("adaptive_avg_pool2d", input, output_size, /*is_max=*/false);
  const Tensor x = detail::as_batch(input);
  // PyTorch 1.13's own special case (the global pool of classifier heads).
  if (g.oh == 1 && g.ow == 1) return detail::from_batch(mean(x, {2, 3}, /*keepdim=*/true), input);
  if (run_composed(x)) return detail::from_batch(composed(x, g, /*is_max=*/false), input);
  return detail::from_batch(x.dtype() == kFloat64 ? avg_cpu<double>(x, g) : avg_cpu<float>(x, g), input);
}

Tensor adaptive_max_pool2d(const Tensor& input, OutputSize2 output_size) {
  const Geometry g = geometry("adaptive_max_pool2d", input, output_size, /*is_max=*/true);
  const Tensor x = detail::as_batch(input);
  if (run_composed(x)) return detail::from_batch(composed(x, g, /*is_max=*/true), input);
  return detail::from_batch(x.dtype() == kFloat64 ? max_cpu<double>(x, g) : max_cpu<float>(x, g), input);
}

}  // namespace functional

// The sizes are checked here too, so that a bad layer fails where it is built.
AdaptiveAvgPool2d::AdaptiveAvgPool2d(OutputSize2 output_size) : output_size(output_size) {
  check_output_size("AdaptiveAvgPool2d", output_size);
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& input) { return functional::adaptive_avg_pool2d(input, output_size); }

// As PyTorch prints it: "output_size=7", "output_size=(1, 1)", "output_size=(None, 7)".
std::string AdaptiveAvgPool2d::extra_repr() const { return "output_size=" + output_size.given(); }

AdaptiveMaxPool2d::AdaptiveMaxPool2d(OutputSize2 output_size) : output_size(output_size) {
  check_output_size("AdaptiveMaxPool2d", output_size);
}

Tensor AdaptiveMaxPool2d::forward(const Tensor& input) { return functional::adaptive_max_pool2d(input, output_size); }

std::string AdaptiveMaxPool2d::extra_repr() const { return "output_size=" + output_size.given(); }

}  // namespace wick::nn
