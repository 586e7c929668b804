// reduce (sum / prod / max / min over any dims, times a scale), arg_reduce,
// softmax / log_softmax and their backward. Floating sums accumulate in
// double, as the CPU kernels do, so both backends agree to rounding.
#include <cmath>

#define WICK_HOST_DEVICE __host__ __device__
#include "backend/arg_best.h"
#include "backend/cuda/device_math.cuh"
#include "backend/cuda/geometry.cuh"
#include "backend/outer_dims.h"

namespace wick::backend::cuda {
namespace {

template <typename I>
using Acc = std::conditional_t<kIsFloat<I>, double, int64_t>;

template <typename A>
__device__ __forceinline__ A identity(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum: return A(0);
    case ReduceOp::Prod: return A(1);
    case ReduceOp::Max:
      if constexpr (kIsFloat<A>) return -INFINITY;
      else return std::numeric_limits<A>::lowest();
    case ReduceOp::Min:
      if constexpr (kIsFloat<A>) return INFINITY;
      else return std::numeric_limits<A>::max();
  }
  return A(0);
}

// NaN wins max/min, as in PyTorch and the CPU kernels.
template <typename A>
__device__ __forceinline__ A combine(ReduceOp op, A acc, A x) {
  switch (op) {
    case ReduceOp::Sum: return acc + x;
    case ReduceOp::Prod: return acc * x;
    case ReduceOp::Max: return (x > acc || x != x) ? x : acc;
    case ReduceOp::Min: return (x < acc || x != x) ? x : acc;
  }
  return acc;
}

// Stores acc (times scale) into an output of runtime dtype.
template <typename A>
__device__ __forceinline__ void store(void* out, DType dt, int64_t off, A acc, double scale) {
  auto put = [&](auto* p) {
    using O = std::remove_pointer_t<decltype(p)>;
    p[off] = scale == 1 ? convert<O>(acc) : convert<O>(static_cast<double>(acc) * scale);
  };
  switch (dt) {
    case DType::Float32: put(static_cast<float*>(out)); break;
    case DType::Float64: put(static_cast<double*>(out)); break;
    case DType::Int64: put(static_cast<int64_t*>(out)); break;
    case DType::UInt8: put(static_cast<uint8_t*>(out)); break;
    case DType::Bool: put(static_cast<bool*>(out)); break;
  }
}

// One block per output: its threads split the reduced elements.
template <typename I>
__global__ void reduce_block_kernel(Geometry<2> kept, Geometry<1> red, ReduceOp op, void* out, DType out_dtype,
                                    const I* in, double scale) {
  using A = Acc<I>;
  __shared__ A partial[kBlock];
  for (int64_t o = blockIdx.x; o < kept.numel; o += gridDim.x) {
    int64_t ko[2];
    kept.offsets(o, ko);
    A acc = identity<A>(op);
    for (int64_t r = threadIdx.x; r < red.numel; r += blockDim.x) {
      int64_t ro[1];
      red.offsets(r, ro);
      acc = combine<A>(op, acc, static_cast<A>(in[ko[1] + ro[0]]));
    }
    partial[threadIdx.x] = acc;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
      if (threadIdx.x < s) partial[threadIdx.x] = combine<A>(op, partial[threadIdx.x], partial[threadIdx.x + s]);
      __syncthreads();
    }
    if (threadIdx.x == 0) store<A>(out, out_dtype, ko[0], partial[0], scale);
    __syncthreads();
  }
}

// One thread per output: for short reductions, and column reductions whose
// neighbouring outputs read neighbouring inputs (coalesced).
template <typename I>
__global__ void reduce_thread_kernel(Geometry<2> kept, Geometry<1> red, ReduceOp op, void* out, DType out_dtype,
                                     const I* in, double scale) {
  using A = Acc<I>;
  GRID_STRIDE(o, kept.numel) {
    int64_t ko[2];
    kept.offsets(o, ko);
    A acc = identity<A>(op);
    for (int64_t r = 0; r < red.numel; ++r) {
      int64_t ro[1];
      red.offsets(r, ro);
      acc = combine<A>(op, acc, static_cast<A>(in[ko[1] + ro[0]]));
    }
    store<A>(out, out_dtype, ko[0], acc, scale);
  }
}

template <typename T>
__global__ void arg_reduce_kernel(Geometry<3> g, bool is_max, T* values, int64_t* indices, const T* in, int64_t len,
                                  int64_t sd) {
  GRID_STRIDE(j, g.numel) {
    int64_t off[3];
    g.offsets(j, off);
    T best;
    indices[off[1]] = arg_best(in + off[2], len, sd, is_max, &best);
    values[off[0]] = best;
  }
}

// ---------------- softmax: one warp per row ----------------

constexpr int kWarp = 32;
constexpr int kRowsPerBlock = kBlock / kWarp;

template <typename V>
__device__ __forceinline__ V warp_sum(V v) {
  for (int s = kWarp / 2; s > 0; s >>= 1) v += __shfl_down_sync(0xffffffffu, v, s);
  return __shfl_sync(0xffffffffu, v, 0);
}

template <typename T>
__device__ __forceinline__ T take_max(T m, T v) {
  return (v > m || v != v) ? v : m;
}

template <typename T>
__global__ void softmax_kernel(Geometry<2> rows, T* out, const T* in, int64_t len, int64_t so, int64_t si, bool log) {
  const int lane = threadIdx.x % kWarp;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * kRowsPerBlock;
  for (int64_t row = blockIdx.x * static_cast<int64_t>(kRowsPerBlock) + threadIdx.x / kWarp; row < rows.numel;
       row += warps) {
    int64_t off[2];
    rows.offsets(row, off);
    T* o = out + off[0];
    const T* x = in + off[1];
    T m = x[0];
    for (int64_t i = lane; i < len; i += kWarp) m = take_max(m, x[i * si]);
    for (int s = kWarp / 2; s > 0; s >>= 1) m = take_max(m, __shfl_down_sync(0xffffffffu, m, s));
    m = __shfl_sync(0xffffffffu, m, 0);
    if (isinf(m) && m < 0) m = 0;  // all -inf: avoid (-inf) - (-inf) before the 0/0
    double sum = 0;
    for (int64_t i = lane; i < len; i += kWarp) sum += static_cast<double>(static_cast<T>(exp(x[i * si] - m)));
    sum = warp_sum(sum);
    if (log) {
      const T log_sum = static_cast<T>(::log(sum));
      for (int64_t i = lane; i < len; i += kWarp) o[i * so] = (x[i * si] - m) - log_sum;
    } else {
      const T inv = static_cast<T>(1.0 / sum);
      for (int64_t i = lane; i < len; i += kWarp) o[i * so] = static_cast<T>(exp(x[i * si] - m)) * inv;
    }
  }
}

template <typename T>
__global__ void softmax_backward_kernel(Geometry<3> rows, T* gi, const T* g, const T* y, int64_t len, int64_t sgi,
                                        int64_t sg, int64_t sy, bool log) {
  const int lane = threadIdx.x % kWarp;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * kRowsPerBlock;
  for (int64_t row = blockIdx.x * static_cast<int64_t>(kRowsPerBlock) + threadIdx.x / kWarp; row < rows.numel;
       row += warps) {
    int64_t off[3];
    rows.offsets(row, off);
    T* pgi = gi + off[0];
    const T* pg = g + off[1];
    const T* py = y + off[2];
    double dot = 0;
    if (log) {
      for (int64_t i = lane; i < len; i += kWarp) dot += static_cast<double>(pg[i * sg]);
    } else {
      for (int64_t i = lane; i < len; i += kWarp)
        dot += static_cast<double>(pg[i * sg]) * static_cast<double>(py[i * sy]);
    }
    const T s = static_cast<T>(warp_sum(dot));
    if (log) {
      for (int64_t i = lane; i < len; i += kWarp) pgi[i * sgi] = pg[i * sg] - static_cast<T>(exp(py[i * sy])) * s;
    } else {
      for (int64_t i = lane; i < len; i += kWarp) pgi[i * sgi] = py[i * sy] * (pg[i * sg] - s);
    }
  }
}

// Geometry over every dim but `dim` for N views of the same shape.
template <int N>
Geometry<N> outer_geometry(const View* const (&views)[N], int dim) {
  int64_t sizes[kMaxDims], st[N][kMaxDims];
  const int nd = outer_dims<N>(views, dim, sizes, st);
  const int64_t* strides[N];
  for (int k = 0; k < N; ++k) strides[k] = st[k];
  return make_geometry<N>(nd, sizes, strides);
}

unsigned row_grid(int64_t rows) {
  const int64_t blocks = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
  return static_cast<unsigned>(blocks < 65536 * 8 ? (blocks < 1 ? 1 : blocks) : 65536 * 8);
}

}  // namespace

void reduce(const Ctx& c, ReduceOp op, const View& out, const View& in, double scale) {
  if (out.numel() == 0) return;
  int64_t ks[kMaxDims], kso[kMaxDims], ksi[kMaxDims], rs[kMaxDims], rsi[kMaxDims];
  int nk = 0, nr = 0;
  for (int d = 0; d < in.ndim; ++d) {
    if (in.sizes[d] == 1) continue;
    if (out.sizes[d] == 1) {
      rs[nr] = in.sizes[d];
      rsi[nr++] = in.strides[d];
    } else {
      ks[nk] = in.sizes[d];
      kso[nk] = out.strides[d];
      ksi[nk++] = in.strides[d];
    }
  }
  const int64_t* kstr[2] = {kso, ksi};
  const int64_t* rstr[1] = {rsi};
  Geometry<2> kept = make_geometry<2>(nk, ks, kstr);
  if (nk == 0) kept = make_geometry<2>(0, ks, kstr);  // one output
  kept.numel = out.numel();
  const Geometry<1> red = make_geometry<1>(nr, rs, rstr);
  // Column mode: the innermost kept dim is closer in memory than any reduced one.
  const bool column = nk > 0 && nr > 0 && kept.strides[1][kept.ndim - 1] < red.strides[0][red.ndim - 1];
  const bool per_thread = red.numel <= 16 || (column && kept.numel >= 1024);
  dispatch(in.dtype, [&](auto tag) {
    using I = typename decltype(tag)::type;
    if (per_thread) {
      reduce_thread_kernel<I><<<grid_for(kept.numel), kBlock, 0, c.stream>>>(kept, red, op, out.data, out.dtype,
                                                                              in.ptr<I>(), scale);
    } else {
      const int64_t blocks = kept.numel < 65536 * 8 ? kept.numel : 65536 * 8;
      reduce_block_kernel<I><<<static_cast<unsigned>(blocks), kBlock, 0, c.stream>>>(kept, red, op, out.data,
                                                                                      out.dtype, in.ptr<I>(), scale);
    }
  });
  check_launch("reduce");
}

void arg_reduce(const Ctx& c, ReduceOp op, const View& values, const View& indices, const View& in, int dim) {
  if (values.numel() == 0) return;
  const int64_t len = in.ndim == 0 ? 1 : in.sizes[dim];
  const int64_t sd = in.ndim == 0 ? 0 : in.strides[dim];
  if (len == 0) return;
  const View* v[3] = {&values, &indices, &in};
  const Geometry<3> g = outer_geometry<3>(v, dim);
  dispatch(in.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    arg_reduce_kernel<T><<<grid_for(g.numel), kBlock, 0, c.stream>>>(g, op != ReduceOp::Min, values.ptr<T>(),
                                                                      indices.ptr<int64_t>(), in.ptr<T>(), len, sd);
  });
  check_launch("arg_reduce");
}

void softmax(const Ctx& c, const View& out, const View& in, int dim, bool log) {
  const int64_t len = in.sizes[dim];
  if (out.numel() == 0 || len == 0) return;
  const View* v[2] = {&out, &in};
  const Geometry<2> rows = outer_geometry<2>(v, dim);
  auto go = [&](auto tag) {
    using T = typename decltype(tag)::type;
    softmax_kernel<T><<<row_grid(rows.numel), kBlock, 0, c.stream>>>(rows, out.ptr<T>(), in.ptr<T>(), len,
                                                                     out.strides[dim], in.strides[dim], log);
  };
  if (in.dtype == DType::Float64) go(Tag<double>{});
  else go(Tag<float>{});
  check_launch("softmax");
}

void softmax_backward(const Ctx& c, const View& grad_in, const View& grad_out, const View& out, int dim, bool log) {
  const int64_t len = out.sizes[dim];
  if (out.numel() == 0 || len == 0) return;
  const View* v[3] = {&grad_in, &grad_out, &out};
  const Geometry<3> rows = outer_geometry<3>(v, dim);
  auto go = [&](auto tag) {
    using T = typename decltype(tag)::type;
    softmax_backward_kernel<T><<<row_grid(rows.numel), kBlock, 0, c.stream>>>(
        rows, grad_in.ptr<T>(), grad_out.ptr<T>(), out.ptr<T>(), len, grad_in.strides[dim], grad_out.strides[dim],
        out.strides[dim], log);
  };
  if (out.dtype == DType::Float64) go(Tag<double>{});
  else go(Tag<float>{});
  check_launch("softmax_backward");
}

}  // namespace wick::backend::cuda
