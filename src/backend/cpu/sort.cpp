// sort / argsort / topk along one dim. Each line is sorted on its own, lines
// in parallel. The comparator (backend/sort_order.h) is a total order on
// (value, position), so std::sort and std::partial_sort give the stable
// result without the cost of std::stable_sort's buffer, and topk (k < n)
// sorts only the prefix it returns.
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "backend/cpu/kernels.h"
#include "backend/cpu/loops.h"
#include "backend/lines.h"
#include "backend/sort_order.h"

namespace wick::backend::cpu {

void sort(const View& values, const View& indices, const View& in, int dim, bool descending) {
  if (values.numel() == 0) return;
  const int64_t n = in.sizes[dim], k = values.sizes[dim];
  const int64_t sx = in.strides[dim], sv = values.strides[dim], si = indices.strides[dim];
  const View* views[3] = {&values, &indices, &in};
  const Lines<3> lines(views, dim);
  const Layout<3> L = Layout<3>::from_views(lines.ptrs);
  const int64_t lv = L.inner_stride(0), li = L.inner_stride(1), lx = L.inner_stride(2);
  // n log n comparisons a line: thread only when the lines add up to real work.
  const double work = static_cast<double>(n) * std::max(1.0, std::log2(static_cast<double>(n)));
  const int64_t grain = std::max<int64_t>(1, static_cast<int64_t>(kGrainExpensive / work));
  dispatch(in.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    run(L, grain, [&](char* const* p, int64_t count) {
      std::vector<std::pair<T, int64_t>> buf(static_cast<size_t>(n));
      auto before = [descending](const std::pair<T, int64_t>& a, const std::pair<T, int64_t>& b) {
        return sorts_before(a.first, a.second, b.first, b.second, descending);
      };
      for (int64_t j = 0; j < count; ++j) {
        const T* x = reinterpret_cast<const T*>(p[2]) + j * lx;
        T* v = reinterpret_cast<T*>(p[0]) + j * lv;
        int64_t* ix = reinterpret_cast<int64_t*>(p[1]) + j * li;
        for (int64_t i = 0; i < n; ++i) buf[static_cast<size_t>(i)] = {x[i * sx], i};
        if (k == n) std::sort(buf.begin(), buf.end(), before);
        else std::partial_sort(buf.begin(), buf.begin() + k, buf.end(), before);
        for (int64_t i = 0; i < k; ++i) {
          v[i * sv] = buf[static_cast<size_t>(i)].first;
          ix[i * si] = buf[static_cast<size_t>(i)].second;
        }
      }
    });
  });
}

}  // namespace wick::backend::cpu
