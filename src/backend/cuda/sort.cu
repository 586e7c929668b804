// sort / topk and the cumulative scans (cumsum, cumprod, reversed cumsum)
// along one dim. Kept deliberately simple, and exact to the CPU kernels:
//  - sort is a rank sort: one thread per element counts the elements of its
//    line that come before it under backend/sort_order.h's total order, and
//    writes itself to that rank when it is below k. Stable and deterministic
//    by construction, O(n) work per element: fine for the lines of class
//    scores and features wick sorts; a line of 1e5+ elements would want
//    CUB's segmented radix sort instead.
//  - a scan is one thread per line, accumulating in double (floats) or
//    wrapping 64-bit integers (integers) as the CPU kernel does, so both
//    round alike.
#include <cstdint>
#include <type_traits>

#define WICK_HOST_DEVICE __host__ __device__
#include "backend/cuda/device_math.cuh"
#include "backend/cuda/geometry.cuh"
#include "backend/cuda/kernels.h"
#include "backend/lines.h"
#include "backend/sort_order.h"

namespace wick::backend::cuda {
namespace {

template <typename T>
__global__ void rank_sort_kernel(Geometry<3> lines, T* values, int64_t* indices, const T* in, int64_t n, int64_t k,
                                 int64_t sv, int64_t si, int64_t sx, bool descending) {
  GRID_STRIDE(e, lines.numel * n) {
    const int64_t line = e / n, i = e - line * n;
    int64_t off[3];
    lines.offsets(line, off);
    const T* x = in + off[2];
    const T xi = x[i * sx];
    int64_t rank = 0;
    for (int64_t j = 0; j < n && rank < k; ++j) rank += sorts_before(x[j * sx], j, xi, i, descending) ? 1 : 0;
    if (rank < k) {
      values[off[0] + rank * sv] = xi;
      indices[off[1] + rank * si] = i;
    }
  }
}

template <typename T>
__global__ void scan_kernel(Geometry<2> lines, T* out, const T* in, int64_t n, int64_t so, int64_t si, bool prod,
                            bool reverse) {
  // Integers wrap in uint64, as on the CPU (no signed-overflow UB).
  using Acc = std::conditional_t<kIsFloat<T>, double, uint64_t>;
  GRID_STRIDE(line, lines.numel) {
    int64_t off[2];
    lines.offsets(line, off);
    Acc acc = prod ? Acc(1) : Acc(0);
    for (int64_t t = 0; t < n; ++t) {
      const int64_t i = reverse ? n - 1 - t : t;
      const Acc v = static_cast<Acc>(in[off[1] + i * si]);
      acc = prod ? acc * v : acc + v;
      out[off[0] + i * so] = convert<T>(acc);
    }
  }
}

}  // namespace

void sort(const Ctx& c, const View& values, const View& indices, const View& in, int dim, bool descending) {
  if (values.numel() == 0) return;
  const int64_t n = in.sizes[dim], k = values.sizes[dim];
  const View* v[3] = {&values, &indices, &in};
  const Lines<3> lines(v, dim);
  const Geometry<3> g = make_geometry<3>(lines.ptrs);
  dispatch(in.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    rank_sort_kernel<T><<<grid_for(g.numel * n), kBlock, 0, c.stream>>>(
        g, values.ptr<T>(), indices.ptr<int64_t>(), in.ptr<T>(), n, k, values.strides[dim], indices.strides[dim],
        in.strides[dim], descending);
  });
  check_launch("sort");
}

void cumulative(const Ctx& c, ReduceOp op, const View& out, const View& in, int dim, bool reverse) {
  if (out.numel() == 0) return;
  const View* v[2] = {&out, &in};
  const Lines<2> lines(v, dim);
  const Geometry<2> g = make_geometry<2>(lines.ptrs);
  dispatch(in.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    scan_kernel<T><<<grid_for(g.numel), kBlock, 0, c.stream>>>(g, out.ptr<T>(), in.ptr<T>(), in.sizes[dim],
                                                               out.strides[dim], in.strides[dim],
                                                               op == ReduceOp::Prod, reverse);
  });
  check_launch("cumulative");
}

}  // namespace wick::backend::cuda
