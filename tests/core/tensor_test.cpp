// Tensor handle semantics (as torch::Tensor): copying a Tensor copies the
// handle, clone() copies the data, to() returns a new tensor and leaves the
// original alone, and host access (item, to_vector, data_ptr) behaves.
// Expected values are worked out by hand from the inputs, never printed by wick.
#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <vector>

#include "core/expect_error.h"
#include "wick/wick.h"

namespace {

using wick::Shape;
using wick::Tensor;

std::vector<float> fvec(const Tensor& t) { return t.to_vector<float>(); }

TEST(TensorHandle, CopySharesStorage) {
  Tensor a = wick::zeros({2, 3});
  Tensor b = a;  // a handle copy, as in PyTorch: no data is copied
  EXPECT_TRUE(b.is_same(a));
  EXPECT_EQ(b.raw_data(), a.raw_data());
  b.fill_(2.5);
  EXPECT_EQ(fvec(a), std::vector<float>(6, 2.5f));
  Tensor c;
  EXPECT_FALSE(c.defined());
  c = a;
  c.add_(wick::ones({3}));
  EXPECT_EQ(fvec(a), std::vector<float>(6, 3.5f));
}

TEST(TensorHandle, CloneIsIndependent) {
  Tensor a = wick::arange(6, {.dtype = wick::kFloat32}).reshape({2, 3});
  Tensor c = a.clone();
  EXPECT_FALSE(c.is_same(a));
  EXPECT_NE(c.raw_data(), a.raw_data());
  EXPECT_EQ(c.sizes(), a.sizes());
  EXPECT_EQ(c.dtype(), a.dtype());
  c.fill_(-1);
  EXPECT_EQ(fvec(a), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(fvec(c), std::vector<float>(6, -1.f));
  // Cloning a view copies only the view's values, in row-major order.
  Tensor ct = a.t().clone();
  EXPECT_TRUE(ct.is_contiguous());
  EXPECT_EQ(fvec(ct), (std::vector<float>{0, 3, 1, 4, 2, 5}));
}

TEST(TensorHandle, ToReturnsNewTensorAndLeavesOriginal) {
  Tensor a = wick::ones({2, 2});
  Tensor d = a.to(wick::kFloat64);
  EXPECT_EQ(a.dtype(), wick::kFloat32);  // the seed's pitfall: to() does not convert in place
  EXPECT_EQ(d.dtype(), wick::kFloat64);
  d.fill_(7);
  EXPECT_EQ(fvec(a), std::vector<float>(4, 1.f));
  // Same device and dtype: returns the tensor itself, as PyTorch.
  Tensor same = a.to(wick::Device::cpu());
  EXPECT_EQ(same.raw_data(), a.raw_data());
  EXPECT_TRUE(a.to("cpu").is_cpu());
  EXPECT_TRUE(a.cpu().is_cpu());
  Tensor i = wick::tensor({1.7, -2.7, 3.2}).to(wick::kInt64);  // truncates toward zero, as PyTorch
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{1, -2, 3}));
  Tensor both = a.to(wick::Device::cpu(), wick::kInt64);
  EXPECT_EQ(both.dtype(), wick::kInt64);
  EXPECT_EQ(a.dtype(), wick::kFloat32);
}

TEST(TensorHandle, ToCudaLeavesOriginalOnCpu) {
  if (!wick::cuda::is_available()) GTEST_SKIP() << "no CUDA device in this build or machine";
  Tensor a = wick::arange(4, {.dtype = wick::kFloat32});
  Tensor g = a.to("cuda");
  EXPECT_TRUE(a.is_cpu());
  EXPECT_TRUE(g.is_cuda());
  g.fill_(9);
  EXPECT_EQ(fvec(a), (std::vector<float>{0, 1, 2, 3}));
  EXPECT_EQ(fvec(g), std::vector<float>(4, 9.f));
}

TEST(TensorHandle, ContiguousOnTransposed) {
  Tensor a = wick::arange(6, {.dtype = wick::kFloat32}).reshape({2, 3});
  EXPECT_TRUE(a.is_contiguous());
  EXPECT_EQ(a.contiguous().raw_data(), a.raw_data());  // already contiguous: no copy
  Tensor t = a.transpose(0, 1);
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(t.sizes(), (Shape{3, 2}));
  EXPECT_EQ(t.strides(), (Shape{1, 3}));
  Tensor c = t.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_EQ(c.strides(), (Shape{2, 1}));
  EXPECT_EQ(fvec(c), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  c.fill_(0);  // a copy: the original keeps its values
  EXPECT_EQ(fvec(a), (std::vector<float>{0, 1, 2, 3, 4, 5}));
}

TEST(TensorHandle, MetadataAndDescribe) {
  Tensor a = wick::zeros({2, 3, 4}, {.dtype = wick::kFloat64});
  EXPECT_EQ(a.sizes(), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(a.shape(), a.sizes());
  EXPECT_EQ(a.dim(), 3);
  EXPECT_EQ(a.ndim(), 3);
  EXPECT_EQ(a.numel(), 24);
  EXPECT_EQ(a.size(-1), 4);
  EXPECT_EQ(a.stride(0), 12);
  EXPECT_EQ(a.storage_offset(), 0);
  EXPECT_TRUE(a.is_cpu());
  EXPECT_FALSE(a.is_cuda());
  std::string d = a.describe();
  EXPECT_NE(d.find("[2, 3, 4]"), std::string::npos) << d;
  EXPECT_NE(d.find("float64"), std::string::npos) << d;
  EXPECT_NE(d.find("cpu"), std::string::npos) << d;
  EXPECT_EQ(wick::shape_str({2, 3}), "[2, 3]");
}

TEST(TensorHost, ItemAndToVector) {
  EXPECT_DOUBLE_EQ(wick::tensor(3.5).item(), 3.5);
  EXPECT_EQ(wick::tensor(3.5).dim(), 0);
  EXPECT_FLOAT_EQ(wick::tensor({2.25}).item<float>(), 2.25f);
  EXPECT_EQ(wick::tensor({7}).item<int64_t>(), 7);
  EXPECT_DOUBLE_EQ(wick::ones({1, 1, 1}).item(), 1.0);
  Tensor a = wick::from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(a.dtype(), wick::kFloat64);
  EXPECT_EQ(a.to_vector<double>(), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  // to_vector walks views in row-major order.
  EXPECT_EQ(a.t().to_vector<double>(), (std::vector<double>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(a.select(1, 2).to_vector<double>(), (std::vector<double>{3, 6}));
  EXPECT_DOUBLE_EQ(a[1][2].item(), 6.0);
  EXPECT_WICK_ERROR(a.item(), {"item", "[2, 3]"});
  EXPECT_WICK_ERROR(wick::zeros({0}).item(), {"item", "[0]"});
}

TEST(TensorHost, DataPtr) {
  Tensor a = wick::from_vector(std::vector<float>{1, 2, 3, 4}, {2, 2});
  float* p = a.data_ptr<float>();
  p[3] = 40;
  EXPECT_EQ(fvec(a), (std::vector<float>{1, 2, 3, 40}));
  EXPECT_WICK_ERROR(a.data_ptr<double>(), {"float32"});
  Tensor row = a[1];
  EXPECT_EQ(row.data_ptr<float>(), p + 2);  // a view's pointer starts at its offset
}

TEST(TensorHost, FromValues) {
  Tensor f = wick::tensor({1.0, 2.0});
  EXPECT_EQ(f.dtype(), wick::kFloat32);  // as torch.tensor([1.0, 2.0])
  EXPECT_EQ(f.sizes(), (Shape{2}));
  Tensor i = wick::tensor({1, 2, 3});
  EXPECT_EQ(i.dtype(), wick::kInt64);
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 3}));
  Tensor b = wick::tensor({true, false});
  EXPECT_EQ(b.dtype(), wick::kBool);
  Tensor m = wick::tensor({{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(m.sizes(), (Shape{2, 3}));
  EXPECT_EQ(fvec(m), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  Tensor d = wick::tensor({1.5, 2.5}, {.dtype = wick::kFloat64});
  EXPECT_EQ(d.dtype(), wick::kFloat64);
  Tensor v = wick::from_vector(std::vector<int64_t>{1, 2, 3, 4, 5, 6}, {3, 2});
  EXPECT_EQ(v.dtype(), wick::kInt64);
  EXPECT_EQ(v.sizes(), (Shape{3, 2}));
  EXPECT_EQ(wick::from_vector(std::vector<float>{1, 2, 3}).sizes(), (Shape{3}));
  Tensor conv = wick::from_vector(std::vector<float>{1.5f, 2.5f}, {2}, {.dtype = wick::kFloat64});
  EXPECT_EQ(conv.to_vector<double>(), (std::vector<double>{1.5, 2.5}));
  const int64_t raw[3] = {4, 5, 6};
  EXPECT_EQ(wick::from_blob_copy(raw, wick::kInt64, {3}).to_vector<int64_t>(), (std::vector<int64_t>{4, 5, 6}));
  EXPECT_WICK_ERROR(wick::from_vector(std::vector<float>{1, 2, 3}, {2, 2}), {"[2, 2]"});
}

TEST(TensorHandle, InPlaceOpsAndVersion) {
  Tensor a = wick::zeros({2, 2});
  uint32_t v0 = a.version();
  a.add_(wick::ones({2}), 2.0);
  EXPECT_EQ(fvec(a), std::vector<float>(4, 2.f));
  a.mul_(3.0);
  EXPECT_EQ(fvec(a), std::vector<float>(4, 6.f));
  a.sub_(1.0);
  a.div_(5.0);
  EXPECT_EQ(fvec(a), std::vector<float>(4, 1.f));
  a.copy_(wick::tensor({1.0, 2.0}));  // broadcasts the source
  EXPECT_EQ(fvec(a), (std::vector<float>{1, 2, 1, 2}));
  a.copy_(wick::tensor({3, 4}));  // converts int64 to float32
  EXPECT_EQ(fvec(a), (std::vector<float>{3, 4, 3, 4}));
  a.masked_fill_(wick::tensor({true, false}), -1);
  EXPECT_EQ(fvec(a), (std::vector<float>{-1, 4, -1, 4}));
  a.clamp_(0, 3);
  EXPECT_EQ(fvec(a), (std::vector<float>{0, 3, 0, 3}));
  a += 1.0;
  a *= wick::full({2, 2}, 2.0);
  EXPECT_EQ(fvec(a), (std::vector<float>{2, 8, 2, 8}));
  a.zero_();
  EXPECT_EQ(fvec(a), std::vector<float>(4, 0.f));
  EXPECT_GT(a.version(), v0);
  // A view shares the counter: writing through it bumps the base's version.
  uint32_t v1 = a.version();
  a[0].fill_(1);
  EXPECT_GT(a.version(), v1);
  EXPECT_EQ(fvec(a), (std::vector<float>{1, 1, 0, 0}));
}

TEST(TensorHandle, InPlaceCannotChangeDtypeOrShape) {
  Tensor i = wick::zeros({3}, {.dtype = wick::kInt64});
  // PyTorch: "result type Float can't be cast to the desired output type Long".
  EXPECT_WICK_ERROR(i.add_(wick::ones({3})), {"add_"});
  Tensor small = wick::zeros({3});
  EXPECT_WICK_ERROR(small.add_(wick::ones({2, 3})), {"[3]", "[2, 3]"});
}

TEST(TensorHandle, DetachSharesStorage) {
  Tensor a = wick::ones({3}, {.requires_grad = true});
  Tensor d = a.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(a.requires_grad());
  EXPECT_EQ(d.raw_data(), a.raw_data());
}

TEST(TensorHandle, PrintsSomething) {
  std::ostringstream os;
  os << wick::tensor({1.5, 2.5});
  EXPECT_NE(os.str().find("1.5"), std::string::npos) << os.str();
  // Shape is a std::vector, so ADL does not find wick's operator<<: bring it in.
  using wick::operator<<;
  std::ostringstream os2;
  os2 << wick::Shape{2, 3};
  EXPECT_EQ(os2.str(), "[2, 3]");
}

}  // namespace
