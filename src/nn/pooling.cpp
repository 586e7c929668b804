// max_pool2d and avg_pool2d, and their layers. On the CPU the max pool is
// its own kernel (values and the winner's index, then a scatter of the
// gradient); elsewhere, and for the average, each plane's windows as rows
// (patches.h) reduced by max or mean. The max's gradient goes to the first
// maximum of each window, the order PyTorch's kernel scans in.
#include "wick/nn/pooling.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "autograd/node.h"
#include "backend/cpu/loops.h"
#include "core/core.h"
#include "nn/layers_common.h"
#include "nn/patches.h"
#include "wick/creation.h"
#include "wick/nn/functional.h"
#include "wick/reduction.h"

namespace wick::nn {

namespace {

// The windows of every (sample, channel) plane: [N*C, L, kh*kw], and the
// geometry of the input.
struct PlaneWindows {
  Tensor rows;
  detail::PatchGeometry g;
};

PlaneWindows plane_windows(const char* op, const Tensor& x, Size2 kernel, Size2 stride, Size2 padding,
                           Size2 dilation, bool ceil_mode, double pad_value, bool pads_last) {
  const detail::PatchGeometry g = detail::patch_geometry(op, x, kernel, stride, padding, dilation, ceil_mode);
  const Tensor planes = x.reshape({g.n * g.c, 1, g.h, g.w});
  detail::PatchGeometry pg = g;  // the same windows, each plane a one-channel image
  pg.n = g.n * g.c;
  pg.c = 1;
  return {pads_last ? detail::patches_composed(planes, pg, pad_value, true) : detail::patches(planes, pg, pad_value), g};
}

Tensor to_image(const Tensor& reduced, const detail::PatchGeometry& g, const Tensor& input) {
  return detail::from_batch(reduced.reshape({g.n, g.c, g.oh, g.ow}), input);
}

// best/at become v/pos when v wins: always when `first`, else when it is
// greater or NaN (PyTorch's rule). Selected by bit masks: on real data the
// comparison is a coin flip, and GCC 12 compiles a ?: here into branches
// that mispredict half the time (3x slower, measured).
template <typename T>
inline void keep_max(T v, int64_t pos, bool first, T& best, int64_t& at) {
  using Bits = std::conditional_t<sizeof(T) == 8, uint64_t, uint32_t>;
  const bool take = first | (v > best) | (v != v);
  const Bits m = Bits{0} - static_cast<Bits>(take);
  best = std::bit_cast<T>((std::bit_cast<Bits>(v) & m) | (std::bit_cast<Bits>(best) & ~m));
  const int64_t im = -static_cast<int64_t>(take);
  at = (pos & im) | (at & ~im);
}

// The max pool of CPU planes [P, H, W] -> values and each value's flat
// index within its plane, for the planes in [p0, p1). Each output sees its
// window in PyTorch's CPU order (row by row) and with its rule (a later
// value wins only when greater, or NaN), so ties go to the first maximum.
// The loops run along a whole output row per window position, as im2col's.
template <typename T>
void max_pool_planes(const T* x, T* out, int64_t* where, const detail::PatchGeometry& g, int64_t p0, int64_t p1) {
  std::vector<T> best(static_cast<size_t>(g.ow));
  std::vector<int64_t> at(static_cast<size_t>(g.ow));
  for (int64_t p = p0; p < p1; ++p) {
    const T* plane = x + p * g.h * g.w;
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      std::fill(best.begin(), best.end(), -std::numeric_limits<T>::infinity());
      std::fill(at.begin(), at.end(), int64_t{-1});
      for (int64_t i = 0; i < g.kh; ++i) {
        const int64_t yy = oy * g.sh - g.ph + i * g.dh;
        if (yy < 0 || yy >= g.h) continue;
        for (int64_t j = 0; j < g.kw; ++j) {
          const int64_t off = yy * g.w + j * g.dw - g.pw;
          T* bp = best.data();
          int64_t* ap = at.data();
          for (int64_t ox = g.first_inside(j), hi = g.end_inside(j); ox < hi; ++ox) {
            const int64_t pos = ox * g.sw + off;
            keep_max(plane[pos], pos, ap[ox] < 0, bp[ox], ap[ox]);
          }
        }
      }
      const int64_t o = (p * g.oh + oy) * g.ow;
      std::copy(best.begin(), best.end(), out + o);
      std::copy(at.begin(), at.end(), where + o);
    }
  }
}

#if defined(__AVX512F__)
// One output row of the float 2x2 pool, 16 outputs per step: the two input
// rows' even and odd columns are the four window positions, taken in
// PyTorch's order with its rule (greater, or NaN, wins) by masked moves.
// `row` is the flat index of the window's top-left pixel for output 0.
void max_pool_2x2_row(const float* r0, const float* r1, float* out, int64_t* where, int64_t ow, int64_t row,
                      int64_t w) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const __m512i lane2 = _mm512_slli_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), 1);
  for (int64_t ox = 0; ox < ow; ox += 16) {
    const int64_t n = std::min<int64_t>(16, ow - ox);
    const __mmask16 m = static_cast<__mmask16>((1u << n) - 1);
    const __mmask16 m_lo = static_cast<__mmask16>((1u << std::min<int64_t>(16, 2 * n)) - 1);
    const __mmask16 m_hi = static_cast<__mmask16>((1u << std::max<int64_t>(0, 2 * n - 16)) - 1);
    const __m512 t_lo = _mm512_maskz_loadu_ps(m_lo, r0 + 2 * ox), t_hi = _mm512_maskz_loadu_ps(m_hi, r0 + 2 * ox + 16);
    const __m512 b_lo = _mm512_maskz_loadu_ps(m_lo, r1 + 2 * ox), b_hi = _mm512_maskz_loadu_ps(m_hi, r1 + 2 * ox + 16);
    const __m512 cand[3] = {_mm512_permutex2var_ps(t_lo, odd, t_hi), _mm512_permutex2var_ps(b_lo, even, b_hi),
                            _mm512_permutex2var_ps(b_lo, odd, b_hi)};
    __m512 best = _mm512_permutex2var_ps(t_lo, even, t_hi);
    __m512i offset = _mm512_setzero_si512();  // of the winner from the top-left pixel
    const __m512i offsets[3] = {_mm512_set1_epi32(1), _mm512_set1_epi32(static_cast<int32_t>(w)),
                                _mm512_set1_epi32(static_cast<int32_t>(w + 1))};
    for (int c = 0; c < 3; ++c) {
      const __mmask16 take = _mm512_cmp_ps_mask(cand[c], best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(cand[c], cand[c], _CMP_UNORD_Q);
      best = _mm512_mask_mov_ps(best, take, cand[c]);
      offset = _mm512_mask_mov_epi32(offset, take, offsets[c]);
    }
    _mm512_mask_storeu_ps(out + ox, m, best);
    // Flat indices, int32 while they fit (the caller checks the plane size).
    const __m512i at = _mm512_add_epi32(_mm512_add_epi32(_mm512_set1_epi32(static_cast<int32_t>(row + 2 * ox)), lane2), offset);
    // (The zero-masked forms: GCC 12's unmasked ones warn from its headers.)
    const __m256i at_lo = _mm512_maskz_extracti64x4_epi64(0xFF, at, 0), at_hi = _mm512_maskz_extracti64x4_epi64(0xFF, at, 1);
    _mm512_mask_storeu_epi64(where + ox, static_cast<__mmask8>(m), _mm512_maskz_cvtepi32_epi64(0xFF, at_lo));
    _mm512_mask_storeu_epi64(where + ox + 8, static_cast<__mmask8>(m >> 8), _mm512_maskz_cvtepi32_epi64(0xFF, at_hi));
  }
}
#endif

// The common MaxPool2d(2): 2x2 windows, stride 2, no padding or dilation,
// every window inside the input (not so with ceil_mode on an odd size),
// as straight-line code per output (the general loops above spend most of
// their time on loop control for windows this small). Same order and rule.
template <typename T>
void max_pool_2x2(const T* x, T* out, int64_t* where, const detail::PatchGeometry& g, int64_t p0, int64_t p1) {
  for (int64_t p = p0; p < p1; ++p) {
    const T* plane = x + p * g.h * g.w;
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      const int64_t row = 2 * oy * g.w;
      T* o = out + (p * g.oh + oy) * g.ow;
      int64_t* wo = where + (p * g.oh + oy) * g.ow;
#if defined(__AVX512F__)
      if (std::is_same_v<T, float> && g.h * g.w < (int64_t{1} << 31)) {
        max_pool_2x2_row(reinterpret_cast<const float*>(plane + row), reinterpret_cast<const float*>(plane + row + g.w),
                         reinterpret_cast<float*>(o), wo, g.ow, row, g.w);
        continue;
      }
#endif
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        int64_t at = row + 2 * ox;
        T best = plane[at];
        for (const int64_t pos : {row + 2 * ox + 1, row + g.w + 2 * ox, row + g.w + 2 * ox + 1})
          keep_max(plane[pos], pos, false, best, at);
        o[ox] = best;
        wo[ox] = at;
      }
    }
  }
}

template <typename T>
Tensor max_pool_cpu(const Tensor& input, const detail::PatchGeometry& g) {
  // The planes are the (sample, channel) pairs of the input.
  const Tensor x = core::contiguous(input);
  Tensor out = core::make_tensor({g.n, g.c, g.oh, g.ow}, x.dtype(), Device::cpu());
  Tensor where = core::make_tensor({g.n, g.c, g.oh, g.ow}, kInt64, Device::cpu());
  const T* xp = x.data_ptr<T>();
  T* op = out.data_ptr<T>();
  int64_t* wp = where.data_ptr<int64_t>();
  const int64_t grain = std::max<int64_t>(1, backend::cpu::kGrainCheap / std::max<int64_t>(1, g.h * g.w));
  backend::cpu::parallel_for(g.n * g.c, grain, [&](int64_t b, int64_t e) {
    if (g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 && g.dh == 1 && g.dw == 1 &&
        2 * g.oh <= g.h && 2 * g.ow <= g.w)
      max_pool_2x2<T>(xp, op, wp, g, b, e);
    else
      max_pool_planes<T>(xp, op, wp, g, b, e);
  });
  if (autograd::needs_grad(input))
    autograd::record("MaxPool2DWithIndicesBackward", {&input}, {&out},
                     [g, where, grain](const autograd::TensorList& grads) -> autograd::TensorList {
                       if (!grads[0].defined()) return {Tensor()};
                       const DType dtype = std::is_same_v<T, double> ? kFloat64 : kFloat32;
                       const Tensor go = core::contiguous(
                           grads[0].dtype() == dtype ? grads[0] : core::to_dtype(grads[0], dtype));
                       Tensor dx = zeros({g.n, g.c, g.h, g.w}, {.dtype = dtype});
                       const T* gp = go.data_ptr<T>();
                       const int64_t* wp = where.data_ptr<int64_t>();
                       T* dp = dx.data_ptr<T>();
                       const int64_t outs = g.oh * g.ow, pixels = g.h * g.w;
                       // Each plane's gradient lands in that plane only. A
                       // window of padding alone (possible with dilation)
                       // has no input to send its gradient to.
                       backend::cpu::parallel_for(g.n * g.c, grain, [&](int64_t b, int64_t e) {
                         for (int64_t p = b; p < e; ++p)
                           for (int64_t o = p * outs; o < (p + 1) * outs; ++o)
                             if (wp[o] >= 0) dp[p * pixels + wp[o]] += gp[o];
                       });
                       return {dx};
                     });
  return out;
}

// PyTorch's rule for both pools' padding.
void check_pool_padding(const char* op, Size2 kernel_size, Size2 padding) {
  WICK_CHECK(padding.h <= kernel_size.h / 2 && padding.w <= kernel_size.w / 2, op, ": padding ", padding.str(),
             " must be at most half of kernel_size ", kernel_size.str(), " (PyTorch's rule)");
}

// The divisor of each output position of avg_pool2d ([oh * ow]), as
// PyTorch's kernel: the window clipped to the padded input (positions past
// it, with ceil_mode, never count), then to the input itself unless
// count_include_pad. Empty when every window divides by kh * kw, the plain
// mean.
std::vector<double> avg_divisors(const detail::PatchGeometry& g, bool count_include_pad) {
  std::vector<double> d(static_cast<size_t>(g.windows()));
  bool plain = true;
  for (int64_t oy = 0; oy < g.oh; ++oy)
    for (int64_t ox = 0; ox < g.ow; ++ox) {
      const int64_t y0 = oy * g.sh - g.ph, x0 = ox * g.sw - g.pw;
      const int64_t y1 = std::min(y0 + g.kh, g.h + g.ph), x1 = std::min(x0 + g.kw, g.w + g.pw);
      const int64_t n = count_include_pad ? (y1 - y0) * (x1 - x0)
                                          : (std::min(y1, g.h) - std::max<int64_t>(y0, 0)) *
                                                (std::min(x1, g.w) - std::max<int64_t>(x0, 0));
      d[static_cast<size_t>(oy * g.ow + ox)] = static_cast<double>(n);
      plain = plain && n == g.kh * g.kw;
    }
  if (plain) d.clear();
  return d;
}


}  // namespace

namespace functional {

Tensor max_pool2d(const Tensor& input, Size2 kernel_size, std::optional<Size2> stride, Size2 padding, Size2 dilation,
                  bool ceil_mode) {
  check_pool_padding("max_pool2d", kernel_size, padding);
  const Tensor x = detail::as_batch(input);
  if (x.defined() && x.is_cpu()) {
    const detail::PatchGeometry g = detail::patch_geometry("max_pool2d", x, kernel_size, stride.value_or(kernel_size),
                                                           padding, dilation, ceil_mode);
    return detail::from_batch(x.dtype() == kFloat64 ? max_pool_cpu<double>(x, g) : max_pool_cpu<float>(x, g), input);
  }
  // Other devices: the windows with their padding last, so that a tie of
  // -inf values goes to the first input value as on the CPU and in PyTorch.
  PlaneWindows w = plane_windows("max_pool2d", x, kernel_size, stride.value_or(kernel_size), padding, dilation,
                                 ceil_mode, -std::numeric_limits<double>::infinity(), /*pads_last=*/true);
  return to_image(max(w.rows, 2).values, w.g, input);
}

Tensor avg_pool2d(const Tensor& input, Size2 kernel_size, std::optional<Size2> stride, Size2 padding, bool ceil_mode,
                  bool count_include_pad, std::optional<int64_t> divisor_override) {
  check_pool_padding("avg_pool2d", kernel_size, padding);
  WICK_CHECK(divisor_override.value_or(1) != 0,
             "avg_pool2d: divisor_override is 0; leave it unset to divide by the window size, or give a nonzero value");
  const Tensor x = detail::as_batch(input);
  PlaneWindows w = plane_windows("avg_pool2d", x, kernel_size, stride.value_or(kernel_size), padding, 1, ceil_mode,
                                 0.0, /*pads_last=*/false);
  if (divisor_override)
    return to_image(sum(w.rows, {2}) / static_cast<double>(*divisor_override), w.g, input);
  const std::vector<double> d = avg_divisors(w.g, count_include_pad);
  if (d.empty()) return to_image(mean(w.rows, {2}), w.g, input);
  // Windows of different sizes: each sum over its own count ([L], broadcast
  // over the planes).
  const Tensor divisor = from_vector(d, {w.g.windows()}, {.dtype = x.dtype(), .device = x.device()});
  return to_image(sum(w.rows, {2}) / divisor, w.g, input);
}

}  // namespace functional

MaxPool2d::MaxPool2d(Size2 kernel_size, const MaxPool2dOptions& o)
    : kernel_size(kernel_size),
      stride(o.stride.value_or(kernel_size)),
      padding(o.padding),
      dilation(o.dilation),
      ceil_mode(o.ceil_mode) {}

Tensor MaxPool2d::forward(const Tensor& input) {
  return functional::max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode);
}

// The sizes as they were given ("2" or "(2, 2)"), as PyTorch prints them.
std::string MaxPool2d::extra_repr() const {
  return "kernel_size=" + kernel_size.given() + ", stride=" + stride.given() + ", padding=" + padding.given() +
         ", dilation=" + dilation.given() + ", ceil_mode=" + detail::python_bool(ceil_mode);
}

AvgPool2d::AvgPool2d(Size2 kernel_size, const AvgPool2dOptions& o)
    : kernel_size(kernel_size),
      stride(o.stride.value_or(kernel_size)),
      padding(o.padding),
      ceil_mode(o.ceil_mode),
      count_include_pad(o.count_include_pad),
      divisor_override(o.divisor_override) {}

Tensor AvgPool2d::forward(const Tensor& input) {
  return functional::avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
}

// PyTorch 1.13 prints these three only, whatever the other options.
std::string AvgPool2d::extra_repr() const {
  return "kernel_size=" + kernel_size.given() + ", stride=" + stride.given() + ", padding=" + padding.given();
}

}  // namespace wick::nn
