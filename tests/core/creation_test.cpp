// Creation functions: shapes, default dtypes (PyTorch's), designated-initializer
// options, and the global seedable generator. Exact values of arange/linspace/
// eye are also checked against PyTorch in reference_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "core/expect_error.h"
#include "wick/wick.h"

namespace {

using wick::Shape;
using wick::Tensor;

TEST(TensorCreation, FilledTensors) {
  Tensor z = wick::zeros({2, 3});
  EXPECT_EQ(z.sizes(), (Shape{2, 3}));
  EXPECT_EQ(z.dtype(), wick::kFloat32);  // torch's default dtype
  EXPECT_EQ(z.to_vector<float>(), std::vector<float>(6, 0.f));
  EXPECT_FALSE(z.requires_grad());
  EXPECT_EQ(wick::ones({4}).to_vector<float>(), std::vector<float>(4, 1.f));
  Tensor f = wick::full({2, 2}, 1.5, {.dtype = wick::kFloat64});
  EXPECT_EQ(f.dtype(), wick::kFloat64);
  EXPECT_EQ(f.to_vector<double>(), std::vector<double>(4, 1.5));
  EXPECT_EQ(wick::empty({3, 0, 2}).numel(), 0);
  EXPECT_EQ(wick::empty({5}).sizes(), (Shape{5}));
  Tensor s = wick::zeros({});  // 0-d
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.numel(), 1);
  Tensor i = wick::ones({3}, {.dtype = wick::kInt64});
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{1, 1, 1}));
  Tensor b = wick::zeros({2}, {.dtype = wick::kBool});
  EXPECT_EQ(b.dtype(), wick::kBool);
  Tensor u = wick::full({2}, 200, {.dtype = wick::kUInt8});
  EXPECT_EQ(u.to_vector<uint8_t>(), (std::vector<uint8_t>{200, 200}));
}

TEST(TensorCreation, DesignatedInitializerOptions) {
  Tensor r = wick::randn({3, 3}, {.dtype = wick::kFloat64, .device = wick::Device::cpu(), .requires_grad = true});
  EXPECT_EQ(r.dtype(), wick::kFloat64);
  EXPECT_TRUE(r.requires_grad());
  EXPECT_TRUE(r.is_leaf());
  Tensor g = wick::zeros({2}, {.requires_grad = true});
  EXPECT_EQ(g.dtype(), wick::kFloat32);
  EXPECT_TRUE(g.requires_grad());
  Tensor d = wick::ones({2}, {.device = "cpu"});
  EXPECT_TRUE(d.is_cpu());
}

TEST(TensorCreation, LikeFunctions) {
  Tensor a = wick::ones({2, 5}, {.dtype = wick::kFloat64, .requires_grad = true});
  Tensor z = wick::zeros_like(a);
  EXPECT_EQ(z.sizes(), a.sizes());
  EXPECT_EQ(z.dtype(), wick::kFloat64);
  EXPECT_FALSE(z.requires_grad());  // never copied, as in PyTorch
  EXPECT_EQ(z.to_vector<double>(), std::vector<double>(10, 0.0));
  EXPECT_EQ(wick::ones_like(a).to_vector<double>(), std::vector<double>(10, 1.0));
  EXPECT_EQ(wick::full_like(a, 4.0).to_vector<double>(), std::vector<double>(10, 4.0));
  EXPECT_EQ(wick::empty_like(a).sizes(), a.sizes());
  EXPECT_EQ(wick::zeros_like(a, {.dtype = wick::kInt64}).dtype(), wick::kInt64);
  Tensor r = wick::rand_like(a);
  EXPECT_EQ(r.dtype(), wick::kFloat64);
  EXPECT_EQ(wick::randn_like(a).sizes(), a.sizes());
}

TEST(TensorCreation, ArangeDtypes) {
  Tensor a = wick::arange(5);
  EXPECT_EQ(a.dtype(), wick::kInt64);  // as torch.arange(5)
  EXPECT_EQ(a.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  Tensor f = wick::arange(0., 1., .25);
  EXPECT_EQ(f.dtype(), wick::kFloat32);  // as torch.arange(0., 1., .25)
  EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{0, .25f, .5f, .75f}));
  EXPECT_EQ(wick::arange(1, 4, 1, {.dtype = wick::kFloat64}).to_vector<double>(), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(wick::arange(3, 3).numel(), 0);
  EXPECT_EQ(wick::arange(10, 0, -3).to_vector<int64_t>(), (std::vector<int64_t>{10, 7, 4, 1}));
  EXPECT_WICK_ERROR(wick::arange(0, 5, 0), {"arange"});
}

TEST(TensorCreation, LinspaceAndEye) {
  Tensor l = wick::linspace(0, 1, 5);
  EXPECT_EQ(l.dtype(), wick::kFloat32);
  EXPECT_EQ(l.to_vector<float>(), (std::vector<float>{0, .25f, .5f, .75f, 1}));
  EXPECT_EQ(wick::linspace(2, 3, 1).to_vector<float>(), (std::vector<float>{2}));
  Tensor e = wick::eye(3);
  EXPECT_EQ(e.dtype(), wick::kFloat32);
  EXPECT_EQ(e.to_vector<float>(), (std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
  EXPECT_EQ(wick::eye(2, 3).sizes(), (Shape{2, 3}));
  EXPECT_EQ(wick::eye(2, {.dtype = wick::kInt64}).to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 0, 1}));
}

TEST(TensorCreation, RandIsUniformInUnitInterval) {
  wick::manual_seed(1);
  Tensor r = wick::rand({100000});
  EXPECT_EQ(r.dtype(), wick::kFloat32);
  auto v = r.to_vector<float>();
  EXPECT_GE(*std::min_element(v.begin(), v.end()), 0.f);
  EXPECT_LT(*std::max_element(v.begin(), v.end()), 1.f);
  double mean = std::accumulate(v.begin(), v.end(), 0.0) / v.size();
  EXPECT_NEAR(mean, 0.5, 0.01);  // std of the mean is 0.29/sqrt(1e5) ~ 0.001
  // Each tenth of [0, 1) gets about a tenth of the draws.
  std::vector<int> bins(10);
  for (float x : v) ++bins[std::min(9, static_cast<int>(x * 10))];
  for (int b : bins) EXPECT_NEAR(b, 10000, 500);
  auto d = wick::rand({1000}, {.dtype = wick::kFloat64}).to_vector<double>();
  EXPECT_GE(*std::min_element(d.begin(), d.end()), 0.0);
  EXPECT_LT(*std::max_element(d.begin(), d.end()), 1.0);
}

TEST(TensorCreation, RandnIsStandardNormal) {
  wick::manual_seed(2);
  auto v = wick::randn({100000}).to_vector<float>();
  double mean = std::accumulate(v.begin(), v.end(), 0.0) / v.size();
  double sq = 0;
  for (float x : v) sq += (x - mean) * (x - mean);
  double sd = std::sqrt(sq / (v.size() - 1));
  EXPECT_NEAR(mean, 0.0, 0.02);
  EXPECT_NEAR(sd, 1.0, 0.02);
  // About 68.3% within one standard deviation.
  double within = std::count_if(v.begin(), v.end(), [](float x) { return std::abs(x) < 1; }) / double(v.size());
  EXPECT_NEAR(within, 0.6827, 0.01);
  for (float x : v) ASSERT_TRUE(std::isfinite(x));
}

TEST(TensorCreation, RandintAndRandperm) {
  wick::manual_seed(3);
  Tensor r = wick::randint(-3, 4, {10000});
  EXPECT_EQ(r.dtype(), wick::kInt64);  // as torch.randint
  auto v = r.to_vector<int64_t>();
  EXPECT_EQ(*std::min_element(v.begin(), v.end()), -3);
  EXPECT_EQ(*std::max_element(v.begin(), v.end()), 3);  // high is exclusive
  auto h = wick::randint(5, {2, 50}).to_vector<int64_t>();
  for (int64_t x : h) {
    EXPECT_GE(x, 0);
    EXPECT_LT(x, 5);
  }
  EXPECT_EQ(wick::randint(0, 10, {3}, {.dtype = wick::kFloat32}).dtype(), wick::kFloat32);
  Tensor p = wick::randperm(1000);
  EXPECT_EQ(p.dtype(), wick::kInt64);
  auto pv = p.to_vector<int64_t>();
  auto sorted = pv;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> iota(1000);
  std::iota(iota.begin(), iota.end(), 0);
  EXPECT_EQ(sorted, iota);
  EXPECT_NE(pv, iota);  // shuffled (probability of identity is 1/1000!)
  EXPECT_EQ(wick::randperm(0).numel(), 0);
}

TEST(TensorCreation, ManualSeedRepeatsExactly) {
  wick::manual_seed(42);
  auto a1 = wick::rand({64}).to_vector<float>();
  auto b1 = wick::randn({7, 3}).to_vector<float>();
  auto c1 = wick::randint(0, 100, {20}).to_vector<int64_t>();
  auto p1 = wick::randperm(50).to_vector<int64_t>();
  wick::manual_seed(42);
  EXPECT_EQ(wick::rand({64}).to_vector<float>(), a1);
  EXPECT_EQ(wick::randn({7, 3}).to_vector<float>(), b1);
  EXPECT_EQ(wick::randint(0, 100, {20}).to_vector<int64_t>(), c1);
  EXPECT_EQ(wick::randperm(50).to_vector<int64_t>(), p1);
  EXPECT_EQ(wick::initial_seed(), 42u);
  // Consecutive draws differ; another seed gives other numbers.
  wick::manual_seed(42);
  auto first = wick::rand({64}).to_vector<float>();
  EXPECT_NE(wick::rand({64}).to_vector<float>(), first);
  wick::manual_seed(43);
  EXPECT_NE(wick::rand({64}).to_vector<float>(), a1);
  // Saving and restoring the generator state resumes the stream.
  wick::manual_seed(7);
  wick::rand({5});
  wick::GeneratorState st = wick::get_rng_state();
  auto next = wick::randn({9}).to_vector<float>();
  wick::rand({100});
  wick::set_rng_state(st);
  EXPECT_EQ(wick::randn({9}).to_vector<float>(), next);
}

}  // namespace
