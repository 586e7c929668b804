#pragma once
// Float32 2-D convolutions on oneDNN (built only with WICK_HAVE_DNNL; see
// cmake/WickDnnl.cmake). Plain kernels, no autograd: contiguous NCHW input,
// OIHW weight ([O, C / groups, kh, kw]), NCHW output, as PyTorch lays them
// out. nn/conv.cpp pairs them into the ConvolutionBackward node.
//
// Why oneDNN: its JIT kernels run the MNIST CNN's convolutions 1.2-3x faster
// than im2col + GEMM (docs/PERFORMANCE.md), and PyTorch uses the same library.
//
// Threads: wick's pool (thread_pool.h) splits the batch, and each share runs
// oneDNN with one OpenMP thread, so OpenMP never starts workers of its own
// whose busy-waiting would compete with the pool on a small machine.
#include <cstdint>

namespace wick::backend::cpu {

// PyTorch's conventions: dilation 1 = dense kernel; the weight of a grouped
// convolution is [O, C / groups, kh, kw] (oneDNN's goihw, which is the same
// memory read as [groups, O / groups, C / groups, kh, kw]).
struct ConvShape {
  int64_t n = 0, c = 0, h = 0, w = 0;      // input [N, C, H, W]
  int64_t o = 0, kh = 0, kw = 0;           // weight [O, C / groups, kh, kw]
  int64_t groups = 1;                      // divides C and O
  int64_t sh = 1, sw = 1, ph = 0, pw = 0;  // stride, padding at the top/left
  int64_t ph_end = 0, pw_end = 0;          // padding at the bottom/right (padding="same" may add one)
  int64_t dh = 1, dw = 1;                  // dilation
  int64_t oh = 0, ow = 0;                  // output [N, O, oh, ow]
  // Forward adds a bias; backward-weights can give its gradient. Part of
  // the geometry because oneDNN builds different kernels with and without.
  bool bias = false;
};

// True when oneDNN has kernels for this convolution (forward and both
// backward passes); builds and caches them on first use of a geometry.
bool dnnl_conv2d_supported(const ConvShape& s);

// y = conv(x, w) + b; b is read only when s.bias.
void dnnl_conv2d_forward(const ConvShape& s, const float* x, const float* w, const float* b, float* y);
// dx = the gradient of the input from dy (overwrites dx).
void dnnl_conv2d_backward_data(const ConvShape& s, const float* dy, const float* w, float* dx);
// dw, and db when not null (s.bias only), from x and dy (overwrites them).
void dnnl_conv2d_backward_weights(const ConvShape& s, const float* x, const float* dy, float* dw, float* db);

}  // namespace wick::backend::cpu
