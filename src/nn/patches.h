#pragma once
// The sliding windows of a 2-D layer: patches(x) is [N, L, C*kh*kw], one row
// per output position (L = out_h * out_w), each row one window in (channel,
// kernel row, kernel column) order; columns(x) is its transpose on the CPU.
// functional::unfold and the average pool use the windows; Conv2d uses the
// columns on the CPU and the rows (through the fused linear layer) elsewhere.
#include <algorithm>
#include <cstdint>

#include "wick/nn/size2.h"
#include "wick/tensor.h"

namespace wick::nn::detail {

struct PatchGeometry {
  int64_t n = 0, c = 0, h = 0, w = 0;          // input [N, C, H, W]
  int64_t kh = 0, kw = 0, sh = 1, sw = 1;      // kernel, stride
  int64_t ph = 0, pw = 0, dh = 1, dw = 1;      // padding (top, left), dilation
  // Bottom/right padding: ph/pw, except conv2d's padding="same" with an odd
  // total, one more. The window kernels need only ph/pw and oh/ow (past the
  // input is padding wherever it is); oneDNN takes it as its padding_r.
  int64_t ph_end = 0, pw_end = 0;
  int64_t oh = 0, ow = 0;                      // output positions
  int64_t windows() const { return oh * ow; }  // L
  int64_t row() const { return c * kh * kw; }  // values per window
  // The output columns [lo, hi) whose window column j falls inside the
  // input (the others read padding): 0 <= ox * sw - pw + j * dw < w.
  int64_t first_inside(int64_t j) const {
    const int64_t need = pw - j * dw;  // ox * sw >= need
    return need <= 0 ? 0 : std::min(ow, (need + sw - 1) / sw);
  }
  int64_t end_inside(int64_t j) const {
    const int64_t limit = w + pw - j * dw;  // ox * sw < limit
    return limit <= 0 ? 0 : std::min(ow, (limit - 1) / sw + 1);
  }
};

// Positive kernel, stride and dilation, non-negative padding: the checks of
// a layer's constructor and of patch_geometry, messages led by `op`.
void check_window_args(const char* op, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation);

// Checks the arguments of `op` (input [N, C, H, W], check_window_args, each
// at most 2^31 - 1, an output of at least 1x1, windows of at most 2^40
// values) and returns the geometry. ceil_mode (the pools'): the output
// sizes round up, so the last windows may reach past the padded input; the
// positions past it read as padding, as all the kernels here treat any
// position outside the input. extra_end: padding added at the bottom/right
// only, on top of `padding` (conv2d's "same" with an odd total; 0 or 1).
PatchGeometry patch_geometry(const char* op, const Tensor& input, Size2 kernel, Size2 stride, Size2 padding,
                             Size2 dilation, bool ceil_mode = false, Size2 extra_end = 0);

// [N, L, C*kh*kw]; positions in the padding read pad_value. Differentiable in
// the input: the gradient of each row is added back to the pixels it read.
// CPU tensors: the transpose of columns() below; others the composed form.
Tensor patches(const Tensor& input, const PatchGeometry& g, double pad_value);

// CPU only, no autograd: the windows as columns, [N, C*kh*kw, L] contiguous
// (PyTorch's unfold layout), and its adjoint, which adds each column value
// back to the pixel it was read from ([N, C, H, W]). In this layout both
// walk the input and the columns along image rows (contiguous copies for
// stride 1), and a convolution's output comes out channels-first.
Tensor columns(const Tensor& input, const PatchGeometry& g, double pad_value);
Tensor columns_backward(const Tensor& grad_columns, const PatchGeometry& g);
// The same from public differentiable ops (cat and index_select), for any
// device; autograd derives its gradient. Exposed for the tests. pads_last:
// each row lists its input values first (in window order), then its padding
// (for max pooling, where the order decides ties).
Tensor patches_composed(const Tensor& input, const PatchGeometry& g, double pad_value, bool pads_last = false);

// [C, H, W] is one image: the 2-D layers run it as a batch of one and drop
// the batch dim again, as PyTorch does.
inline Tensor as_batch(const Tensor& input) { return input.defined() && input.dim() == 3 ? input.unsqueeze(0) : input; }
inline Tensor from_batch(const Tensor& out, const Tensor& input) { return input.dim() == 3 ? out.squeeze(0) : out; }

}  // namespace wick::nn::detail
