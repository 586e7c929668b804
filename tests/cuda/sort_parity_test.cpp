// CUDA parity of Backend::sort and Backend::cumulative (the kernels of
// src/backend/cuda/sort.cu) with the CPU ones: random inputs with ties and
// NaN, every dim, non-contiguous inputs, k < n, empty and single-element
// lines, outputs poisoned differently on the two devices. Indices must agree
// exactly: both backends use the same total order (backend/sort_order.h).
#include "cuda/parity.h"

namespace wick::cuda_parity {
namespace {

using backend::ReduceOp;
using core::kernel_view;

const Shape kLineShapes[] = {{7}, {3, 5}, {2, 3, 4}, {4, 300}, {1, 1}, {0, 3}, {3, 0}};

// Few distinct values (ties) and, for floats, NaN and infinities.
Pair tie_heavy_pair(const Shape& shape, DType dt, Device gpu) {
  Tensor x = random_tensor(shape, dt, -3, 3);
  if (is_floating(dt) && x.numel() > 3) {
    x = x.to(kInt64).to(dt);  // whole numbers: many ties
    Tensor flat = x.reshape({x.numel()});
    flat.slice(0, 0, 1).fill_(std::nan(""));
    flat.slice(0, 1, 2).fill_(INFINITY);
    flat.slice(0, 2, 3).fill_(-INFINITY);
  }
  return pair_of(x, gpu);
}

TEST_F(CudaParity, SortAndTopkEveryDtypeDimAndK) {
  for (DType dt : kAllDtypes) {
    for (const Shape& s : kLineShapes) {
      for (int64_t d = 0; d < static_cast<int64_t>(s.size()); ++d) {
        Pair in = tie_heavy_pair(s, dt, gpu());
        if (s.size() >= 2) in = in.map([](const Tensor& t) { return t.transpose(0, 1); });  // strided lines
        const int64_t n = in.c.size(d);
        for (int64_t k : {n, n / 2}) {
          for (bool descending : {false, true}) {
            Shape os = in.c.sizes();
            os[d] = k;
            auto [cv, gv] = poisoned(os, dt, gpu());
            auto [ci, gi] = poisoned(os, kInt64, gpu());
            backend::get(DeviceType::CPU).sort(kernel_view(cv), kernel_view(ci), kernel_view(in.c),
                                               static_cast<int>(d), descending);
            backend::get(DeviceType::CUDA).sort(kernel_view(gv), kernel_view(gi), kernel_view(in.g),
                                                static_cast<int>(d), descending);
            EXPECT_TRUE(close(cv, gv)) << dtype_name(dt) << " " << in.c.describe() << " dim " << d << " k " << k;
            EXPECT_TRUE(close(ci, gi)) << dtype_name(dt) << " " << in.c.describe() << " dim " << d << " k " << k;
          }
        }
      }
    }
  }
}

TEST_F(CudaParity, CumulativeSumProdForwardAndReverse) {
  for (DType dt : {kFloat32, kFloat64, kInt64}) {
    for (const Shape& s : kLineShapes) {
      for (int64_t d = 0; d < static_cast<int64_t>(s.size()); ++d) {
        Pair in = random_pair(s, dt, gpu(), -1.5, 1.5);
        if (s.size() >= 2) in = in.map([](const Tensor& t) { return t.transpose(0, 1); });
        for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Prod}) {
          for (bool reverse : {false, true}) {
            auto [c, g] = poisoned(in.c.sizes(), dt, gpu());
            backend::get(DeviceType::CPU).cumulative(op, kernel_view(c), kernel_view(in.c), static_cast<int>(d),
                                                     reverse);
            backend::get(DeviceType::CUDA).cumulative(op, kernel_view(g), kernel_view(in.g), static_cast<int>(d),
                                                      reverse);
            EXPECT_TRUE(close(c, g)) << dtype_name(dt) << " " << in.c.describe() << " dim " << d << " op "
                                     << int(op) << " reverse " << reverse;
          }
        }
      }
    }
  }
}

// The public ops end to end on the GPU, with gradients.
TEST_F(CudaParity, PublicOpsAndGradients) {
  Tensor x = randn({5, 9}, {.dtype = kFloat64});
  Tensor w = randn({5, 3}, {.dtype = kFloat64});
  Tensor xc = x.clone().requires_grad_(true), xg = x.to(gpu()).requires_grad_(true);
  (topk(xc, 3).values * w).sum().backward();
  (topk(xg, 3).values * w.to(gpu())).sum().backward();
  EXPECT_TRUE(close(xc.grad(), xg.grad()));
  Tensor yc = x.clone().requires_grad_(true), yg = x.to(gpu()).requires_grad_(true);
  cumprod(yc, 1).sum().backward();
  cumprod(yg, 1).sum().backward();
  EXPECT_TRUE(close(yc.grad(), yg.grad(), 1e-10));
  EXPECT_TRUE(close(norm(x, 2, {1}), norm(x.to(gpu()), 2, {1})));
  EXPECT_TRUE(close(any(x.gt(1.0), 0).to(kInt64), any(x.to(gpu()).gt(1.0), 0).to(kInt64)));
}

}  // namespace
}  // namespace wick::cuda_parity
