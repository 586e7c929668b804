// reduce() and arg_reduce().
//
// reduce() splits in's dims into kept dims (out.sizes[d] != 1) and reduced
// dims, sorts each list by input stride and merges what is contiguous, then
// picks one of two loops:
//  - row mode: the innermost memory dim is reduced (sum over the last dim,
//    full reductions): each output reduces its own stretch of memory;
//  - column mode: the innermost memory dim is kept (sum over the batch, as for
//    bias gradients): a block of outputs is accumulated row by row, which
//    vectorizes across the kept dim.
// Float sums and products accumulate in double so float32 sums of millions of
// elements stay within 1e-5 of PyTorch's cascade sum.
#include <algorithm>
#include <cmath>
#include <limits>

#include "backend/cpu/kernels.h"
#include "backend/arg_best.h"
#include "backend/cpu/loops.h"

namespace wick::backend::cpu {
namespace {

template <typename I>
using WideAcc = std::conditional_t<kIsFloat<I>, double, int64_t>;

template <ReduceOp Op, typename I> struct Reducer;

template <typename I> struct Reducer<ReduceOp::Sum, I> {
  using A = WideAcc<I>;
  static A identity() { return A(0); }
  static A combine(A a, A b) { return a + b; }
  static A row(A acc, const I* x, int64_t n, int64_t s) {
    if (s == 1) {
#pragma omp simd reduction(+ : acc)
      for (int64_t i = 0; i < n; ++i) acc += static_cast<A>(x[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) acc += static_cast<A>(x[i * s]);
    }
    return acc;
  }
};

template <typename I> struct Reducer<ReduceOp::Prod, I> {
  using A = WideAcc<I>;
  static A identity() { return A(1); }
  static A combine(A a, A b) { return a * b; }
  static A row(A acc, const I* x, int64_t n, int64_t s) {
    if (s == 1) {
#pragma omp simd reduction(* : acc)
      for (int64_t i = 0; i < n; ++i) acc *= static_cast<A>(x[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) acc *= static_cast<A>(x[i * s]);
    }
    return acc;
  }
};

// Max/Min run a fixed number of independent lanes so the compare-and-select
// vectorizes; `x != x` makes a NaN sticky (a NaN accumulator never loses).
template <typename I, bool kMax> struct ExtremumReducer {
  using A = I;
  static A identity() {
    if constexpr (kIsFloat<I>) return kMax ? -std::numeric_limits<I>::infinity() : std::numeric_limits<I>::infinity();
    else return kMax ? std::numeric_limits<I>::lowest() : std::numeric_limits<I>::max();
  }
  static A combine(A a, A x) {
    if constexpr (kMax) return (x > a || x != x) ? x : a;
    else return (x < a || x != x) ? x : a;
  }
  static A row(A acc, const I* x, int64_t n, int64_t s) {
    int64_t i = 0;
    if (s == 1 && n >= 64) {
      constexpr int kLanes = 32;
      A lane[kLanes];
      for (int l = 0; l < kLanes; ++l) lane[l] = identity();
      for (; i + kLanes <= n; i += kLanes)
        for (int l = 0; l < kLanes; ++l) lane[l] = combine(lane[l], x[i + l]);
      for (int l = 0; l < kLanes; ++l) acc = combine(acc, lane[l]);
    }
    for (; i < n; ++i) acc = combine(acc, x[i * s]);
    return acc;
  }
};
template <typename I> struct Reducer<ReduceOp::Max, I> : ExtremumReducer<I, true> {};
template <typename I> struct Reducer<ReduceOp::Min, I> : ExtremumReducer<I, false> {};

struct Dim {
  int64_t size, in_stride, out_stride;
};

// Sorted by input stride (largest first) and merged where contiguous.
int simplify(Dim* dims, int n) {
  // Insertion sort: stable, and no temporary buffer (std::stable_sort
  // allocates, which showed up as most of a 1-element sum's cost).
  for (int i = 1; i < n; ++i) {
    const Dim x = dims[i];
    int j = i;
    for (; j > 0 && dims[j - 1].in_stride < x.in_stride; --j) dims[j] = dims[j - 1];
    dims[j] = x;
  }
  int m = 0;
  for (int i = 0; i < n; ++i) {
    if (m > 0 && dims[m - 1].in_stride == dims[i].in_stride * dims[i].size &&
        dims[m - 1].out_stride == dims[i].out_stride * dims[i].size) {
      dims[m - 1].size *= dims[i].size;
      dims[m - 1].in_stride = dims[i].in_stride;
      dims[m - 1].out_stride = dims[i].out_stride;
    } else {
      dims[m++] = dims[i];
    }
  }
  return m;
}

struct Plan {
  Dim kept[kMaxDims], red[kMaxDims];
  int nk = 0, nr = 0;
  int64_t outputs = 1, rtotal = 1;
};

Plan make_plan(const View& out, const View& in) {
  Plan P;
  for (int d = 0; d < in.ndim; ++d) {
    if (in.sizes[d] == 1) continue;
    const Dim x{in.sizes[d], in.strides[d], out.strides[d]};
    if (out.sizes[d] == 1) P.red[P.nr++] = Dim{x.size, x.in_stride, 0};
    else P.kept[P.nk++] = x;
  }
  P.nk = simplify(P.kept, P.nk);
  P.nr = simplify(P.red, P.nr);
  for (int i = 0; i < P.nk; ++i) P.outputs *= P.kept[i].size;
  for (int i = 0; i < P.nr; ++i) P.rtotal *= P.red[i].size;
  return P;
}

// A Layout over a list of dims (operand 0 = out, operand 1 = in).
template <int N>
Layout<N> dims_layout(const Dim* dims, int n, char* const data[N], const int esize[N]) {
  int64_t sizes[kMaxDims], so[kMaxDims], si[kMaxDims];
  for (int i = 0; i < n; ++i) {
    sizes[i] = dims[i].size;
    so[i] = dims[i].out_stride;
    si[i] = dims[i].in_stride;
  }
  if constexpr (N == 1) {
    const int64_t* strides[1] = {si};
    return Layout<1>::make(n, sizes, data, esize, strides);
  } else {
    const int64_t* strides[2] = {so, si};
    return Layout<2>::make(n, sizes, data, esize, strides);
  }
}

constexpr int64_t kColBlock = 256;

template <ReduceOp Op, typename I, typename O>
void reduce_typed(const Plan& P, const View& out, const View& in, double scale) {
  using R = Reducer<Op, I>;
  using A = typename R::A;
  auto finish = [scale](A acc) -> O {
    if (scale == 1) return convert<O>(acc);
    return convert<O>(static_cast<double>(acc) * scale);
  };
  char* in_data = static_cast<char*>(in.data);
  char* out_data = static_cast<char*>(out.data);
  const int in_es = sizeof(I), out_es = static_cast<int>(element_size(out.dtype));
  const Layout<1> RL = dims_layout<1>(P.red, P.nr, &in_data, &in_es);
  const int64_t rs = RL.inner_stride(0);
  auto reduce_span = [&](char* base, int64_t begin, int64_t end, A acc) {
    char* bases[1] = {base};
    for_each_row(RL, bases, begin, end, [&](char* const* p, int64_t n) {
      acc = R::row(acc, reinterpret_cast<const I*>(p[0]), n, rs);
    });
    return acc;
  };

  const bool column_mode = P.nk > 0 && P.nr > 0 && P.kept[P.nk - 1].in_stride < P.red[P.nr - 1].in_stride;
  if (column_mode) {
    const Dim inner = P.kept[P.nk - 1];
    char* data[2] = {out_data, in_data};
    const int esize[2] = {out_es, in_es};
    const Layout<2> OL = dims_layout<2>(P.kept, P.nk - 1, data, esize);
    const int64_t blocks = (inner.size + kColBlock - 1) / kColBlock;
    const int64_t grain = std::max<int64_t>(1, kGrainCheap / std::max<int64_t>(1, P.rtotal * kColBlock));
    parallel_for(OL.numel * blocks, grain, [&](int64_t begin, int64_t end) {
      A acc[kColBlock];
      for (int64_t t = begin; t < end; ++t) {
        const int64_t outer = t / blocks, j0 = (t % blocks) * kColBlock;
        const int64_t w = std::min(kColBlock, inner.size - j0);
        int64_t off_o = 0, off_i = 0, rem = outer;
        for (int d = OL.ndim - 1; d >= 0; --d) {
          const int64_t id = rem % OL.sizes[d];
          rem /= OL.sizes[d];
          off_o += id * OL.strides[0][d];
          off_i += id * OL.strides[1][d];
        }
        for (int64_t j = 0; j < w; ++j) acc[j] = R::identity();
        const int64_t ks = inner.in_stride;
        char* base = in_data + (off_i + j0 * ks) * in_es;
        char* bases[1] = {base};
        for_each_row(RL, bases, 0, P.rtotal, [&](char* const* p, int64_t n) {
          const I* x = reinterpret_cast<const I*>(p[0]);
          for (int64_t r = 0; r < n; ++r) {
            const I* xr = x + r * rs;
            if (ks == 1) {
              for (int64_t j = 0; j < w; ++j) acc[j] = R::combine(acc[j], static_cast<A>(xr[j]));
            } else {
              for (int64_t j = 0; j < w; ++j) acc[j] = R::combine(acc[j], static_cast<A>(xr[j * ks]));
            }
          }
        });
        O* o = reinterpret_cast<O*>(out_data) + off_o + j0 * inner.out_stride;
        for (int64_t j = 0; j < w; ++j) o[j * inner.out_stride] = finish(acc[j]);
      }
    });
    return;
  }

  // Row mode.
  if (P.outputs == 1 && P.rtotal >= 2 * kGrainCheap && !in_parallel_region()) {
    // One output, much input: each thread reduces a slice, then combine.
    const int nchunks = static_cast<int>(std::min<int64_t>({num_threads(), P.rtotal / kGrainCheap, 256}));
    A partial[256];
    run_chunks(nchunks, [&](int c) {
      partial[c] = reduce_span(in_data, P.rtotal * c / nchunks, P.rtotal * (c + 1) / nchunks, R::identity());
    });
    A acc = R::identity();
    for (int c = 0; c < nchunks; ++c) acc = R::combine(acc, partial[c]);
    *reinterpret_cast<O*>(out_data) = finish(acc);
    return;
  }
  char* data[2] = {out_data, in_data};
  const int esize[2] = {out_es, in_es};
  const Layout<2> KL = dims_layout<2>(P.kept, P.nk, data, esize);
  const int64_t ko = KL.inner_stride(0), ki = KL.inner_stride(1);
  const int64_t grain = std::max<int64_t>(1, kGrainCheap / std::max<int64_t>(1, P.rtotal));
  run(KL, grain, [&](char* const* p, int64_t n) {
    O* o = reinterpret_cast<O*>(p[0]);
    for (int64_t j = 0; j < n; ++j) o[j * ko] = finish(reduce_span(p[1] + j * ki * in_es, 0, P.rtotal, R::identity()));
  });
}

template <ReduceOp Op>
void reduce_op(const Plan& P, const View& out, const View& in, double scale) {
  dispatch(in.dtype, [&](auto itag) {
    using I = typename decltype(itag)::type;
    if constexpr (Op == ReduceOp::Max || Op == ReduceOp::Min) {
      reduce_typed<Op, I, I>(P, out, in, scale);  // out dtype = in dtype
    } else {
      dispatch(out.dtype, [&](auto otag) { reduce_typed<Op, I, typename decltype(otag)::type>(P, out, in, scale); });
    }
  });
}

}  // namespace

void reduce(ReduceOp op, const View& out, const View& in, double scale) {
  if (out.numel() == 0) return;
  const Plan P = make_plan(out, in);
  switch (op) {
    case ReduceOp::Sum: reduce_op<ReduceOp::Sum>(P, out, in, scale); break;
    case ReduceOp::Prod: reduce_op<ReduceOp::Prod>(P, out, in, scale); break;
    case ReduceOp::Max: reduce_op<ReduceOp::Max>(P, out, in, scale); break;
    case ReduceOp::Min: reduce_op<ReduceOp::Min>(P, out, in, scale); break;
  }
}

void arg_reduce(ReduceOp op, const View& values, const View& indices, const View& in, int dim) {
  if (values.numel() == 0) return;
  // Iterate every dim but `dim`; each position scans along `dim`.
  int64_t sizes[kMaxDims], sv[kMaxDims], sx[kMaxDims], si[kMaxDims];
  int nd = 0;
  for (int d = 0; d < in.ndim; ++d) {
    if (d == dim) continue;
    sizes[nd] = in.sizes[d];
    sv[nd] = values.strides[d];
    sx[nd] = indices.strides[d];
    si[nd] = in.strides[d];
    ++nd;
  }
  const int64_t len = in.ndim == 0 ? 1 : in.sizes[dim];
  const int64_t sd = in.ndim == 0 ? 0 : in.strides[dim];
  if (len == 0) return;  // core rejects empty max/min
  char* data[3] = {static_cast<char*>(values.data), static_cast<char*>(indices.data), static_cast<char*>(in.data)};
  const int es = static_cast<int>(element_size(in.dtype));
  const int esize[3] = {es, 8, es};
  const int64_t* strides[3] = {sv, sx, si};
  const Layout<3> L = Layout<3>::make(nd, sizes, data, esize, strides);
  const bool is_max = op != ReduceOp::Min;
  dispatch(in.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t lv = L.inner_stride(0), lx = L.inner_stride(1), li = L.inner_stride(2);
    run(L, std::max<int64_t>(1, kGrainCheap / len), [&](char* const* p, int64_t n) {
      T* v = reinterpret_cast<T*>(p[0]);
      int64_t* ix = reinterpret_cast<int64_t*>(p[1]);
      const T* x0 = reinterpret_cast<const T*>(p[2]);
      for (int64_t j = 0; j < n; ++j) {
        T best;
        ix[j * lx] = arg_best(x0 + j * li, len, sd, is_max, &best);
        v[j * lv] = best;
      }
    });
  });
}

}  // namespace wick::backend::cpu
