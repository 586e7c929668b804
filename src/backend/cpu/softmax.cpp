// softmax / log_softmax along one dim, and their backward. Every position of
// the other dims is an independent 1-D problem; the loops are written once
// with strides and inlined with literal 1 strides for the common case (dim is
// last and contiguous), where they vectorize.
#include <algorithm>
#include <cmath>

#include "backend/cpu/fast_math.h"
#include "backend/cpu/kernels.h"
#include "backend/cpu/loops.h"
#include "backend/outer_dims.h"

namespace wick::backend::cpu {
namespace {

template <typename T>
[[gnu::always_inline]] inline void softmax_1d(T* o, const T* x, int64_t len, int64_t so, int64_t si, bool log) {
  // Max with NaN propagation: a NaN anywhere makes every output NaN, as in PyTorch.
  // Independent lanes so the compare-and-select vectorizes; `v != v` makes
  // NaN sticky.
  auto take = [](T m, T v) { return (v > m || v != v) ? v : m; };
  T m = x[0];
  int64_t i0 = 1;
  if (si == 1 && len >= 64) {
    constexpr int kLanes = 16;
    T lane[kLanes];
    for (int l = 0; l < kLanes; ++l) lane[l] = x[l];
    for (i0 = kLanes; i0 + kLanes <= len; i0 += kLanes)
      for (int l = 0; l < kLanes; ++l) lane[l] = take(lane[l], x[i0 + l]);
    for (int l = 0; l < kLanes; ++l) m = take(m, lane[l]);
  }
  for (int64_t i = i0; i < len; ++i) m = take(m, x[i * si]);
  if (std::isinf(m) && m < 0) m = 0;  // all -inf: avoid (-inf) - (-inf) = NaN before the 0/0
  // exp and the sum run as separate loops: fused, g++ fell back to scalar
  // code; split, each is a plain loop it vectorizes.
  double sum = 0;
  if (log) {
    T buf[256];  // scratch: `o` may alias `x`, which is still needed
    for (int64_t b = 0; b < len; b += 256) {
      const int64_t w = std::min<int64_t>(256, len - b);
      for (int64_t i = 0; i < w; ++i) buf[i] = fast_exp(static_cast<T>(x[(b + i) * si] - m));
#pragma omp simd reduction(+ : sum)
      for (int64_t i = 0; i < w; ++i) sum += static_cast<double>(buf[i]);
    }
    // (x - m) is exact for nearby values; folding m into log(sum) first
    // would round at m's magnitude (1e-4 absolute error around x = 1000).
    const T log_sum = static_cast<T>(std::log(sum));
    for (int64_t i = 0; i < len; ++i) o[i * so] = (x[i * si] - m) - log_sum;
  } else {
    for (int64_t i = 0; i < len; ++i) o[i * so] = fast_exp(static_cast<T>(x[i * si] - m));
#pragma omp simd reduction(+ : sum)
    for (int64_t i = 0; i < len; ++i) sum += static_cast<double>(o[i * so]);
    const T inv = static_cast<T>(1.0 / sum);
    for (int64_t i = 0; i < len; ++i) o[i * so] *= inv;
  }
}

template <typename T>
[[gnu::always_inline]] inline void softmax_backward_1d(T* gi, const T* g, const T* y, int64_t len, int64_t sgi,
                                                       int64_t sg, int64_t sy, bool log) {
  double dot = 0;
  if (log) {
#pragma omp simd reduction(+ : dot)
    for (int64_t i = 0; i < len; ++i) dot += static_cast<double>(g[i * sg]);
    const T s = static_cast<T>(dot);
    for (int64_t i = 0; i < len; ++i) gi[i * sgi] = g[i * sg] - fast_exp(y[i * sy]) * s;
  } else {
#pragma omp simd reduction(+ : dot)
    for (int64_t i = 0; i < len; ++i) dot += static_cast<double>(g[i * sg]) * static_cast<double>(y[i * sy]);
    const T s = static_cast<T>(dot);
    for (int64_t i = 0; i < len; ++i) gi[i * sgi] = y[i * sy] * (g[i * sg] - s);
  }
}

// Layout over every dim but `dim`, for N operands with `views`' strides.
template <int N>
Layout<N> outer_layout(const View* const views[N], int dim) {
  int64_t sizes[kMaxDims], st[N][kMaxDims];
  const int nd = outer_dims<N>(views, dim, sizes, st);
  char* data[N];
  int esize[N];
  const int64_t* strides[N];
  for (int k = 0; k < N; ++k) {
    data[k] = static_cast<char*>(views[k]->data);
    esize[k] = static_cast<int>(element_size(views[k]->dtype));
    strides[k] = st[k];
  }
  return Layout<N>::make(nd, sizes, data, esize, strides);
}

}  // namespace

void softmax(const View& out, const View& in, int dim, bool log) {
  if (out.numel() == 0) return;
  const View* views[2] = {&out, &in};
  const Layout<2> L = outer_layout<2>(views, dim);
  const int64_t len = in.ndim == 0 ? 1 : in.sizes[dim];
  const int64_t so = in.ndim == 0 ? 1 : out.strides[dim], si = in.ndim == 0 ? 1 : in.strides[dim];
  const int64_t lo = L.inner_stride(0), li = L.inner_stride(1);
  const int64_t grain = std::max<int64_t>(1, kGrainExpensive / len);
  dispatch(in.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (kIsFloat<T>) {
      run(L, grain, [&](char* const* p, int64_t n) {
        T* o = reinterpret_cast<T*>(p[0]);
        const T* x = reinterpret_cast<const T*>(p[1]);
        for (int64_t j = 0; j < n; ++j) {
          if (so == 1 && si == 1) softmax_1d<T>(o + j * lo, x + j * li, len, 1, 1, log);
          else softmax_1d<T>(o + j * lo, x + j * li, len, so, si, log);
        }
      });
    }
  });
}

void softmax_backward(const View& grad_in, const View& grad_out, const View& out, int dim, bool log) {
  if (grad_in.numel() == 0) return;
  const View* views[3] = {&grad_in, &grad_out, &out};
  const Layout<3> L = outer_layout<3>(views, dim);
  const bool scalar = out.ndim == 0;
  const int64_t len = scalar ? 1 : out.sizes[dim];
  const int64_t sgi = scalar ? 1 : grad_in.strides[dim], sg = scalar ? 1 : grad_out.strides[dim],
                sy = scalar ? 1 : out.strides[dim];
  const int64_t l0 = L.inner_stride(0), l1 = L.inner_stride(1), l2 = L.inner_stride(2);
  const int64_t grain = std::max<int64_t>(1, kGrainCheap / len);
  dispatch(out.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (kIsFloat<T>) {
      run(L, grain, [&](char* const* p, int64_t n) {
        T* gi = reinterpret_cast<T*>(p[0]);
        const T* g = reinterpret_cast<const T*>(p[1]);
        const T* y = reinterpret_cast<const T*>(p[2]);
        for (int64_t j = 0; j < n; ++j) {
          if (sgi == 1 && sg == 1 && sy == 1)
            softmax_backward_1d<T>(gi + j * l0, g + j * l1, y + j * l2, len, 1, 1, 1, log);
          else
            softmax_backward_1d<T>(gi + j * l0, g + j * l1, y + j * l2, len, sgi, sg, sy, log);
        }
      });
    }
  });
}

}  // namespace wick::backend::cpu
