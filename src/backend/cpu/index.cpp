// index_select, gather, scatter, index_add. All four are one pattern: iterate
// an index space (out's shape for the reads, src's shape for the writes) with
// three operands -- the dense side, the indexed side with its stride along
// `dim` zeroed, and the index -- and add index * stride(dim) to the indexed
// side's pointer. index_select / index_add are gather / scatter-add with the
// 1-D index broadcast (stride 0) over every other dim. Core validated ranges.
#include "backend/cpu/kernels.h"
#include "backend/cpu/loops.h"

namespace wick::backend::cpu {
namespace {

struct IndexedLoop {
  Layout<3> L;      // operand 0: dense side, 1: indexed side, 2: index
  int64_t dim_stride;  // the indexed side's stride along dim
};

// `space` gives the iteration shape; the indexed view's dim stride is zeroed;
// `index_strides` are the index's strides over that shape.
IndexedLoop make_loop(const View& dense, const View& indexed, int dim, const View& index,
                      const int64_t* index_strides) {
  int64_t indexed_strides[kMaxDims];
  for (int d = 0; d < dense.ndim; ++d) indexed_strides[d] = d == dim ? 0 : indexed.strides[d];
  char* data[3] = {static_cast<char*>(dense.data), static_cast<char*>(indexed.data), static_cast<char*>(index.data)};
  const int es = static_cast<int>(element_size(dense.dtype));
  const int esize[3] = {es, es, 8};
  const int64_t* strides[3] = {dense.strides, indexed_strides, index_strides};
  return {Layout<3>::make(dense.ndim, dense.sizes, data, esize, strides), indexed.ndim == 0 ? 0 : indexed.strides[dim]};
}

// out[pos] = in[pos with pos[dim] = index[pos]].
void gather_impl(const IndexedLoop& G) {
  const Layout<3>& L = G.L;
  if (L.numel == 0) return;
  const int64_t so = L.inner_stride(0), si = L.inner_stride(1), sx = L.inner_stride(2), sd = G.dim_stride;
  const int es = L.esize[0];
  auto typed = [&](auto tag) {
    using T = typename decltype(tag)::type;
    run(L, kGrainCheap, [&](char* const* p, int64_t n) {
      T* o = reinterpret_cast<T*>(p[0]);
      const T* in = reinterpret_cast<const T*>(p[1]);
      const int64_t* ix = reinterpret_cast<const int64_t*>(p[2]);
      if (sx == 0) {  // one index for the whole row (index_select): a plain copy
        const T* src = in + ix[0] * sd;
        if (so == 1 && si == 1) {
          for (int64_t i = 0; i < n; ++i) o[i] = src[i];
        } else {
          for (int64_t i = 0; i < n; ++i) o[i * so] = src[i * si];
        }
      } else {
        for (int64_t i = 0; i < n; ++i) o[i * so] = in[i * si + ix[i * sx] * sd];
      }
    });
  };
  // By element size: a gather moves bytes, the dtype does not matter.
  switch (es) {
    case 1: typed(Tag<uint8_t>{}); break;
    case 4: typed(Tag<float>{}); break;
    default: typed(Tag<int64_t>{}); break;
  }
}

// self[pos with pos[dim] = index[pos]] (+)= src[pos]. Serial: two positions
// may hit the same element, and "last write wins" needs a defined order.
void scatter_impl(const IndexedLoop& S, DType dtype, bool accumulate) {
  const Layout<3>& L = S.L;
  if (L.numel == 0) return;
  const int64_t ss = L.inner_stride(0), st = L.inner_stride(1), sx = L.inner_stride(2), sd = S.dim_stride;
  dispatch(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_row(L, L.data, 0, L.numel, [&](char* const* p, int64_t n) {
      const T* src = reinterpret_cast<const T*>(p[0]);
      T* self = reinterpret_cast<T*>(p[1]);
      const int64_t* ix = reinterpret_cast<const int64_t*>(p[2]);
      if (accumulate) {
        if (sx == 0) {
          T* dst = self + ix[0] * sd;
          for (int64_t i = 0; i < n; ++i) dst[i * st] = convert<T>(dst[i * st] + src[i * ss]);
        } else {
          for (int64_t i = 0; i < n; ++i) {
            T& d = self[i * st + ix[i * sx] * sd];
            d = convert<T>(d + src[i * ss]);
          }
        }
      } else {
        for (int64_t i = 0; i < n; ++i) self[i * st + ix[i * sx] * sd] = src[i * ss];
      }
    });
  });
}

// Strides that broadcast a 1-D index along `dim` over an ndim-D shape.
void broadcast_index(const View& index, int ndim, int dim, int64_t* strides) {
  for (int d = 0; d < ndim; ++d) strides[d] = 0;
  if (ndim > 0) strides[dim] = index.ndim == 0 ? 0 : index.strides[0];
}

}  // namespace

void index_select(const View& out, const View& in, int dim, const View& index) {
  int64_t xs[kMaxDims];
  broadcast_index(index, out.ndim, dim, xs);
  gather_impl(make_loop(out, in, dim, index, xs));
}

void gather(const View& out, const View& in, int dim, const View& index) {
  gather_impl(make_loop(out, in, dim, index, index.strides));
}

void scatter(const View& self, int dim, const View& index, const View& src, bool accumulate) {
  scatter_impl(make_loop(src, self, dim, index, index.strides), self.dtype, accumulate);
}

void index_add(const View& self, int dim, const View& index, const View& src) {
  int64_t xs[kMaxDims];
  broadcast_index(index, src.ndim, dim, xs);
  scatter_impl(make_loop(src, self, dim, index, xs), self.dtype, true);
}

}  // namespace wick::backend::cpu
