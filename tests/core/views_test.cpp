// Views share storage with their base (as in PyTorch): reshape/view,
// transpose/permute/t, slice/narrow/select, unsqueeze/squeeze, expand, flatten,
// split/chunk. Writes through a view are visible in the base and vice versa.
// Expected values are worked out by hand from arange inputs.
#include <gtest/gtest.h>

#include <vector>

#include "core/expect_error.h"
#include "wick/wick.h"

namespace {

using wick::Shape;
using wick::Tensor;

// 0, 1, 2, ... as float32 in the given shape.
Tensor iota(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return wick::arange(0, static_cast<double>(n), 1, {.dtype = wick::kFloat32}).reshape(shape);
}

std::vector<float> fvec(const Tensor& t) { return t.to_vector<float>(); }

bool shares(const Tensor& a, const Tensor& b) { return a.impl()->storage == b.impl()->storage; }

TEST(ViewsShare, ViewAndReshape) {
  Tensor a = iota({2, 6});
  Tensor v = a.view({3, 4});
  EXPECT_TRUE(shares(a, v));
  EXPECT_EQ(v.sizes(), (Shape{3, 4}));
  EXPECT_EQ(a.view({-1}).sizes(), (Shape{12}));  // -1 infers a size
  EXPECT_EQ(a.reshape({4, -1}).sizes(), (Shape{4, 3}));
  v.select(0, 1).fill_(-1);  // elements 4..7 of the base
  EXPECT_EQ(fvec(a), (std::vector<float>{0, 1, 2, 3, -1, -1, -1, -1, 8, 9, 10, 11}));
  EXPECT_TRUE(shares(a, a.reshape({12})));  // contiguous: reshape is a view
  // A transposed tensor cannot be viewed flat; reshape copies instead.
  Tensor t = a.t();
  EXPECT_WICK_ERROR(t.view({12}), {"view"});
  Tensor r = t.reshape({12});
  EXPECT_FALSE(shares(a, r));
  EXPECT_EQ(fvec(r), (std::vector<float>{0, -1, 1, -1, 2, 8, 3, 9, -1, 10, -1, 11}));
  EXPECT_EQ(a.view_as(wick::zeros({6, 2})).sizes(), (Shape{6, 2}));
}

TEST(ViewsShare, TransposePermute) {
  Tensor a = iota({2, 3, 4});
  Tensor t = a.transpose(0, 2);
  EXPECT_TRUE(shares(a, t));
  EXPECT_EQ(t.sizes(), (Shape{4, 3, 2}));
  EXPECT_EQ(t.strides(), (Shape{1, 4, 12}));
  EXPECT_FALSE(t.is_contiguous());
  t.select(0, 3).select(0, 2).fill_(100);  // a[:, 2, 3]
  EXPECT_EQ(a.select(1, 2).select(1, 3).to_vector<float>(), (std::vector<float>{100, 100}));
  Tensor p = a.permute({1, 2, 0});
  EXPECT_EQ(p.sizes(), (Shape{3, 4, 2}));
  EXPECT_EQ(p.strides(), (Shape{4, 1, 12}));
  EXPECT_EQ(a.permute({-1, 0, 1}).sizes(), (Shape{4, 2, 3}));
  EXPECT_EQ(a.transpose(-1, -2).sizes(), (Shape{2, 4, 3}));
  Tensor m = iota({2, 3});
  EXPECT_EQ(fvec(m.t()), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(iota({5}).t().sizes(), (Shape{5}));  // 1-D unchanged
  EXPECT_EQ(m.t().t().strides(), m.strides());
}

TEST(ViewsShare, SliceNarrowSelect) {
  Tensor a = iota({4, 10});
  Tensor s = a.slice(1, 1, 8, 3);  // a[:, 1:8:3] -> columns 1, 4, 7
  EXPECT_TRUE(shares(a, s));
  EXPECT_EQ(s.sizes(), (Shape{4, 3}));
  EXPECT_EQ(s.strides(), (Shape{10, 3}));
  EXPECT_EQ(s.storage_offset(), 1);
  EXPECT_EQ(fvec(s.select(0, 0)), (std::vector<float>{1, 4, 7}));
  s.fill_(-5);
  EXPECT_EQ(fvec(a.select(0, 2)), (std::vector<float>{20, -5, 22, 23, -5, 25, 26, -5, 28, 29}));
  // Open ends and negative starts, as Python slicing.
  EXPECT_EQ(fvec(iota({10}).slice(0, -3, std::nullopt)), (std::vector<float>{7, 8, 9}));
  EXPECT_EQ(fvec(iota({10}).slice(0, std::nullopt, 4, 2)), (std::vector<float>{0, 2}));
  EXPECT_EQ(iota({10}).slice(0, 5, 100).numel(), 5);  // clamped, as Python
  EXPECT_EQ(iota({10}).slice(0, 8, 3).numel(), 0);
  Tensor n = a.narrow(0, 1, 2);
  EXPECT_EQ(n.sizes(), (Shape{2, 10}));
  EXPECT_EQ(n.storage_offset(), 10);
  Tensor row = a.select(0, -1);
  EXPECT_EQ(row.sizes(), (Shape{10}));
  EXPECT_EQ(row.storage_offset(), 30);
  EXPECT_EQ(a[3].storage_offset(), 30);
  Tensor col = a.select(1, 9);
  EXPECT_EQ(fvec(col), (std::vector<float>{9, 19, 29, 39}));
  col.fill_(0);
  EXPECT_EQ(a[1][9].item(), 0.0);
}

TEST(ViewsShare, UnsqueezeSqueezeFlatten) {
  Tensor a = iota({3, 1, 4});
  EXPECT_EQ(a.squeeze().sizes(), (Shape{3, 4}));
  EXPECT_EQ(a.squeeze(1).sizes(), (Shape{3, 4}));
  EXPECT_EQ(a.squeeze(0).sizes(), (Shape{3, 1, 4}));  // not size 1: unchanged
  EXPECT_EQ(a.unsqueeze(0).sizes(), (Shape{1, 3, 1, 4}));
  EXPECT_EQ(a.unsqueeze(-1).sizes(), (Shape{3, 1, 4, 1}));
  EXPECT_EQ(a.unsqueeze(3).sizes(), (Shape{3, 1, 4, 1}));
  EXPECT_TRUE(shares(a, a.unsqueeze(1)));
  EXPECT_EQ(iota({2, 3, 4}).flatten().sizes(), (Shape{24}));
  EXPECT_EQ(iota({2, 3, 4}).flatten(1).sizes(), (Shape{2, 12}));
  EXPECT_EQ(iota({2, 3, 4, 5}).flatten(1, 2).sizes(), (Shape{2, 12, 5}));
  Tensor t = iota({2, 3}).t();
  EXPECT_EQ(fvec(t.flatten()), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(wick::tensor(2.0).unsqueeze(0).sizes(), (Shape{1}));
}

// Assigning to a temporary writes through it (LibTorch's rule; `x[0] = y` in
// PyTorch); assigning to a named tensor rebinds the name.
TEST(ViewsShare, AssigningToATemporaryViewWritesItsElements) {
  Tensor a = iota({3, 3});
  a[0] = wick::tensor({7.0f, 8.0f, 9.0f});
  a.slice(0, 1, 3).select(1, 2) = 5.0;
  a[1] = wick::tensor(-1.0f);  // broadcast, as copy_
  EXPECT_EQ(fvec(a), (std::vector<float>{7, 8, 9, -1, -1, -1, 6, 7, 5}));
  EXPECT_WICK_ERROR(a[2] = wick::zeros({2}), {"copy_", "[3]", "[2]"});
  Tensor b = a;
  b = wick::zeros({1});  // rebinds b; a keeps its values
  EXPECT_EQ(b.sizes(), (Shape{1}));
  EXPECT_EQ(a.sizes(), (Shape{3, 3}));
  EXPECT_EQ(fvec(a)[0], 7.0f);
}

TEST(ViewsShare, Expand) {
  Tensor a = iota({3, 1});
  Tensor e = a.expand({3, 4});
  EXPECT_TRUE(shares(a, e));
  EXPECT_EQ(e.sizes(), (Shape{3, 4}));
  EXPECT_EQ(e.stride(1), 0);
  EXPECT_EQ(fvec(e), (std::vector<float>{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2}));
  EXPECT_EQ(a.expand({2, -1, 5}).sizes(), (Shape{2, 3, 5}));  // new leading dims, -1 keeps
  EXPECT_EQ(e.contiguous().stride(1), 1);
  EXPECT_EQ(fvec(e.sum(1)), (std::vector<float>{0, 4, 8}));
  EXPECT_EQ(iota({1, 4}).expand_as(wick::zeros({2, 4})).sizes(), (Shape{2, 4}));
  EXPECT_WICK_ERROR(a.expand({3, 4, 2}), {"expand", "[3, 1]"});
  EXPECT_WICK_ERROR(iota({2, 3}).expand({4, 3}), {"expand", "[2, 3]"});
}

TEST(ViewsShare, SplitAndChunkAreViews) {
  Tensor a = iota({5, 2});
  auto parts = a.split(2);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[2].sizes(), (Shape{1, 2}));
  for (const auto& p : parts) EXPECT_TRUE(shares(a, p));
  parts[1].fill_(-1);
  EXPECT_EQ(fvec(a), (std::vector<float>{0, 1, 2, 3, -1, -1, -1, -1, 8, 9}));
  auto chunks = a.chunk(2, 1);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(fvec(chunks[1]), (std::vector<float>{1, 3, -1, -1, 9}));
  EXPECT_EQ(wick::chunk(iota({4}), 3).size(), 2u);  // as torch.chunk: ceil(4/3) = 2 per chunk
}

TEST(ViewsShare, OpsOnViewsRespectStrides) {
  Tensor a = iota({3, 4});
  Tensor t = a.t();  // [4, 3]
  // (a.t() + 1)[i][j] = a[j][i] + 1
  EXPECT_EQ(fvec(t + 1.0), (std::vector<float>{1, 5, 9, 2, 6, 10, 3, 7, 11, 4, 8, 12}));
  EXPECT_EQ(fvec(wick::sum(t, {1})), (std::vector<float>{12, 15, 18, 21}));
  // Writing into a strided destination: only the viewed elements change.
  Tensor b = wick::zeros({3, 4});
  b.slice(1, 0, std::nullopt, 2).copy_(wick::ones({3, 2}));
  EXPECT_EQ(fvec(b), (std::vector<float>{1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0}));
  b.t().add_(wick::tensor({10.0, 20.0, 30.0}));  // row i of b gets 10*(i+1)
  EXPECT_EQ(fvec(b[2]), (std::vector<float>{31, 30, 31, 30}));
}

TEST(ViewsShare, ViewsKeepBaseAlive) {
  Tensor v;
  {
    Tensor base = iota({4, 4});
    v = base.slice(0, 2, 4).t();
  }
  EXPECT_EQ(fvec(v), (std::vector<float>{8, 12, 9, 13, 10, 14, 11, 15}));
}

}  // namespace
