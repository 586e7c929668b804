// cumsum / cumprod along one dim (and the reversed cumsum of cumsum's
// gradient): a sequential scan per line, lines in parallel. Floating values
// accumulate in double and integers in (wrapping) 64 bits, as PyTorch 1.13's CPU kernel
// does (acc_type), so long float32 scans round once per element, not once
// per partial sum.
#include <cstdint>
#include <type_traits>

#include "backend/cpu/kernels.h"
#include "backend/cpu/loops.h"
#include "backend/lines.h"

namespace wick::backend::cpu {

void cumulative(ReduceOp op, const View& out, const View& in, int dim, bool reverse) {
  if (out.numel() == 0) return;
  const int64_t n = in.sizes[dim], so = out.strides[dim], si = in.strides[dim];
  const View* views[2] = {&out, &in};
  const Lines<2> lines(views, dim);
  const Layout<2> L = Layout<2>::from_views(lines.ptrs);
  const int64_t lo = L.inner_stride(0), li = L.inner_stride(1);
  const bool prod = op == ReduceOp::Prod;
  dispatch(in.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    // Integers scan in uint64: overflow wraps as in PyTorch, without the
    // undefined behaviour of signed overflow.
    using Acc = std::conditional_t<kIsFloat<T>, double, uint64_t>;
    run(L, std::max<int64_t>(1, kGrainCheap / n), [&](char* const* p, int64_t count) {
      for (int64_t j = 0; j < count; ++j) {
        T* o = reinterpret_cast<T*>(p[0]) + j * lo;
        const T* x = reinterpret_cast<const T*>(p[1]) + j * li;
        Acc acc = prod ? Acc(1) : Acc(0);
        for (int64_t t = 0; t < n; ++t) {
          const int64_t i = reverse ? n - 1 - t : t;
          const Acc v = static_cast<Acc>(x[i * si]);
          acc = prod ? acc * v : acc + v;
          o[i * so] = convert<T>(acc);
        }
      }
    });
  });
}

}  // namespace wick::backend::cpu
