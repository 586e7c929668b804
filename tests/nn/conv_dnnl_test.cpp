// The oneDNN convolution (float32 on the CPU, src/backend/cpu/dnnl_conv.cpp)
// against the im2col path on the same random inputs: forward and the three
// gradients, over geometries that exercise padding (also "same" with an odd
// total, padded more at the bottom/right), stride, dilation, groups
// (depthwise too), non-square kernels, no bias, a batch of one and a batch
// split over the thread pool. Both are also held to a float64 im2col result, so a shared
// mistake would not pass either. The PyTorch fixtures in layers_conv_test.cpp
// run through whichever path conv2d takes. Skipped in a build without oneDNN.
#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "nn/conv_cpu.h"
#include "nn/layers_test_util.h"
#include "wick/wick.h"

namespace wick {
namespace {

using nn::Size2;
using testing::close_to;

#define SKIP_WITHOUT_DNNL()                                                              \
  if (!nn::detail::conv_has_dnnl())                                                      \
  GTEST_SKIP() << "wick was built without oneDNN (WICK_DNNL=OFF or libdnnl-dev absent): " \
                  "only the im2col convolution exists"

struct Geometry {
  std::string name;
  int64_t n, c, h, w, o;
  Size2 kernel, stride;
  nn::Padding2 padding;
  Size2 dilation;
  bool bias;
  int64_t groups = 1;
};

void PrintTo(const Geometry& g, std::ostream* os) { *os << g.name; }

struct Result {
  Tensor y, dx, dw, db;
};

// conv2d and its backward with dy; im2col forced when asked.
Result run(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& dy, const Geometry& g, bool im2col) {
  std::optional<nn::detail::ForceIm2colConv> force;
  if (im2col) force.emplace();
  const Tensor xl = x.detach().requires_grad_(), wl = w.detach().requires_grad_();
  const Tensor bl = b.defined() ? b.detach().requires_grad_() : Tensor();
  const Tensor y = nn::functional::conv2d(xl, wl, bl, g.stride, g.padding, g.dilation, g.groups);
  y.backward(dy);
  return {y.detach(), xl.grad(), wl.grad(), bl.defined() ? bl.grad() : Tensor()};
}

class ConvDnnl : public ::testing::TestWithParam<Geometry> {};

TEST_P(ConvDnnl, MatchesIm2colForwardAndGradients) {
  SKIP_WITHOUT_DNNL();
  const Geometry& g = GetParam();
  manual_seed(21);
  const Tensor x = randn({g.n, g.c, g.h, g.w}), w = randn({g.o, g.c / g.groups, g.kernel.h, g.kernel.w});
  const Tensor b = g.bias ? randn({g.o}) : Tensor();
  const Tensor y_shape = nn::functional::conv2d(x, w, b, g.stride, g.padding, g.dilation, g.groups);
  const Tensor dy = randn(y_shape.sizes());

  const uint64_t before = nn::detail::conv_dnnl_count();
  const Result dnnl = run(x, w, b, dy, g, false);
  ASSERT_EQ(nn::detail::conv_dnnl_count(), before + 1) << "conv2d did not run on oneDNN for " << g.name;
  const Result im2col = run(x, w, b, dy, g, true);
  ASSERT_EQ(nn::detail::conv_dnnl_count(), before + 1) << "ForceIm2colConv did not keep conv2d off oneDNN";
  const Result ref = run(x.to(kFloat64), w.to(kFloat64), b.defined() ? b.to(kFloat64) : Tensor(),
                         dy.to(kFloat64), g, true);

  // Each value sums up to C*kh*kw (dx: O*kh*kw, dw and db: N*oh*ow) float32
  // products of N(0, 1) numbers: the atol grows with that count.
  const double k = static_cast<double>(g.c / g.groups * g.kernel.h * g.kernel.w);
  const double m = static_cast<double>(y_shape.numel() / g.o);
  struct Check {
    const char* what;
    Tensor got, im2col, ref;
    double scale;
  };
  const Check checks[] = {{"y", dnnl.y, im2col.y, ref.y, k},
                          {"dx", dnnl.dx, im2col.dx, ref.dx, static_cast<double>(g.o / g.groups * g.kernel.h * g.kernel.w)},
                          {"dw", dnnl.dw, im2col.dw, ref.dw, m},
                          {"db", dnnl.db, im2col.db, ref.db, m}};
  for (const Check& c : checks) {
    if (!c.ref.defined()) {
      EXPECT_FALSE(c.got.defined()) << c.what;
      continue;
    }
    ASSERT_TRUE(c.got.defined()) << c.what;
    EXPECT_EQ(c.got.dtype(), kFloat32) << c.what;
    const double atol = 2e-6 * c.scale + 1e-5;
    EXPECT_TRUE(close_to(c.got, c.ref, 1e-4, atol)) << g.name << ": oneDNN " << c.what << " vs float64";
    EXPECT_TRUE(close_to(c.got, c.im2col, 1e-4, atol)) << g.name << ": oneDNN " << c.what << " vs im2col float32";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Geometries, ConvDnnl,
    ::testing::Values(
        Geometry{"k3_pad1", 2, 3, 9, 9, 4, 3, 1, 1, 1, true},
        Geometry{"stride2_pad0_nobias", 3, 2, 11, 10, 5, 3, 2, 0, 1, false},
        Geometry{"pad2_dilation2", 2, 4, 8, 8, 3, 3, 1, 2, 2, true},
        Geometry{"kernel2x5_stride2x1_pad1x2", 2, 3, 7, 13, 6, {2, 5}, {2, 1}, {1, 2}, 1, true},
        Geometry{"batch1_odd_kernel3x1", 1, 5, 7, 5, 7, {3, 1}, 1, 0, 1, true},
        Geometry{"kernel1x1", 4, 16, 5, 5, 8, 1, 1, 0, 1, false},
        Geometry{"dilation2x1_stride3_nobias", 2, 3, 13, 11, 4, {3, 2}, 3, {2, 1}, {2, 1}, false},
        Geometry{"padding_wider_than_kernel", 2, 2, 5, 6, 3, 2, 1, 3, 1, true},
        Geometry{"output_1x1", 3, 6, 4, 4, 5, 4, 1, 0, 1, true},
        // Big enough to be split over the pool's threads, odd batch: uneven shares.
        Geometry{"mnist_layer2_batch37", 37, 16, 14, 14, 32, 3, 1, 1, 1, true},
        Geometry{"mnist_layer1_batch37", 37, 1, 28, 28, 16, 3, 1, 1, 1, true},
        // Groups (oneDNN's goihw weights) and "same" with an odd total
        // (padding_r one more than padding_l), also split over the pool.
        Geometry{"groups2_stride2_dilation2x1", 2, 4, 11, 9, 6, 3, 2, 1, {2, 1}, true, 2},
        Geometry{"depthwise", 3, 8, 9, 9, 8, 3, 1, 1, 1, true, 8},
        Geometry{"depthwise_x2_nobias", 2, 4, 8, 7, 8, {3, 2}, {1, 2}, 0, 1, false, 4},
        Geometry{"same_kernel4", 2, 3, 9, 8, 5, 4, 1, "same", 1, true},
        Geometry{"same_kernel2x3_dilation3x2_groups2", 2, 4, 10, 9, 6, {2, 3}, 1, "same", {3, 2}, true, 2},
        Geometry{"valid_groups4_stride2", 2, 8, 9, 9, 4, 3, 2, "valid", 1, false, 4},
        Geometry{"depthwise_same_batch37", 37, 32, 28, 28, 32, 4, 1, "same", 1, true, 32},
        Geometry{"groups4_batch37", 37, 16, 14, 14, 32, 3, 1, 1, 1, true, 4}),
    [](const ::testing::TestParamInfo<Geometry>& info) { return info.param.name; });

// The batch split: one thread and two must give the same values (up to the
// order of the weight gradient's sums).
TEST(ConvDnnlThreads, OneAndTwoThreadsAgree) {
  SKIP_WITHOUT_DNNL();
  const int saved = get_num_threads();
  manual_seed(22);
  // ~20 MFLOP: split over two threads (backend/cpu/dnnl_conv.cpp, shares()).
  const Geometry g{"split", 9, 16, 16, 16, 32, 3, 1, 1, 1, true};
  const Tensor x = randn({g.n, g.c, g.h, g.w}), w = randn({g.o, g.c, 3, 3}), b = randn({g.o});
  const Tensor dy = randn({g.n, g.o, 16, 16});
  set_num_threads(1);
  const Result one = run(x, w, b, dy, g, false);
  set_num_threads(2);
  const Result two = run(x, w, b, dy, g, false);
  set_num_threads(saved);
  EXPECT_TRUE(close_to(two.y, one.y, 0, 0));
  EXPECT_TRUE(close_to(two.dx, one.dx, 0, 0));
  EXPECT_TRUE(close_to(two.dw, one.dw, 1e-5, 1e-4));
  EXPECT_TRUE(close_to(two.db, one.db, 1e-5, 1e-4));
}

// Only the gradients asked for, as PyTorch: a frozen weight with a trained
// bias (db without dw), and an input that needs its gradient alone.
TEST(ConvDnnlGrads, OnlyRequestedGradients) {
  SKIP_WITHOUT_DNNL();
  manual_seed(23);
  const Tensor x = randn({2, 3, 6, 6}), w = randn({4, 3, 3, 3}), dy = randn({2, 4, 6, 6});
  Tensor b = randn({4}).requires_grad_();
  Tensor y = nn::functional::conv2d(x, w, b, 1, 1);
  y.backward(dy);
  EXPECT_TRUE(close_to(b.grad(), sum(dy, {0, 2, 3}), 1e-5, 1e-4));

  const Tensor xl = x.detach().requires_grad_();
  const Tensor y2 = nn::functional::conv2d(xl, w, Tensor(), 1, 1);
  y2.backward(dy);
  ASSERT_TRUE(xl.grad().defined());
  Tensor want;
  {
    nn::detail::ForceIm2colConv force;
    const Tensor xr = x.detach().requires_grad_();
    nn::functional::conv2d(xr, w, Tensor(), 1, 1).backward(dy);
    want = xr.grad();
  }
  EXPECT_TRUE(close_to(xl.grad(), want, 1e-4, 1e-4));
}

// Unbatched [C, H, W] input, a non-contiguous input and float64 (which
// stays on im2col).
TEST(ConvDnnlInputs, UnbatchedStridedAndFloat64) {
  SKIP_WITHOUT_DNNL();
  manual_seed(24);
  const Tensor w = randn({4, 3, 3, 3}), b = randn({4});
  const Tensor img = randn({3, 7, 7});
  Tensor got = nn::functional::conv2d(img, w, b, 1, 1), want;
  {
    nn::detail::ForceIm2colConv force;
    want = nn::functional::conv2d(img, w, b, 1, 1);
  }
  EXPECT_EQ(got.sizes(), (Shape{4, 7, 7}));
  EXPECT_TRUE(close_to(got, want, 1e-5, 1e-4));

  const Tensor strided = randn({2, 7, 7, 3}).permute({0, 3, 1, 2});  // NHWC memory
  ASSERT_FALSE(strided.is_contiguous());
  got = nn::functional::conv2d(strided, w, b, 2, 1);
  {
    nn::detail::ForceIm2colConv force;
    want = nn::functional::conv2d(strided, w, b, 2, 1);
  }
  EXPECT_TRUE(close_to(got, want, 1e-5, 1e-4));

  const uint64_t before = nn::detail::conv_dnnl_count();
  const Tensor y64 = nn::functional::conv2d(img.to(kFloat64), w.to(kFloat64), b.to(kFloat64), 1, 1);
  EXPECT_EQ(nn::detail::conv_dnnl_count(), before) << "float64 must keep the im2col path";
  EXPECT_EQ(y64.dtype(), kFloat64);
}

// PyTorch's ConvolutionBackward saves the input: changing it in place
// before backward is an error, not a silently wrong weight gradient.
TEST(ConvDnnlGrads, InPlaceChangeOfInputIsAnError) {
  SKIP_WITHOUT_DNNL();
  manual_seed(25);
  Tensor x = randn({2, 3, 5, 5});
  const Tensor w = randn({4, 3, 3, 3}).requires_grad_();
  const Tensor y = nn::functional::conv2d(x, w, Tensor(), 1, 1);
  x.mul_(2.0);
  EXPECT_THROW(y.sum().backward(), Error);
}

// Several threads convolving at once (inference and training share the
// cached primitives; each thread has its own stream and scratch): every
// result must equal, bit for bit, what the same call gave alone. A share
// computes the same whichever thread runs it, so the values cannot differ.
TEST(ConvDnnlThreads, ConcurrentCallsMatchSerial) {
  SKIP_WITHOUT_DNNL();
  manual_seed(26);
  const Geometry g{"concurrent", 8, 16, 14, 14, 32, 3, 1, 1, 1, true};
  const Tensor w = randn({g.o, g.c, 3, 3}), b = randn({g.o});
  constexpr int kThreads = 4;
  std::vector<Tensor> xs, dys;
  std::vector<Result> want;
  for (int t = 0; t < kThreads; ++t) {
    xs.push_back(randn({g.n, g.c, g.h, g.w}));
    dys.push_back(randn({g.n, g.o, 14, 14}));
    want.push_back(run(xs.back(), w, b, dys.back(), g, false));
  }
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < 5; ++i) {
          const Result r = run(xs[t], w, b, dys[t], g, false);
          for (const auto& [got, exp] : {std::pair{r.y, want[t].y}, {r.dx, want[t].dx}, {r.dw, want[t].dw},
                                         {r.db, want[t].db}})
            if (!close_to(got, exp, 0, 0)) failures[t] = "thread " + std::to_string(t) + " differs";
        }
      } catch (const std::exception& e) {
        failures[t] = e.what();
      }
    });
  for (auto& th : threads) th.join();
  for (const std::string& f : failures) EXPECT_TRUE(f.empty()) << f;
}

TEST(ConvDnnlBuild, Im2colPathStaysReachable) {
  if (nn::detail::conv_has_dnnl()) {
    // Nothing to skip; the oneDNN build must still have the im2col path.
    nn::detail::ForceIm2colConv force;
    const uint64_t before = nn::detail::conv_dnnl_count();
    nn::functional::conv2d(ones({1, 1, 3, 3}), ones({1, 1, 3, 3}));
    EXPECT_EQ(nn::detail::conv_dnnl_count(), before);
  } else {
    GTEST_SKIP() << "wick was built without oneDNN: conv2d runs im2col only";
  }
}

}  // namespace
}  // namespace wick
