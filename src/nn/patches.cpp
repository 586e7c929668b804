// The sliding windows of the 2-D layers (patches.h): a host kernel for CPU
// tensors and a composed form for the other devices.
#include "nn/patches.h"

#include <algorithm>
#include <vector>

#include "autograd/node.h"
#include "backend/cpu/loops.h"
#include "core/core.h"
#include "wick/creation.h"
#include "wick/indexing.h"

namespace wick::nn::detail {

void check_window_args(const char* op, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation) {
  WICK_CHECK(kernel.h > 0 && kernel.w > 0, op, ": kernel_size must be positive, got ", kernel.str());
  WICK_CHECK(stride.h > 0 && stride.w > 0, op, ": stride must be positive, got ", stride.str());
  WICK_CHECK(dilation.h > 0 && dilation.w > 0, op, ": dilation must be positive, got ", dilation.str());
  WICK_CHECK(padding.h >= 0 && padding.w >= 0, op, ": padding must be zero or positive, got ", padding.str());
}

namespace {

// Output positions along one side, as PyTorch's pooling_output_shape: floor
// ((in + pad + pad_end - reach) / stride) + 1, or with ceil_mode the
// ceiling, less one where the last window would start past the input and
// its right padding. Below 1 when the kernel does not fit (span < 0 rounds
// down).
int64_t out_size(int64_t in, int64_t pad, int64_t pad_end, int64_t reach, int64_t stride, bool ceil_mode) {
  const int64_t span = in + pad + pad_end - reach + (ceil_mode ? stride - 1 : 0);
  int64_t out = (span >= 0 ? span / stride : -((-span + stride - 1) / stride)) + 1;
  if (ceil_mode && out > 0 && (out - 1) * stride >= in + pad) --out;
  return out;
}

}  // namespace

PatchGeometry patch_geometry(const char* op, const Tensor& input, Size2 kernel, Size2 stride, Size2 padding,
                             Size2 dilation, bool ceil_mode, Size2 extra_end) {
  core::check_defined(op, input);
  core::check_floating(op, input);
  WICK_CHECK(input.dim() == 4, op, ": expected input [N, C, H, W] (or [C, H, W] for one image), got ",
             input.describe(), input.dim() == 2 ? "; a flat image batch needs reshape({N, C, H, W}) first" : "");
  check_window_args(op, kernel, stride, padding, dilation);
  // Bounded first, so that the sizes below cannot overflow int64.
  constexpr int64_t kMaxArg = (int64_t{1} << 31) - 1;
  for (const Size2* s : {&kernel, &stride, &padding, &dilation})
    WICK_CHECK(s->h <= kMaxArg && s->w <= kMaxArg, op, ": kernel_size ", kernel.str(), ", stride ", stride.str(),
               ", padding ", padding.str(), ", dilation ", dilation.str(), ": each must be at most 2^31 - 1");
  PatchGeometry g;
  g.n = input.size(0), g.c = input.size(1), g.h = input.size(2), g.w = input.size(3);
  g.kh = kernel.h, g.kw = kernel.w, g.sh = stride.h, g.sw = stride.w;
  g.ph = padding.h, g.pw = padding.w, g.dh = dilation.h, g.dw = dilation.w;
  g.ph_end = g.ph + extra_end.h, g.pw_end = g.pw + extra_end.w;
  // The extent a dilated kernel covers, against the padded input.
  const int64_t reach_h = g.dh * (g.kh - 1) + 1, reach_w = g.dw * (g.kw - 1) + 1;
  const int64_t padded_h = g.h + g.ph + g.ph_end, padded_w = g.w + g.pw + g.pw_end;
  g.oh = out_size(g.h, g.ph, g.ph_end, reach_h, g.sh, ceil_mode);
  g.ow = out_size(g.w, g.pw, g.pw_end, reach_w, g.sw, ceil_mode);
  WICK_CHECK(g.oh >= 1 && g.ow >= 1, op, ": the padded input is ", padded_h, "x", padded_w,
             " (input ", shape_str(input.sizes()), ", padding ", padding.str(), ") but the kernel covers ", reach_h,
             "x", reach_w, " (kernel_size ", kernel.str(), ", dilation ", dilation.str(),
             "), so there is no output position; use a smaller kernel, more padding or a larger input");
  // The windows' values (the columns of a convolution, the scans of a pool),
  // in double: a huge kernel over wide padding would otherwise overflow or
  // loop for ever instead of failing.
  const double values = static_cast<double>(g.n) * static_cast<double>(g.c) * static_cast<double>(g.kh) *
                        static_cast<double>(g.kw) * static_cast<double>(g.oh) * static_cast<double>(g.ow);
  WICK_CHECK(values <= 0x1p40, op, ": the windows of input ", shape_str(input.sizes()), " (kernel_size ",
             kernel.str(), ", padding ", padding.str(), ", dilation ", dilation.str(), ") would hold ", values,
             " values, past 2^40; the kernel or padding is far too large for this input");
  return g;
}

namespace {

// The planes (n, ch) in [p0, p1): cols[n][(ch * kh + i) * kw + j][oy * ow + ox]
// = x[n][ch][oy * sh - ph + i * dh][ox * sw - pw + j * dw], or pad outside.
// Each (i, j, oy) fills one output row: padding, a strided (for stride 1,
// contiguous) run of the input row, padding.
template <typename T>
void im2col(const T* x, T* cols, const PatchGeometry& g, T pad, int64_t p0, int64_t p1) {
  const int64_t L = g.windows();
  for (int64_t p = p0; p < p1; ++p) {
    const int64_t n = p / g.c, ch = p % g.c;
    const T* plane = x + p * g.h * g.w;
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j) {
        T* dst = cols + (n * g.row() + (ch * g.kh + i) * g.kw + j) * L;
        const int64_t lo = g.first_inside(j), hi = std::max(lo, g.end_inside(j)), off = j * g.dw - g.pw;
        for (int64_t oy = 0; oy < g.oh; ++oy, dst += g.ow) {
          const int64_t yy = oy * g.sh - g.ph + i * g.dh;
          if (yy < 0 || yy >= g.h) {
            std::fill(dst, dst + g.ow, pad);
            continue;
          }
          // Indices, not a pointer moved by `off`: off < 0 would point
          // before the buffer for the first row.
          const T* src = plane + yy * g.w;
          std::fill(dst, dst + lo, pad);
          if (g.sw != 1)
            for (int64_t ox = lo; ox < hi; ++ox) dst[ox] = src[ox * g.sw + off];
          else if (hi > lo)  // (an empty run: no range to copy)
            std::copy(src + lo + off, src + hi + off, dst + lo);
          std::fill(dst + hi, dst + g.ow, pad);
        }
      }
  }
}

// The adjoint for the planes (n, ch) in [p0, p1). A plane receives only from
// its own channel's columns, so threads own whole planes.
template <typename T>
void col2im(const T* cols, T* dx, const PatchGeometry& g, int64_t p0, int64_t p1) {
  const int64_t L = g.windows();
  for (int64_t p = p0; p < p1; ++p) {
    const int64_t n = p / g.c, ch = p % g.c;
    T* plane = dx + p * g.h * g.w;
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j) {
        const T* src = cols + (n * g.row() + (ch * g.kh + i) * g.kw + j) * L;
        const int64_t lo = g.first_inside(j), hi = g.end_inside(j), off = j * g.dw - g.pw;
        for (int64_t oy = 0; oy < g.oh; ++oy, src += g.ow) {
          const int64_t yy = oy * g.sh - g.ph + i * g.dh;
          if (yy < 0 || yy >= g.h) continue;
          T* dst = plane + yy * g.w;
          if (g.sw == 1)
            for (int64_t ox = lo; ox < hi; ++ox) dst[ox + off] += src[ox];
          else
            for (int64_t ox = lo; ox < hi; ++ox) dst[ox * g.sw + off] += src[ox];
        }
      }
  }
}

// Planes per thread: enough values that handing them to a worker pays.
int64_t grain_for(const PatchGeometry& g) {
  return std::max<int64_t>(1, backend::cpu::kGrainCheap / std::max<int64_t>(1, g.kh * g.kw * g.windows()));
}

}  // namespace

Tensor columns(const Tensor& input, const PatchGeometry& g, double pad_value) {
  const Tensor x = core::contiguous(input);
  Tensor out = core::make_tensor({g.n, g.row(), g.windows()}, x.dtype(), Device::cpu());
  auto run = [&]<typename T>(T*) {
    const T* xp = x.data_ptr<T>();
    T* op = out.data_ptr<T>();
    const T pad = static_cast<T>(pad_value);
    backend::cpu::parallel_for(g.n * g.c, grain_for(g), [&](int64_t b, int64_t e) { im2col<T>(xp, op, g, pad, b, e); });
  };
  if (x.dtype() == kFloat64) run(static_cast<double*>(nullptr));
  else run(static_cast<float*>(nullptr));
  return out;
}

Tensor columns_backward(const Tensor& grad_columns, const PatchGeometry& g) {
  const Tensor gc = core::contiguous(grad_columns);
  Tensor dx = zeros({g.n, g.c, g.h, g.w}, {.dtype = gc.dtype()});
  auto run = [&]<typename T>(T*) {
    const T* gp = gc.data_ptr<T>();
    T* dp = dx.data_ptr<T>();
    backend::cpu::parallel_for(g.n * g.c, grain_for(g), [&](int64_t b, int64_t e) { col2im<T>(gp, dp, g, b, e); });
  };
  if (gc.dtype() == kFloat64) run(static_cast<double*>(nullptr));
  else run(static_cast<float*>(nullptr));
  return dx;
}

Tensor patches(const Tensor& input, const PatchGeometry& g, double pad_value) {
  if (!input.is_cpu()) return patches_composed(input, g, pad_value);
  Tensor out = columns(input, g, pad_value).transpose(1, 2);
  if (autograd::needs_grad(input))
    autograd::record(
        "Im2ColBackward", {&input}, {&out},
        [g, dtype = input.dtype()](const autograd::TensorList& grads) -> autograd::TensorList {
          if (!grads[0].defined()) return {Tensor()};
          const Tensor go = grads[0].dtype() == dtype ? grads[0] : core::to_dtype(grads[0], dtype);
          return {columns_backward(go.transpose(1, 2), g)};
        },
        /*saves=*/false);
  return out;
}

Tensor patches_composed(const Tensor& input, const PatchGeometry& g, double pad_value, bool pads_last) {
  // Each window value is one element of the flattened image, or of one extra
  // element holding pad_value that every padded position reads.
  const int64_t plane = g.c * g.h * g.w, k = g.row();
  std::vector<int64_t> index(static_cast<size_t>(g.windows() * k));
  for (int64_t oy = 0; oy < g.oh; ++oy)
    for (int64_t ox = 0; ox < g.ow; ++ox) {
      int64_t* row = index.data() + (oy * g.ow + ox) * k;
      int64_t inside = 0, padded = 0;  // pads_last: how many of each so far
      for (int64_t ch = 0; ch < g.c; ++ch)
        for (int64_t i = 0; i < g.kh; ++i)
          for (int64_t j = 0; j < g.kw; ++j) {
            const int64_t yy = oy * g.sh - g.ph + i * g.dh, xx = ox * g.sw - g.pw + j * g.dw;
            const bool in = yy >= 0 && yy < g.h && xx >= 0 && xx < g.w;
            if (!pads_last) row[(ch * g.kh + i) * g.kw + j] = in ? (ch * g.h + yy) * g.w + xx : plane;
            else if (in) row[inside++] = (ch * g.h + yy) * g.w + xx;
            else row[k - 1 - padded++] = plane;
          }
    }
  const Tensor idx = from_vector(index, {static_cast<int64_t>(index.size())}, {.dtype = kInt64, .device = input.device()});
  const Tensor pad = full({g.n, 1}, pad_value, {.dtype = input.dtype(), .device = input.device()});
  const Tensor src = cat({input.reshape({g.n, plane}), pad}, 1);
  return index_select(src, 1, idx).reshape({g.n, g.windows(), k});
}

}  // namespace wick::nn::detail
