// functional::unfold and conv2d, and the Conv2d layer. A convolution is the
// windows of the input (patches.h) times the weight, on the GEMM kernels: on
// the CPU with the windows as columns, one product per sample (conv2d_cpu);
// on other devices with the windows as rows through the fused linear layer.
// Float32 on the CPU goes to oneDNN instead when wick is built with it
// (conv2d_dnnl; nn/conv_cpu.h). Groups: oneDNN takes them in one
// primitive; im2col and the composed path run one product per group on its
// slice of the windows and of the weight, and join the outputs.
#include "wick/nn/conv.h"

#include <cmath>
#include <vector>

#include "autograd/node.h"
#include "core/core.h"
#include "nn/composed_path.h"
#include "nn/conv_cpu.h"
#include "nn/patches.h"
#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/indexing.h"
#include "wick/linalg.h"
#include "wick/nn/functional.h"
#include "wick/nn/init.h"
#include "wick/reduction.h"

#ifdef WICK_HAVE_DNNL
#include "backend/cpu/dnnl_conv.h"
#endif

namespace wick::nn {

namespace detail {

namespace {
// Per thread, so a test forcing im2col does not change other threads' convolutions.
thread_local bool t_force_im2col = false;
thread_local uint64_t t_dnnl_count = 0;
}  // namespace

uint64_t conv_dnnl_count() { return t_dnnl_count; }

bool conv_has_dnnl() {
#ifdef WICK_HAVE_DNNL
  return true;
#else
  return false;
#endif
}

ForceIm2colConv::ForceIm2colConv() : saved_(t_force_im2col) { t_force_im2col = true; }
ForceIm2colConv::~ForceIm2colConv() { t_force_im2col = saved_; }

}  // namespace detail

namespace {

#ifdef WICK_HAVE_DNNL
backend::cpu::ConvShape dnnl_shape(const detail::PatchGeometry& g, int64_t out_channels, int64_t groups, bool bias) {
  return {.n = g.n, .c = g.c, .h = g.h, .w = g.w, .o = out_channels, .kh = g.kh, .kw = g.kw, .groups = groups,
          .sh = g.sh, .sw = g.sw, .ph = g.ph, .pw = g.pw, .ph_end = g.ph_end, .pw_end = g.pw_end, .dh = g.dh,
          .dw = g.dw, .oh = g.oh, .ow = g.ow, .bias = bias};
}

// Float32 on oneDNN (backend/cpu/dnnl_conv.h). The node keeps the input and
// the weight, as PyTorch's ConvolutionBackward does (modifying either in
// place before backward is an error), and computes only the gradients asked
// for, in the weight's dtype like the im2col path.
Tensor conv2d_dnnl(const Tensor& input, const Tensor& weight, const Tensor& bias, const backend::cpu::ConvShape& s) {
  const Tensor x = core::contiguous(input.detach()), w = core::contiguous(weight.detach());
  const Tensor b = s.bias ? core::contiguous(bias.detach()) : Tensor();
  Tensor out = core::make_tensor({s.n, s.o, s.oh, s.ow}, kFloat32, input.device());
  backend::cpu::dnnl_conv2d_forward(s, x.data_ptr<float>(), w.data_ptr<float>(),
                                    s.bias ? b.data_ptr<float>() : nullptr, out.data_ptr<float>());
  ++detail::t_dnnl_count;
  if (autograd::needs_grad({&input, &weight, &bias}))
    autograd::record(
        "ConvolutionBackward", {&input, &weight, &bias}, {&out},
        [sx = autograd::SavedTensor(input, false), sw = autograd::SavedTensor(weight, false), s,
         rx = input.requires_grad(), rw = weight.requires_grad(),
         rb = bias.defined() && bias.requires_grad()](const autograd::TensorList& grads) -> autograd::TensorList {
          if (!grads[0].defined()) return {Tensor(), Tensor(), Tensor()};
          const char* name = "ConvolutionBackward";
          const Tensor w = core::contiguous(sw.get(name).detach());
          const Tensor g0 = grads[0].dtype() == w.dtype() ? grads[0] : core::to_dtype(grads[0], w.dtype());
          const Tensor gy = core::contiguous(g0);
          Tensor dx, dw, db;
          if (rx) {
            dx = core::make_tensor({s.n, s.c, s.h, s.w}, kFloat32, w.device());
            backend::cpu::dnnl_conv2d_backward_data(s, gy.data_ptr<float>(), w.data_ptr<float>(), dx.data_ptr<float>());
          }
          if (rw) {
            const Tensor x = core::contiguous(sx.get(name).detach());
            dw = core::make_tensor(w.sizes(), kFloat32, w.device());
            if (rb) db = core::make_tensor({s.o}, kFloat32, w.device());
            backend::cpu::dnnl_conv2d_backward_weights(s, x.data_ptr<float>(), gy.data_ptr<float>(),
                                                       dw.data_ptr<float>(), rb ? db.data_ptr<float>() : nullptr);
          } else if (rb) {
            db = sum(gy.reshape({s.n, s.o, s.oh * s.ow}), {0, 2});
          }
          return {dx, dw, db};
        });
  return out;
}
#endif

// fn(group) for each group, joined along `dim` (one group: its result as it
// is, no copy). cat is differentiable, so the composed path's autograd
// passes through; the CPU path calls it on plain tensors.
template <class Fn>
Tensor per_group(int64_t groups, int64_t dim, Fn&& fn) {
  if (groups == 1) return fn(int64_t{0});
  std::vector<Tensor> parts;
  parts.reserve(static_cast<size_t>(groups));
  for (int64_t gi = 0; gi < groups; ++gi) parts.push_back(fn(gi));
  return cat(parts, dim);
}

// The CPU convolution: the windows as columns [N, K, L] (K = C*kh*kw,
// L = out_h*out_w), then per sample W [O, K] @ columns [K, L], which is the
// output [O, L] already channels-first; the weight is a stride-0 batch, not a
// copy. Backward by hand: dW = sum over samples of dY @ columns^T, db = dY
// summed over samples and positions, dcolumns = W^T @ dY added back to the
// pixels (columns_backward). With groups, group gi owns the column rows
// [gi Kg, (gi+1) Kg) (Kg = K / groups: its channels' windows, in the
// channel-major order of columns()) and the output channels [gi Og, (gi+1) Og);
// each product reads those slices in place (strided batches, no copies) and
// only the per-group outputs are joined.
Tensor conv2d_cpu(const Tensor& input, const Tensor& weight, const Tensor& bias, const detail::PatchGeometry& g,
                  int64_t groups) {
  const int64_t out_channels = weight.size(0), kg = g.row() / groups, og = out_channels / groups;
#ifdef WICK_HAVE_DNNL
  // Empty tensors (a batch of 0) stay on im2col, which handles them; oneDNN need not.
  if (input.dtype() == kFloat32 && !detail::t_force_im2col && g.n > 0 && g.c > 0 && out_channels > 0) {
    const backend::cpu::ConvShape s = dnnl_shape(g, out_channels, groups, bias.defined());
    // A geometry oneDNN declines (none known among valid ones) keeps im2col.
    if (backend::cpu::dnnl_conv2d_supported(s)) return conv2d_dnnl(input, weight, bias, s);
  }
#endif
  const Tensor cols = detail::columns(input, g, 0.0);
  const Tensor w2 = core::contiguous(weight.detach()).reshape({out_channels, kg});
  Tensor y = per_group(groups, 1, [&](int64_t gi) {
    return core::matmul_raw("conv2d", w2.narrow(0, gi * og, og).unsqueeze(0).expand({g.n, og, kg}),
                            cols.narrow(1, gi * kg, kg), false, false);
  });
  if (bias.defined())
    core::binary_into("conv2d", backend::BinaryOp::Add, y, y, bias.detach().reshape({1, out_channels, 1}));
  Tensor out = y.reshape({g.n, out_channels, g.oh, g.ow});
  if (autograd::needs_grad({&input, &weight, &bias}))
    autograd::record(
        "ConvolutionBackward", {&input, &weight, &bias}, {&out},
        // The columns are kept only for the weight's gradient.
        [cols = weight.requires_grad() ? cols : Tensor(), sw = autograd::SavedTensor(weight, false), g, groups,
         rx = input.requires_grad(), rw = weight.requires_grad(),
         rb = bias.defined() && bias.requires_grad()](const autograd::TensorList& grads) -> autograd::TensorList {
          if (!grads[0].defined()) return {Tensor(), Tensor(), Tensor()};
          const char* name = "ConvolutionBackward";
          const Tensor w = sw.get(name);
          const int64_t o = w.size(0), kg = g.row() / groups, og = o / groups;
          const Tensor g0 = grads[0].dtype() == w.dtype() ? grads[0] : core::to_dtype(grads[0], w.dtype());
          const Tensor gy = core::contiguous(g0).reshape({g.n, o, g.windows()});
          Tensor dx, dw, db;
          if (rx) {
            const Tensor w2 = core::contiguous(w).reshape({o, kg});
            const Tensor dcols = per_group(groups, 1, [&](int64_t gi) {
              return core::matmul_raw(name, w2.narrow(0, gi * og, og).unsqueeze(0).expand({g.n, og, kg}),
                                      gy.narrow(1, gi * og, og), true, false);
            });
            dx = detail::columns_backward(dcols, g);
          }
          if (rw)
            dw = per_group(groups, 0, [&](int64_t gi) {
                   return sum(core::matmul_raw(name, gy.narrow(1, gi * og, og), cols.narrow(1, gi * kg, kg), false,
                                               true),
                              {0});
                 }).reshape(w.sizes());
          if (rb) db = sum(gy, {0, 2});
          return {dx, dw, db};
        });
  return out;
}

// The padding a convolution applies: `begin` at the top/left and `begin +
// extra_end` at the bottom/right. "same" (stride 1 only, as in PyTorch)
// spreads dilation * (k - 1) over both sides with the odd one at the
// bottom/right; "valid" is none.
struct ConvPadding {
  Size2 begin = 0, extra_end = 0;
};

ConvPadding resolve_padding(const char* op, const Padding2& p, Size2 kernel, Size2 stride, Size2 dilation) {
  if (p.is_explicit()) return {p.size(), 0};
  if (p.is_valid()) return {0, 0};
  // A kernel or dilation out of range is reported by check_window_args /
  // patch_geometry; here it must only not overflow.
  constexpr int64_t kMax = (int64_t{1} << 31) - 1;
  auto in_range = [&](int64_t v) { return v > 0 && v <= kMax; };
  const bool sized = in_range(kernel.h) && in_range(kernel.w) && in_range(dilation.h) && in_range(dilation.w);
  const int64_t th = sized ? dilation.h * (kernel.h - 1) : 0, tw = sized ? dilation.w * (kernel.w - 1) : 0;
  WICK_CHECK(stride.h == 1 && stride.w == 1, op, ": padding=\"same\" needs stride 1 (a strided convolution cannot ",
             "keep the input's size; PyTorch refuses it too), got stride ", stride.str(),
             "; use stride 1, or give the padding as numbers (padding = ", Size2(th / 2, tw / 2).str(),
             " with this kernel_size ", kernel.str(), " and dilation ", dilation.str(), ")");
  return {Size2(th / 2, tw / 2), Size2(th % 2, tw % 2)};
}

}  // namespace

namespace functional {

Tensor unfold(const Tensor& input, Size2 kernel_size, Size2 dilation, Size2 padding, Size2 stride) {
  const Tensor x = detail::as_batch(input);
  const detail::PatchGeometry g = detail::patch_geometry("unfold", x, kernel_size, stride, padding, dilation);
  return detail::from_batch(detail::patches(x, g, 0.0).transpose(1, 2), input);
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, Size2 stride, Padding2 padding,
              Size2 dilation, int64_t groups) {
  core::check_defined("conv2d", weight, "weight");
  WICK_CHECK(weight.dim() == 4, "conv2d: weight must be 4-D [out_channels, in_channels / groups, kh, kw], got ",
             weight.describe());
  WICK_CHECK(groups > 0, "conv2d: groups must be positive, got ", groups);
  const Size2 kernel{weight.size(2), weight.size(3)};
  const ConvPadding pad = resolve_padding("conv2d", padding, kernel, stride, dilation);
  const Tensor x = detail::as_batch(input);
  const detail::PatchGeometry g =
      detail::patch_geometry("conv2d", x, kernel, stride, pad.begin, dilation, false, pad.extra_end);
  const int64_t out_channels = weight.size(0);
  if (groups == 1) {
    WICK_CHECK(weight.size(1) == g.c, "conv2d: the input ", shape_str(input.sizes()), " has ", g.c,
               " channels but the weight ", shape_str(weight.sizes()), " expects ", weight.size(1),
               " (weight is [out_channels, in_channels, kh, kw])");
  } else {
    // PyTorch: "Given groups=2, weight of size [..], expected input[..] to
    // have 6 channels, but got 5 channels instead".
    WICK_CHECK(weight.size(1) * groups == g.c, "conv2d: the input ", shape_str(input.sizes()), " has ", g.c,
               " channels but the weight ", shape_str(weight.sizes()), " with groups=", groups, " expects ",
               weight.size(1), " * ", groups, " = ", weight.size(1) * groups,
               " (weight is [out_channels, in_channels / groups, kh, kw])");
    WICK_CHECK(out_channels % groups == 0, "conv2d: the weight ", shape_str(weight.sizes()), " has ", out_channels,
               " output channels, which do not split into groups=", groups,
               "; out_channels must be a multiple of groups");
  }
  WICK_CHECK(weight.dtype() == input.dtype(), "conv2d: the input is ", dtype_name(input.dtype()), " but the weight is ",
             dtype_name(weight.dtype()), "; convert one with .to(", dtype_name(weight.dtype()), ")");
  core::check_same_device("conv2d", input, weight);
  if (bias.defined()) {
    WICK_CHECK(bias.dim() == 1 && bias.size(0) == out_channels, "conv2d: bias must be 1-D with ", out_channels,
               " elements (one per output channel), got ", bias.describe());
    WICK_CHECK(bias.dtype() == input.dtype(), "conv2d: the input is ", dtype_name(input.dtype()), " but the bias is ",
               dtype_name(bias.dtype()), "; convert one with .to(", dtype_name(bias.dtype()), ")");
    core::check_same_device("conv2d", input, bias);
  }
  if (x.is_cpu() && !detail::t_force_composed) return detail::from_batch(conv2d_cpu(x, weight, bias, g, groups), input);
  // Other devices: the windows as rows [N*L, K] through the fused linear
  // layer, whose backward autograd already has; with groups, each group's
  // columns of the rows through its rows of the weight.
  const int64_t kg = g.row() / groups, og = out_channels / groups;
  const Tensor rows = detail::patches(x, g, 0.0).reshape({g.n * g.windows(), g.row()});
  const Tensor w2 = weight.reshape({out_channels, kg});
  const Tensor y = per_group(groups, 1, [&](int64_t gi) {  // [N*L, out_channels]
    if (groups == 1) return wick::linear(rows, w2, bias);
    return wick::linear(rows.narrow(1, gi * kg, kg), w2.narrow(0, gi * og, og),
                        bias.defined() ? bias.narrow(0, gi * og, og) : Tensor());
  });
  // Channels first again, as PyTorch lays the output out.
  return detail::from_batch(
      y.reshape({g.n, g.windows(), out_channels}).transpose(1, 2).reshape({g.n, out_channels, g.oh, g.ow}), input);
}

}  // namespace functional

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size, const Conv2dOptions& o)
    : in_channels(in_channels), out_channels(out_channels), kernel_size(kernel_size), stride(o.stride),
      padding(o.padding), dilation(o.dilation), groups(o.groups) {
  WICK_CHECK(in_channels > 0 && out_channels > 0, "Conv2d: in_channels and out_channels must be positive, got ",
             in_channels, " and ", out_channels);
  WICK_CHECK(groups > 0, "Conv2d: groups must be positive, got ", groups);
  // PyTorch: "in_channels must be divisible by groups" (and out_channels).
  WICK_CHECK(in_channels % groups == 0 && out_channels % groups == 0, "Conv2d(", in_channels, ", ", out_channels,
             ", groups=", groups, "): ", in_channels % groups != 0 ? "in_channels " : "out_channels ",
             in_channels % groups != 0 ? in_channels : out_channels, " is not divisible by groups ", groups,
             "; in_channels and out_channels must both be multiples of groups");
  detail::check_window_args("Conv2d", kernel_size, stride, padding.size(), dilation);
  resolve_padding("Conv2d", padding, kernel_size, stride, dilation);  // "same" with a stride fails here, as in PyTorch
  WICK_CHECK(is_floating(o.dtype), "Conv2d: dtype must be floating, got ", dtype_name(o.dtype));
  weight = empty({out_channels, in_channels / groups, kernel_size.h, kernel_size.w},
                 {.dtype = o.dtype, .device = o.device});
  register_parameter("weight", weight);
  if (o.bias) {
    bias = empty({out_channels}, {.dtype = o.dtype, .device = o.device});
    register_parameter("bias", bias);
  }
  reset_parameters();
}

void Conv2d::reset_parameters() {
  // PyTorch: kaiming_uniform_(a=sqrt(5)) on the weight is U(-b, b) with
  // b = 1/sqrt(fan_in), and the bias uses the same bound. fan_in is what
  // one output channel sees: weight.size(1) * kh * kw = in_channels / groups * kh * kw.
  const double bound =
      1.0 / std::sqrt(static_cast<double>(in_channels / groups * kernel_size.h * kernel_size.w));
  init::uniform_(weight, -bound, bound);
  if (bias.defined()) init::uniform_(bias, -bound, bound);
}

Tensor Conv2d::forward(const Tensor& input) {
  WICK_CHECK(input.defined() && (input.dim() == 3 || input.dim() == 4) && input.size(-3) == in_channels,
             "Conv2d(", in_channels, ", ", out_channels, "): expected input [N, ", in_channels,
             ", H, W] (or [", in_channels, ", H, W]), got ", input.describe(),
             input.defined() && input.dim() == 2 ? "; reshape flat images to [N, C, H, W] first" : "");
  return functional::conv2d(input, weight, bias, stride, padding, dilation, groups);
}

std::string Conv2d::extra_repr() const {
  // PyTorch's wording: padding unless (0, 0) ("same" and "valid" print as
  // words), dilation unless 1, groups unless 1, bias only when absent.
  std::string s = std::to_string(in_channels) + ", " + std::to_string(out_channels) +
                  ", kernel_size=" + kernel_size.str() + ", stride=" + stride.str();
  if (!padding.is_zero()) s += ", padding=" + padding.str();
  if (dilation != Size2(1)) s += ", dilation=" + dilation.str();
  if (groups != 1) s += ", groups=" + std::to_string(groups);
  if (!bias.defined()) s += ", bias=False";
  return s;
}

}  // namespace wick::nn
