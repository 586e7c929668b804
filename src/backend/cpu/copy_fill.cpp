// fill() and copy(): strided, with dtype conversion for copy. Same-dtype
// contiguous copies become (parallel) memcpy.
#include <cstring>

#include "backend/cpu/kernels.h"
#include "backend/cpu/loops.h"

namespace wick::backend::cpu {
namespace {

// Above this many bytes a memcpy is split across threads: one core cannot
// saturate memory bandwidth on its own.
constexpr int64_t kParallelCopyBytes = int64_t{1} << 20;

void parallel_memmove(char* dst, const char* src, int64_t nbytes) {
  parallel_for(nbytes, kParallelCopyBytes, [&](int64_t b, int64_t e) { std::memmove(dst + b, src + b, e - b); });
}

template <typename O, typename I>
void copy_typed(const Layout<2>& L) {
  const int64_t so = L.inner_stride(0), si = L.inner_stride(1);
  run(L, kGrainCheap, [&](char* const* p, int64_t n) {
    O* o = reinterpret_cast<O*>(p[0]);
    const I* x = reinterpret_cast<const I*>(p[1]);
    if (so == 1 && si == 1) {
      for (int64_t i = 0; i < n; ++i) o[i] = convert<O>(x[i]);
    } else if (si == 0) {
      const O v = convert<O>(*x);
      for (int64_t i = 0; i < n; ++i) o[i * so] = v;
    } else if (so == 1) {
      for (int64_t i = 0; i < n; ++i) o[i] = convert<O>(x[i * si]);
    } else {
      for (int64_t i = 0; i < n; ++i) o[i * so] = convert<O>(x[i * si]);
    }
  });
}

}  // namespace

void fill(const View& out, double value) {
  const View* views[1] = {&out};
  const Layout<1> L = Layout<1>::from_views(views);
  if (L.numel == 0) return;
  dispatch(out.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = convert<T>(value);
    const int64_t s = L.inner_stride(0);
    run(L, kGrainCheap, [&](char* const* p, int64_t n) {
      T* o = reinterpret_cast<T*>(p[0]);
      if (s == 1) {
        for (int64_t i = 0; i < n; ++i) o[i] = v;
      } else {
        for (int64_t i = 0; i < n; ++i) o[i * s] = v;
      }
    });
  });
}

void copy(const View& out, const View& in) {
  const View* views[2] = {&out, &in};
  const Layout<2> L = Layout<2>::from_views(views);
  if (L.numel == 0) return;
  if (out.dtype == in.dtype && L.ndim == 1 && L.strides[0][0] == 1 && L.strides[1][0] == 1) {
    if (out.data != in.data)
      parallel_memmove(static_cast<char*>(out.data), static_cast<const char*>(in.data),
                      L.numel * static_cast<int64_t>(element_size(out.dtype)));
    return;
  }
  dispatch(out.dtype, [&](auto otag) {
    dispatch(in.dtype, [&](auto itag) {
      copy_typed<typename decltype(otag)::type, typename decltype(itag)::type>(L);
    });
  });
}

}  // namespace wick::backend::cpu
