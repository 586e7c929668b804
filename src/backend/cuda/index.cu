// index_select, gather, scatter(_add), index_add on CUDA: one pattern, as on
// the CPU (backend/cpu/index.cpp): iterate an index space with three operands
// (the dense side, the indexed side with its stride along `dim` zeroed, the
// index) and add index * stride(dim) to the indexed side. Indices are checked
// here, on the device: a bad one is skipped (reads give 0) and recorded in
// the error slot, which the backend reports at the next synchronization.
#include "backend/cuda/device_math.cuh"
#include "backend/cuda/geometry.cuh"

namespace wick::backend::cuda {
namespace {

__device__ __forceinline__ bool index_ok(KernelErrorSlot* errors, unsigned long long op, int64_t ix, int64_t size) {
  if (ix >= 0 && ix < size) return true;
  if (atomicCAS(&errors->op, 0ull, op) == 0ull) {
    errors->index = ix;
    errors->size = size;
  }
  return false;
}

// Moves bytes: the dtype does not matter, only its size (W).
template <typename W>
__global__ void gather_kernel(Geometry<3> g, W* out, const W* in, const int64_t* index, int64_t sd, int64_t size,
                              KernelErrorSlot* errors, unsigned long long op) {
  GRID_STRIDE(i, g.numel) {
    int64_t off[3];
    g.offsets(i, off);
    const int64_t ix = index[off[2]];
    out[off[0]] = index_ok(errors, op, ix, size) ? in[off[1] + ix * sd] : W(0);
  }
}

template <typename T>
__device__ __forceinline__ void atomic_accumulate(T* dst, T v) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    atomicAdd(dst, v);
  } else if constexpr (std::is_same_v<T, int64_t>) {
    // Two's complement: unsigned addition is signed addition.
    atomicAdd(reinterpret_cast<unsigned long long*>(dst), static_cast<unsigned long long>(v));
  } else {
    // uint8 / bool: compare-and-swap the aligned 32-bit word holding the byte.
    const uintptr_t addr = reinterpret_cast<uintptr_t>(dst);
    unsigned int* word = reinterpret_cast<unsigned int*>(addr & ~uintptr_t{3});
    const unsigned shift = static_cast<unsigned>(addr & 3) * 8;
    unsigned int old = *word, assumed;
    do {
      assumed = old;
      const uint8_t cur = static_cast<uint8_t>((assumed >> shift) & 0xffu);
      uint8_t next;
      if constexpr (std::is_same_v<T, bool>) next = (cur != 0 || v) ? 1 : 0;
      else next = static_cast<uint8_t>(cur + static_cast<uint8_t>(v));
      const unsigned int updated = (assumed & ~(0xffu << shift)) | (static_cast<unsigned int>(next) << shift);
      old = atomicCAS(word, assumed, updated);
    } while (old != assumed);
  }
}

// self[pos with pos[dim] = index[pos]] (+)= src[pos]. Plain scatter with
// repeated indices leaves one of the written values (which one is unspecified,
// as in PyTorch on CUDA); scatter_add is atomic.
template <typename T>
__global__ void scatter_kernel(Geometry<3> g, const T* src, T* self, const int64_t* index, int64_t sd, int64_t size,
                               bool accumulate, KernelErrorSlot* errors, unsigned long long op) {
  GRID_STRIDE(i, g.numel) {
    int64_t off[3];
    g.offsets(i, off);
    const int64_t ix = index[off[2]];
    if (!index_ok(errors, op, ix, size)) continue;
    T* dst = self + off[1] + ix * sd;
    if (accumulate) atomic_accumulate<T>(dst, src[off[0]]);
    else *dst = src[off[0]];
  }
}

struct IndexedGeometry {
  Geometry<3> g;
  int64_t dim_stride, dim_size;
};

IndexedGeometry make_indexed(const View& dense, const View& indexed, int dim, const int64_t* index_strides) {
  int64_t indexed_strides[kMaxDims];
  for (int d = 0; d < dense.ndim; ++d) indexed_strides[d] = d == dim ? 0 : indexed.strides[d];
  const int64_t* strides[3] = {dense.strides, indexed_strides, index_strides};
  return {make_geometry<3>(dense.ndim, dense.sizes, strides), indexed.ndim == 0 ? 0 : indexed.strides[dim],
          indexed.ndim == 0 ? 1 : indexed.sizes[dim]};
}

void broadcast_index(const View& index, int ndim, int dim, int64_t* strides) {
  for (int d = 0; d < ndim; ++d) strides[d] = 0;
  if (ndim > 0) strides[dim] = index.ndim == 0 ? 0 : index.strides[0];
}

void launch_gather(const Ctx& c, const IndexedGeometry& G, const View& out, const View& in, const View& index,
                   KernelErrorOp op) {
  if (G.g.numel == 0) return;
  const unsigned grid = grid_for(G.g.numel);
  auto go = [&](auto tag) {
    using W = typename decltype(tag)::type;
    gather_kernel<W><<<grid, kBlock, 0, c.stream>>>(G.g, out.ptr<W>(), in.ptr<W>(), index.ptr<int64_t>(),
                                                     G.dim_stride, G.dim_size, c.errors, op);
  };
  switch (element_size(out.dtype)) {
    case 1: go(Tag<uint8_t>{}); break;
    case 4: go(Tag<uint32_t>{}); break;
    default: go(Tag<uint64_t>{}); break;
  }
  check_launch(op == kErrGather ? "gather" : "index_select");
}

void launch_scatter(const Ctx& c, const IndexedGeometry& S, const View& self, const View& index, const View& src,
                    bool accumulate, KernelErrorOp op) {
  if (S.g.numel == 0) return;
  dispatch(self.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    scatter_kernel<T><<<grid_for(S.g.numel), kBlock, 0, c.stream>>>(S.g, src.ptr<T>(), self.ptr<T>(),
                                                                     index.ptr<int64_t>(), S.dim_stride, S.dim_size,
                                                                     accumulate, c.errors, op);
  });
  check_launch(op == kErrScatter ? "scatter" : "index_add");
}

}  // namespace

void index_select(const Ctx& c, const View& out, const View& in, int dim, const View& index) {
  int64_t xs[kMaxDims];
  broadcast_index(index, out.ndim, dim, xs);
  launch_gather(c, make_indexed(out, in, dim, xs), out, in, index, kErrIndexSelect);
}

void gather(const Ctx& c, const View& out, const View& in, int dim, const View& index) {
  launch_gather(c, make_indexed(out, in, dim, index.strides), out, in, index, kErrGather);
}

void scatter(const Ctx& c, const View& self, int dim, const View& index, const View& src, bool accumulate) {
  launch_scatter(c, make_indexed(src, self, dim, index.strides), self, index, src, accumulate, kErrScatter);
}

void index_add(const Ctx& c, const View& self, int dim, const View& index, const View& src) {
  int64_t xs[kMaxDims];
  broadcast_index(index, src.ndim, dim, xs);
  launch_scatter(c, make_indexed(src, self, dim, xs), self, index, src, true, kErrIndexAdd);
}

}  // namespace wick::backend::cuda
