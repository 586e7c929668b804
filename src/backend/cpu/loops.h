#pragma once
// Shared machinery of the CPU kernels: dtype dispatch, value conversion, the
// OpenMP range splitter, and the strided iteration helper that every
// elementwise-style kernel runs on.
//
// The iteration helper first simplifies the operands' common index space
// (drops size-1 dims, merges dims that are contiguous with each other in every
// operand), so that most real calls collapse to a single flat dim and the
// per-row functor runs one tight loop the compiler can vectorize.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "backend/backend.h"
#include "backend/cpu/thread_pool.h"

namespace wick::backend::cpu {

template <typename T> struct Tag { using type = T; };

// Calls f(Tag<T>{}) with T the C++ type of `t`. Bool is C++ bool: core only
// stores 0/1 in bool tensors, and bool arithmetic (true + true) then behaves
// as PyTorch's logical or.
template <typename F>
inline void dispatch(DType t, F&& f) {
  switch (t) {
    case DType::Float32: f(Tag<float>{}); return;
    case DType::Float64: f(Tag<double>{}); return;
    case DType::Int64: f(Tag<int64_t>{}); return;
    case DType::UInt8: f(Tag<uint8_t>{}); return;
    case DType::Bool: f(Tag<bool>{}); return;
  }
}

template <typename T> inline constexpr bool kIsFloat = std::is_floating_point_v<T>;

// static_cast, except: anything -> bool is `!= 0`, and float -> uint8 goes
// through int64 so negative values wrap as they do in PyTorch on x86 instead
// of being undefined behaviour.
template <typename To, typename From>
inline To convert(From x) {
  if constexpr (std::is_same_v<To, From>) {
    return x;
  } else if constexpr (std::is_same_v<To, bool>) {
    return x != From(0);
  } else if constexpr (std::is_same_v<To, uint8_t> && kIsFloat<From>) {
    return static_cast<uint8_t>(static_cast<int64_t>(x));
  } else {
    return static_cast<To>(x);
  }
}

// Work sizes below which a kernel stays on the calling thread: handing work
// to a worker costs about a microsecond, more than a small op itself.
constexpr int64_t kGrainCheap = 32768;       // add, mul, copy, compare
constexpr int64_t kGrainExpensive = 4096;    // exp, log, tanh, pow, philox

// Splits [0, n) into one contiguous chunk per thread (thread_pool.h); f(begin,
// end) runs on each. Small ranges, and calls from inside a task, run inline.
template <typename F>
inline void parallel_for(int64_t n, int64_t grain, const F& f) {
  if (n <= 0) return;
  if (n <= grain || in_parallel_region()) {
    f(int64_t{0}, n);
    return;
  }
  const int64_t want = std::min<int64_t>(num_threads(), (n + grain - 1) / grain);
  if (want <= 1) {
    f(int64_t{0}, n);
    return;
  }
  int64_t chunk = (n + want - 1) / want;
  chunk = (chunk + 63) & ~int64_t{63};  // whole cache lines / vectors per thread
  run_chunks(static_cast<int>(want), [&](int tid) {
    const int64_t begin = std::min(n, tid * chunk), end = std::min(n, begin + chunk);
    if (begin < end) f(begin, end);
  });
}

// The simplified index space of N operands sharing one shape. Strides are in
// elements; data[k] is operand k's base pointer, esize[k] its element size.
template <int N>
struct Layout {
  int ndim = 1;
  int64_t numel = 1;
  int64_t sizes[kMaxDims] = {1};
  int64_t strides[N][kMaxDims] = {};
  char* data[N] = {};
  int esize[N] = {};

  // sizes: the common shape; strides[k]: operand k's strides for that shape.
  static Layout make(int ndim, const int64_t* sizes, char* const data[N], const int esize[N],
                     const int64_t* const strides[N]) {
    Layout L;
    for (int k = 0; k < N; ++k) {
      L.data[k] = data[k];
      L.esize[k] = esize[k];
    }
    L.numel = 1;
    for (int d = 0; d < ndim; ++d) L.numel *= sizes[d];
    int nd = 0;
    if (L.numel != 0) {
      for (int d = 0; d < ndim; ++d) {
        if (sizes[d] == 1) continue;  // its stride never matters
        if (nd > 0) {
          bool mergeable = true;
          for (int k = 0; k < N; ++k)
            mergeable = mergeable && L.strides[k][nd - 1] == strides[k][d] * sizes[d];
          if (mergeable) {  // outer dim nd-1 and dim d walk memory as one dim
            L.sizes[nd - 1] *= sizes[d];
            for (int k = 0; k < N; ++k) L.strides[k][nd - 1] = strides[k][d];
            continue;
          }
        }
        L.sizes[nd] = sizes[d];
        for (int k = 0; k < N; ++k) L.strides[k][nd] = strides[k][d];
        ++nd;
      }
    }
    if (nd == 0) {  // a single element (or none): one contiguous row
      L.ndim = 1;
      L.sizes[0] = L.numel;
      for (int k = 0; k < N; ++k) L.strides[k][0] = 1;
    } else {
      L.ndim = nd;
    }
    return L;
  }

  static Layout from_views(const View* const views[N]) {
    char* data[N];
    int esize[N];
    const int64_t* strides[N];
    for (int k = 0; k < N; ++k) {
      data[k] = static_cast<char*>(views[k]->data);
      esize[k] = static_cast<int>(element_size(views[k]->dtype));
      strides[k] = views[k]->strides;
    }
    return make(views[0]->ndim, views[0]->sizes, data, esize, strides);
  }

  int64_t inner_stride(int k) const { return strides[k][ndim - 1]; }
};

// Runs row(ptrs, n) over the flat element range [begin, end) of L, one call
// per stretch of the innermost dim; the row's element strides are
// L.inner_stride(k). `base` replaces L.data (callers offset it).
template <int N, typename Row>
inline void for_each_row(const Layout<N>& L, char* const base[N], int64_t begin, int64_t end,
                         Row&& row) {
  char* p[N];
  if (L.ndim == 1) {
    for (int k = 0; k < N; ++k) p[k] = base[k] + begin * L.strides[k][0] * L.esize[k];
    row(p, end - begin);
    return;
  }
  const int D = L.ndim;
  const int64_t inner = L.sizes[D - 1];
  int64_t idx[kMaxDims];
  int64_t rem = begin;
  for (int d = D - 1; d >= 0; --d) {
    idx[d] = rem % L.sizes[d];
    rem /= L.sizes[d];
  }
  while (begin < end) {
    for (int k = 0; k < N; ++k) {
      int64_t off = 0;
      for (int d = 0; d < D; ++d) off += idx[d] * L.strides[k][d];
      p[k] = base[k] + off * L.esize[k];
    }
    const int64_t n = std::min(inner - idx[D - 1], end - begin);
    row(p, n);
    begin += n;
    idx[D - 1] += n;
    if (idx[D - 1] == inner) {
      idx[D - 1] = 0;
      for (int d = D - 2; d >= 0; --d) {
        if (++idx[d] < L.sizes[d]) break;
        idx[d] = 0;
      }
    }
  }
}

// The whole of L, in parallel when numel > grain.
template <int N, typename Row>
inline void run(const Layout<N>& L, int64_t grain, const Row& row) {
  if (L.numel == 0) return;
  parallel_for(L.numel, grain, [&](int64_t b, int64_t e) { for_each_row(L, L.data, b, e, row); });
}

}  // namespace wick::backend::cpu
