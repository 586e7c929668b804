// Convolution and pooling: functional::unfold / conv2d / max_pool2d /
// avg_pool2d and the Conv2d, MaxPool2d, AvgPool2d modules against PyTorch 1.13
// (fixtures written by tests/reference/make_conv_fixtures.py into
// tests/data/conv/), float64 finite-difference gradient checks, the CPU
// window kernel against its composed (any-device) form, the modules'
// parameters and printouts, and the error messages.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "core/expect_error.h"
#include "nn/conv_test_util.h"
#include "nn/layers_test_util.h"
#include "nn/patches.h"
#include "wick/nn.h"
#include "wick/optim/optim.h"

namespace wick {
namespace {

namespace F = nn::functional;
using nn::Size2;
using testing::close_to;
using namespace testing::conv;  // NOLINT: the fixture helpers


TEST(ConvReference, UnfoldMatchesPyTorch) {
  for (const char* c : {"unfold_k3", "unfold_k23_s21_d2_p1", "unfold_k3_p1_s1", "unfold_k32_d12_p01_s12",
                        "unfold_unbatched", "unfold_f32"})
    check_case(c, [](const Tensor& x, const Args& a) { return F::unfold(x, a.kernel, a.dilation, a.padding, a.stride); });
}

const char* const kConvCases[] = {"conv_k3_p1", "conv_k5_s2", "conv_k23_d21_p10", "conv_nobias",
                                  "conv_k1",    "conv_unbatched", "conv_f32"};

TEST(ConvReference, Conv2dFunctionalMatchesPyTorch) {
  for (const char* c : kConvCases) {
    SCOPED_TRACE(c);
    const bool has_bias = std::filesystem::exists(conv_path(std::string(c) + ".b"));
    Tensor w = conv_fixture(std::string(c) + ".w").requires_grad_();
    Tensor b = has_bias ? conv_fixture(std::string(c) + ".b").requires_grad_() : Tensor();
    check_case(c, [&](const Tensor& x, const Args& a) { return F::conv2d(x, w, b, a.stride, a.padding, a.dilation); });
    const Tol t = tol_for(w);
    ASSERT_TRUE(w.grad().defined());
    EXPECT_TRUE(close_to(w.grad(), conv_fixture(std::string(c) + ".dw"), t.rtol, t.atol));
    if (has_bias) {
      ASSERT_TRUE(b.grad().defined());
      EXPECT_TRUE(close_to(b.grad(), conv_fixture(std::string(c) + ".db"), t.rtol, t.atol));
    }
  }
}

// The same cases through the module, with PyTorch's weights loaded by name.
TEST(ConvReference, Conv2dModuleMatchesPyTorch) {
  for (const char* c : kConvCases) {
    SCOPED_TRACE(c);
    const Args a = read_args(c);
    const Tensor w = conv_fixture(std::string(c) + ".w");
    const bool has_bias = std::filesystem::exists(conv_path(std::string(c) + ".b"));
    nn::Conv2d conv(w.size(1), w.size(0), a.kernel,
                    {.stride = a.stride, .padding = a.padding, .dilation = a.dilation, .bias = has_bias, .dtype = w.dtype()});
    TensorDict state;
    state.insert("weight", w);
    if (has_bias) state.insert("bias", conv_fixture(std::string(c) + ".b"));
    conv.load_state_dict(state);
    check_case(c, [&](const Tensor& x, const Args&) { return conv(x); });
    const Tol t = tol_for(w);
    EXPECT_TRUE(close_to(conv.weight.grad(), conv_fixture(std::string(c) + ".dw"), t.rtol, t.atol));
    if (has_bias) EXPECT_TRUE(close_to(conv.bias.grad(), conv_fixture(std::string(c) + ".db"), t.rtol, t.atol));
  }
}


TEST(PoolReference, MaxPool2dMatchesPyTorch) {
  for (const char* c : {"maxpool_k2", "maxpool_k3_s2_p1", "maxpool_d2", "maxpool_k23_s12_d2_p1", "maxpool_unbatched",
                        "maxpool_f32", "maxpool_nan", "maxpool_neginf_p1"}) {
    check_case(c, max_pool);
    check_case(c, [](const Tensor& x, const Args& a) { return nn::MaxPool2d(a.kernel, {.stride = a.stride, .padding = a.padding, .dilation = a.dilation})(x); });
  }
}

// Integer-valued inputs: windows hold several equal maxima and PyTorch sends
// the gradient to the first in (row, column) order. The script checked that
// a last-maximum rule would give a different dx for each of these cases.
TEST(PoolReference, MaxPool2dTiesGradientGoesToFirstMaximum) {
  for (const char* c : {"maxpool_ties_k2", "maxpool_ties_k3_s1", "maxpool_ties_neg_p1"}) check_case(c, max_pool);
}

// MaxPool2d(2) on float32 has its own vectorized kernel (16 outputs per
// step, masked tails); float64 takes the scalar one. Integer-valued data
// (many ties), NaN and -inf, rows shorter than, equal to and longer than 16
// outputs, odd widths: the float32 values and gradients must equal the
// float64 ones exactly (every value is exact in both).
TEST(PoolReference, MaxPool2x2Float32KernelMatchesFloat64) {
  manual_seed(5);
  for (const Shape& shape : {Shape{2, 3, 4, 4}, Shape{2, 2, 28, 28}, Shape{1, 2, 7, 7}, Shape{1, 1, 6, 40},
                             Shape{1, 1, 2, 66}, Shape{3, 1, 9, 33}}) {
    SCOPED_TRACE(shape_str(shape));
    Tensor v = randint(-3, 3, shape).to(kFloat64);
    v.view({-1})[0] = std::numeric_limits<double>::quiet_NaN();
    v.view({-1})[5] = -std::numeric_limits<double>::infinity();
    Tensor x64 = v.clone().requires_grad_(), x32 = v.to(kFloat32).requires_grad_();
    Tensor y64 = F::max_pool2d(x64, 2), y32 = F::max_pool2d(x32, 2);
    const Tensor up = randint(-4, 5, y64.sizes()).to(kFloat64);
    y64.backward(up);
    y32.backward(up.to(kFloat32));
    auto a = y32.detach().to(kFloat64).contiguous().to_vector<double>(), b = y64.detach().contiguous().to_vector<double>();
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i)
      EXPECT_TRUE(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i]))) << "output " << i << ": " << a[i] << " vs " << b[i];
    EXPECT_TRUE(equal(x32.grad().to(kFloat64), x64.grad())) << "gradients differ: the maxima were picked differently";
  }
}

TEST(PoolReference, MaxPool2dComposedFormMatchesPyTorch) {
  for (const char* c : {"maxpool_k3_s2_p1", "maxpool_ties_k2", "maxpool_ties_k3_s1", "maxpool_ties_neg_p1",
                        "maxpool_nan", "maxpool_neginf_p1", "maxpool_k23_s12_d2_p1", "maxpool_unbatched",
                        "maxpool_f32"})
    check_case(c, composed_max_pool);
}

// With dilation a window can hold only padding although padding <= kernel/2:
// kernel 2, dilation 2, padding 1 on a 1-pixel image reads rows -1 and 1.
// PyTorch 1.13 returns -inf there (its own CPU backward then writes out of
// bounds; the only sane gradient is zero). Two planes, so a
// gradient sent to "no element" (index -1) shows on the other plane's pixel.
// It runs in a child process: such a gradient also writes before the
// buffer, and that heap damage must not take the other tests down.
TEST(PoolReference, MaxPool2dWindowOfOnlyPadding) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto run = [] {
    bool ok = true;
    for (bool composed : {false, true}) {
      Tensor x = randn({1, 2, 1, 1}, {.dtype = kFloat64, .requires_grad = true});
      Tensor y = composed ? composed_max_pool(x, {2, 1, 1, 2}) : max_pool(x, {2, 1, 1, 2});
      auto v = y.detach().to_vector<double>();
      y.backward(ones_like(y));
      auto dx = x.grad().defined() ? x.grad().to_vector<double>() : std::vector<double>{0, 0};
      const double inf = std::numeric_limits<double>::infinity();
      if (y.sizes() != Shape{1, 2, 1, 1} || v != std::vector<double>{-inf, -inf} || dx != std::vector<double>{0, 0}) {
        std::fprintf(stderr, "%s: y %s = {%g, %g}, dx = {%g, %g}; want y = {-inf, -inf}, dx = {0, 0}\n",
                     composed ? "composed" : "cpu kernel", shape_str(y.sizes()).c_str(), v.at(0), v.at(1), dx.at(0),
                     dx.at(1));
        ok = false;
      }
    }
    std::exit(ok ? 0 : 1);
  };
  EXPECT_EXIT(run(), ::testing::ExitedWithCode(0), "");
}

TEST(PoolReference, AvgPool2dMatchesPyTorch) {
  for (const char* c : {"avgpool_k2", "avgpool_k3_s2_p1", "avgpool_k23_s12", "avgpool_unbatched", "avgpool_f32"}) {
    check_case(c, avg_pool);
    check_case(c, [](const Tensor& x, const Args& a) { return nn::AvgPool2d(a.kernel, {.stride = a.stride, .padding = a.padding})(x); });
  }
}

// An empty batch gives an empty output of the right shape, as in PyTorch
// (shapes from torch 1.13 on the same calls), forward and backward.
TEST(ConvReference, EmptyBatch) {
  Tensor x = zeros({0, 2, 5, 5}, {.requires_grad = true});
  Tensor w = randn({3, 2, 3, 3}, {.requires_grad = true});
  Tensor y = F::conv2d(x, w);
  EXPECT_EQ(y.sizes(), (Shape{0, 3, 3, 3}));
  y.sum().backward();
  if (w.grad().defined()) EXPECT_EQ(w.grad().abs().sum().item(), 0.0);
  EXPECT_EQ(F::max_pool2d(x, 2).sizes(), (Shape{0, 2, 2, 2}));
  EXPECT_EQ(F::avg_pool2d(x, 2).sizes(), (Shape{0, 2, 2, 2}));
  EXPECT_EQ(F::unfold(x, 2).sizes(), (Shape{0, 8, 16}));
}

// ---- float64 finite differences ----

void expect_gradcheck(const testing::GradcheckResult& r) { EXPECT_TRUE(r.ok) << r.message; }

TEST(ConvGradcheck, UnfoldFloat64) {
  manual_seed(11);
  Tensor x = randn({2, 2, 5, 4}, {.dtype = kFloat64, .requires_grad = true});
  expect_gradcheck(testing::gradcheck("unfold k(2,3) d(2,1) p1 s(1,2)", [](const std::vector<Tensor>& in) {
    return F::unfold(in[0], {2, 3}, {2, 1}, 1, {1, 2});
  }, {x}));
  // Non-contiguous input: the windows must honour strides.
  Tensor xt = randn({2, 4, 5, 2}, {.dtype = kFloat64, .requires_grad = true});
  expect_gradcheck(testing::gradcheck("unfold of a transposed input", [](const std::vector<Tensor>& in) {
    return F::unfold(in[0].transpose(1, 3), 2, 1, 1, 2);
  }, {xt}));
}

TEST(ConvGradcheck, Conv2dFloat64) {
  manual_seed(12);
  Tensor x = randn({2, 3, 5, 6}, {.dtype = kFloat64, .requires_grad = true});
  Tensor w = randn({4, 3, 2, 3}, {.dtype = kFloat64, .requires_grad = true});
  Tensor b = randn({4}, {.dtype = kFloat64, .requires_grad = true});
  expect_gradcheck(testing::gradcheck("conv2d s(2,1) p(1,0) d(1,2)", [](const std::vector<Tensor>& in) {
    return F::conv2d(in[0], in[1], in[2], {2, 1}, {1, 0}, {1, 2});
  }, {x, w, b}));
  Tensor xu = randn({2, 4, 4}, {.dtype = kFloat64, .requires_grad = true});
  Tensor wu = randn({3, 2, 3, 3}, {.dtype = kFloat64, .requires_grad = true});
  // The weight transposed in its kernel dims: a non-contiguous weight.
  expect_gradcheck(testing::gradcheck("conv2d unbatched, no bias, strided weight", [](const std::vector<Tensor>& in) {
    return F::conv2d(in[0], in[1].transpose(2, 3), Tensor(), 1, 1);
  }, {xu, wu}));
}

// Distinct values at least 0.1 apart: a finite-difference step (1e-6) never
// changes which element is a window's maximum.
Tensor distinct_values(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return (randperm(n).to(kFloat64) * 0.1 - 0.05 * static_cast<double>(n)).reshape(shape).requires_grad_();
}

TEST(PoolGradcheck, MaxPool2dFloat64) {
  manual_seed(13);
  Tensor x = distinct_values({2, 2, 7, 6});
  expect_gradcheck(testing::gradcheck("max_pool2d k3 s2 p1", [](const std::vector<Tensor>& in) {
    return F::max_pool2d(in[0], 3, 2, 1);
  }, {x}));
  expect_gradcheck(testing::gradcheck("max_pool2d k(2,3) s1 d(2,1)", [](const std::vector<Tensor>& in) {
    return F::max_pool2d(in[0], {2, 3}, 1, 0, {2, 1});
  }, {x}));
}

TEST(PoolGradcheck, AvgPool2dFloat64) {
  manual_seed(14);
  Tensor x = randn({2, 2, 7, 6}, {.dtype = kFloat64, .requires_grad = true});
  expect_gradcheck(testing::gradcheck("avg_pool2d k3 s2 p1", [](const std::vector<Tensor>& in) {
    return F::avg_pool2d(in[0], 3, 2, 1);
  }, {x}));
  expect_gradcheck(testing::gradcheck("avg_pool2d k(2,3) s(1,2)", [](const std::vector<Tensor>& in) {
    return F::avg_pool2d(in[0], {2, 3}, Size2{1, 2});
  }, {x}));
}

// ---- the CPU window kernel against the composed form other devices run ----

TEST(ConvPatches, CpuKernelMatchesComposed) {
  struct Case {
    Shape shape;
    Size2 kernel, stride, padding, dilation;
    bool ceil_mode = false;
  };
  const Case cases[] = {
      {{2, 3, 6, 7}, 3, 1, 1, 1},
      {{2, 2, 7, 6}, 3, 2, 1, 1, true},  // ceil_mode: the last windows hang past the padding
      {{1, 2, 5, 9}, 2, {2, 3}, 0, {1, 2}, true},
      {{1, 2, 7, 9}, {2, 3}, {2, 1}, {1, 0}, {2, 1}},
      {{2, 1, 5, 5}, 5, 1, 2, 1},       // windows mostly padding
      {{3, 2, 8, 6}, 2, 2, 0, 3},       // dilation leaves pixels no window reads
      {{1, 4, 4, 4}, 1, {1, 3}, 0, 1},  // 1x1 kernel, stride skips columns
  };
  manual_seed(15);
  for (const Case& c : cases) {
    for (DType dt : {kFloat64, kFloat32}) {
      // A finite pad value other than 0 shows that both paths read it; -inf is max_pool2d's.
      for (double pad : {0.0, -2.5, -std::numeric_limits<double>::infinity()}) {
        SCOPED_TRACE(shape_str(c.shape) + " " + dtype_name(dt) + " pad " + std::to_string(pad));
        const Tensor base = randn(c.shape, {.dtype = dt});
        const auto g =
            nn::detail::patch_geometry("patches", base, c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode);
        Tensor xa = base.clone().requires_grad_(), xb = base.clone().requires_grad_();
        Tensor ya = nn::detail::patches(xa, g, pad), yb = nn::detail::patches_composed(xb, g, pad);
        ASSERT_EQ(ya.sizes(), (Shape{g.n, g.windows(), g.row()}));
        // Both copy values: exactly equal, -inf included.
        EXPECT_EQ(ya.contiguous().to(kFloat64).to_vector<double>(), yb.contiguous().to(kFloat64).to_vector<double>());
        const Tensor up = randn(ya.sizes(), {.dtype = dt});
        ya.backward(up);
        yb.backward(up);
        const Tol t = tol_for(base);
        EXPECT_TRUE(close_to(xa.grad(), xb.grad(), t.rtol, t.atol));
      }
    }
  }
}

// Sizes large enough that the kernels split the work across threads.
TEST(ConvPatches, LargeInputsCpuMatchesComposed) {
  manual_seed(18);
  const Tensor base = randn({4, 8, 30, 29});
  const auto g = nn::detail::patch_geometry("patches", base, 3, 1, 1, 1);
  Tensor xa = base.clone().requires_grad_(), xb = base.clone().requires_grad_();
  Tensor ya = nn::detail::patches(xa, g, 0.0), yb = nn::detail::patches_composed(xb, g, 0.0);
  EXPECT_TRUE(close_to(ya, yb, 0, 0));
  const Tensor up = randn(ya.sizes());
  ya.backward(up);
  yb.backward(up);
  EXPECT_TRUE(close_to(xa.grad(), xb.grad(), 1e-5, 1e-5));

  const Args a{3, 2, 1, 1};
  xa.impl()->grad.reset();
  xb.impl()->grad.reset();
  Tensor ma = max_pool(xa, a), mb = composed_max_pool(xb, a);
  EXPECT_TRUE(close_to(ma, mb, 0, 0));
  const Tensor upm = randn(ma.sizes());
  ma.backward(upm);
  mb.backward(upm);
  EXPECT_TRUE(close_to(xa.grad(), xb.grad(), 1e-6, 1e-6));

  // conv2d at this size against finite differences along a random direction.
  Tensor x = randn({3, 4, 20, 18}, {.dtype = kFloat64, .requires_grad = true});
  Tensor w = randn({6, 4, 3, 3}, {.dtype = kFloat64, .requires_grad = true});
  Tensor b = randn({6}, {.dtype = kFloat64, .requires_grad = true});
  auto r = testing::directional_gradcheck("conv2d large", [](const std::vector<Tensor>& in) {
    return F::conv2d(in[0], in[1], in[2], 1, 1);
  }, {x, w, b});
  EXPECT_TRUE(r.ok) << r.message;
}

// ---- modules ----

TEST(ConvModule, ParametersNamesAndInitBounds) {
  manual_seed(16);
  nn::Conv2d conv(16, 32, 3);
  EXPECT_EQ(conv.weight.sizes(), (Shape{32, 16, 3, 3}));
  EXPECT_EQ(conv.bias.sizes(), (Shape{32}));
  EXPECT_EQ(conv.weight.dtype(), kFloat32);
  EXPECT_TRUE(conv.weight.requires_grad());
  EXPECT_EQ(conv.state_dict().keys(), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(conv.parameters().size(), 2u);
  // PyTorch's default: weight and bias ~ U(-b, b), b = 1/sqrt(fan_in).
  const double bound = 1.0 / std::sqrt(16.0 * 9.0);
  auto w = conv.weight.to(kFloat64).to_vector<double>();
  double lo = 1e9, hi = -1e9, sum = 0, sq = 0;
  for (double v : w) lo = std::min(lo, v), hi = std::max(hi, v), sum += v, sq += v * v;
  EXPECT_LE(hi, bound);
  EXPECT_GE(lo, -bound);
  // 4608 draws reach close to both ends, centred, with a uniform's spread b/sqrt(3).
  EXPECT_GT(hi, 0.98 * bound);
  EXPECT_LT(lo, -0.98 * bound);
  const double n = static_cast<double>(w.size()), mean = sum / n;
  EXPECT_NEAR(mean, 0.0, 0.05 * bound);
  EXPECT_NEAR(std::sqrt(sq / n - mean * mean), bound / std::sqrt(3.0), 0.05 * bound);
  for (double v : conv.bias.to(kFloat64).to_vector<double>()) EXPECT_LE(std::abs(v), bound);
  EXPECT_GT(conv.bias.abs().max().item(), 0.0);  // initialised, not left empty or zero

  nn::Conv2d nb(3, 8, {2, 5}, {.bias = false, .dtype = kFloat64});
  EXPECT_EQ(nb.weight.sizes(), (Shape{8, 3, 2, 5}));
  EXPECT_EQ(nb.weight.dtype(), kFloat64);
  EXPECT_FALSE(nb.bias.defined());
  EXPECT_EQ(nb.state_dict().keys(), (std::vector<std::string>{"weight"}));
  EXPECT_LE(nb.weight.abs().max().item(), 1.0 / std::sqrt(30.0));
  // Output sizes: (H + 2p - d(k-1) - 1)/s + 1.
  EXPECT_EQ(nn::Conv2d(3, 5, 3, {.stride = 2, .padding = 1})(randn({2, 3, 9, 8})).sizes(), (Shape{2, 5, 5, 4}));
  EXPECT_EQ(nn::Conv2d(3, 5, 3)(randn({3, 9, 8})).sizes(), (Shape{5, 7, 6}));
}

std::string printed(const nn::Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

// The strings are repr() of the same layers in PyTorch 1.13.
TEST(ConvModule, PrintoutMatchesPyTorch) {
  EXPECT_EQ(printed(nn::Conv2d(1, 32, 3, {.padding = 1})),
            "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))");
  EXPECT_EQ(printed(nn::Conv2d(3, 8, 3)), "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))");
  EXPECT_EQ(printed(nn::Conv2d(3, 8, 3, {.bias = false})), "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), bias=False)");
  EXPECT_EQ(printed(nn::Conv2d(3, 8, 3, {.dilation = {2, 1}})),
            "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), dilation=(2, 1))");
  EXPECT_EQ(printed(nn::Conv2d(3, 8, {2, 3}, {.stride = {2, 1}, .padding = {1, 0}, .dilation = 2, .bias = false})),
            "Conv2d(3, 8, kernel_size=(2, 3), stride=(2, 1), padding=(1, 0), dilation=(2, 2), bias=False)");
  // The pools print what PyTorch printed for these calls: one number where
  // the call gave one (PyTorch keeps the argument as given).
  EXPECT_EQ(printed(nn::MaxPool2d(2)), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  EXPECT_EQ(printed(nn::MaxPool2d(3, {.stride = 2, .padding = 1})), "MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)");
  EXPECT_EQ(printed(nn::MaxPool2d({2, 3}, {.padding = 1, .dilation = {2, 1}})),
            "MaxPool2d(kernel_size=(2, 3), stride=(2, 3), padding=1, dilation=(2, 1), ceil_mode=False)");
  EXPECT_EQ(printed(nn::AvgPool2d(2)), "AvgPool2d(kernel_size=2, stride=2, padding=0)");
  EXPECT_EQ(printed(nn::AvgPool2d(3, {.stride = 2, .padding = 1})), "AvgPool2d(kernel_size=3, stride=2, padding=1)");
  EXPECT_EQ(printed(nn::AvgPool2d({2, 3})), "AvgPool2d(kernel_size=(2, 3), stride=(2, 3), padding=0)");
  // Pools have no parameters or state.
  EXPECT_TRUE(nn::MaxPool2d(2).state_dict().empty());
  EXPECT_TRUE(nn::AvgPool2d(2).parameters().empty());
}

// A LeNet-style stack trains end to end: every layer's backward feeds the next.
TEST(ConvModule, SequentialCnnTrains) {
  manual_seed(17);
  nn::Sequential model(nn::Conv2d(1, 4, 3, {.padding = 1}), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(),
                       nn::Linear(4 * 4 * 4, 3));
  EXPECT_EQ(model.state_dict().keys(), (std::vector<std::string>{"0.weight", "0.bias", "4.weight", "4.bias"}));
  const Tensor x = randn({16, 1, 8, 8});
  const Tensor target = randint(0, 3, {16});
  optim::SGD opt(model.parameters(), {.lr = 0.1});
  double first = 0, last = 0;
  for (int step = 0; step < 30; ++step) {
    opt.zero_grad();
    Tensor loss = F::cross_entropy(model(x), target);
    loss.backward();
    // The conv weight is reached by backward through pool and ReLU.
    ASSERT_TRUE(model.at<nn::Conv2d>(0).weight.grad().defined());
    opt.step();
    (step == 0 ? first : last) = loss.item();
  }
  EXPECT_TRUE(std::isfinite(last));
  EXPECT_LT(last, 0.7 * first) << "first " << first << ", last " << last;
}

// ---- errors: the op and the problem, in the message ----

TEST(ConvErrors, WrongInputRank) {
  const Tensor w = randn({4, 3, 3, 3});
  EXPECT_WICK_ERROR(F::conv2d(randn({2, 27}), w), {"conv2d", "[N, C, H, W]", "[2, 27]"});
  EXPECT_WICK_ERROR(F::max_pool2d(randn({1, 2, 3, 4, 4}), 2), {"max_pool2d", "[N, C, H, W]", "[1, 2, 3, 4, 4]"});
  EXPECT_WICK_ERROR(F::avg_pool2d(randn({4, 4}), 2), {"avg_pool2d", "[N, C, H, W]", "[4, 4]"});
  EXPECT_WICK_ERROR(F::unfold(randn({8}), 2), {"unfold", "[N, C, H, W]", "[8]"});
  EXPECT_WICK_ERROR(nn::Conv2d(3, 4, 3)(randn({2, 27})), {"Conv2d", "[2, 27]"});
  EXPECT_WICK_ERROR(F::conv2d(randn({1, 3, 5, 5}), randn({4, 3, 3})), {"conv2d", "weight", "[4, 3, 3]"});
}

TEST(ConvErrors, ChannelMismatch) {
  EXPECT_WICK_ERROR(F::conv2d(randn({1, 2, 5, 5}), randn({4, 3, 3, 3})),
                    {"conv2d", "channels", "[1, 2, 5, 5]", "[4, 3, 3, 3]"});
  EXPECT_WICK_ERROR(nn::Conv2d(3, 4, 3)(randn({1, 2, 5, 5})), {"Conv2d", "3", "[1, 2, 5, 5]"});
  EXPECT_WICK_ERROR(F::conv2d(randn({1, 3, 5, 5}), randn({4, 3, 3, 3}), randn({3})), {"conv2d", "bias", "4"});
}

TEST(ConvErrors, KernelLargerThanPaddedInput) {
  EXPECT_WICK_ERROR(F::conv2d(randn({1, 1, 3, 3}), randn({1, 1, 5, 5})), {"conv2d", "kernel", "[1, 1, 3, 3]"});
  // Padding makes it fit: 3 + 2*1 = 5.
  EXPECT_EQ(F::conv2d(randn({1, 1, 3, 3}), randn({1, 1, 5, 5}), Tensor(), 1, 1).sizes(), (Shape{1, 1, 1, 1}));
  EXPECT_WICK_ERROR(F::max_pool2d(randn({1, 1, 2, 5}), 3), {"max_pool2d", "kernel"});
  EXPECT_WICK_ERROR(F::avg_pool2d(randn({1, 1, 5, 2}), 3), {"avg_pool2d", "kernel"});
  // Dilation 4 makes a 2x2 kernel cover 5x5.
  EXPECT_WICK_ERROR(F::unfold(randn({1, 1, 4, 4}), 2, 4), {"unfold", "dilation"});
}

TEST(ConvErrors, NonPositiveStride) {
  const Tensor x = randn({1, 1, 6, 6});
  EXPECT_WICK_ERROR(F::conv2d(x, randn({1, 1, 3, 3}), Tensor(), 0), {"conv2d", "stride", "(0, 0)"});
  EXPECT_WICK_ERROR(F::max_pool2d(x, 2, Size2{1, -1}), {"max_pool2d", "stride", "(1, -1)"});
  EXPECT_WICK_ERROR(F::avg_pool2d(x, 2, Size2{0, 2}), {"avg_pool2d", "stride", "(0, 2)"});
  EXPECT_WICK_ERROR(F::unfold(x, 2, 1, 0, -1), {"unfold", "stride"});
  EXPECT_WICK_ERROR(nn::Conv2d(1, 1, 3, {.stride = 0}), {"Conv2d", "stride"});
  EXPECT_WICK_ERROR(nn::MaxPool2d(2, {.stride = 0})(x), {"max_pool2d", "stride"});
}

// PyTorch: "pad should be at most half of kernel size" for both pools.
TEST(PoolErrors, PaddingMoreThanHalfTheKernel) {
  const Tensor x = randn({1, 1, 6, 6});
  EXPECT_WICK_ERROR(F::max_pool2d(x, 3, 1, 2), {"max_pool2d", "padding", "half"});
  EXPECT_WICK_ERROR(F::max_pool2d(x, {4, 2}, 1, {1, 2}), {"max_pool2d", "padding", "half"});
  EXPECT_WICK_ERROR(F::avg_pool2d(x, 3, 1, 2), {"avg_pool2d", "padding", "half"});
  EXPECT_WICK_ERROR(nn::MaxPool2d(2, {.stride = 2, .padding = 2})(x), {"max_pool2d", "padding"});
  // Exactly half is allowed.
  EXPECT_EQ(F::max_pool2d(x, {4, 2}, 1, {2, 1}).sizes(), (Shape{1, 1, 7, 7}));
}

// wick's 2-D layers are floating-point only (PyTorch 1.13 also refuses
// integer conv2d, max_pool2d and unfold on the CPU).
// Sizes that would overflow int64 in the geometry, or make the windows
// astronomically many (a kernel of 2^30 x 2^30 over padding of 2^29 is a
// valid max pool by PyTorch's rules, and would loop for ever).
TEST(ConvErrors, AbsurdSizes) {
  const Tensor x = randn({1, 1, 4, 4});
  EXPECT_WICK_ERROR(F::unfold(x, Size2{int64_t{1} << 40, 2}, Size2{int64_t{1} << 40, 1}),
                    {"unfold", "2^31 - 1"});
  EXPECT_WICK_ERROR(F::max_pool2d(x, int64_t{1} << 30, std::nullopt, int64_t{1} << 29),
                    {"max_pool2d", "past 2^40", "[1, 1, 4, 4]"});
  EXPECT_WICK_ERROR(F::conv2d(x, randn({1, 1, 2, 2}), Tensor(), int64_t{1} << 40), {"conv2d", "2^31 - 1"});
}

TEST(ConvErrors, IntegerInput) {
  const Tensor xi = ones({1, 1, 4, 4}, {.dtype = kInt64});
  EXPECT_WICK_ERROR(F::conv2d(xi, ones({1, 1, 2, 2}, {.dtype = kInt64})), {"conv2d", "int64", "float"});
  EXPECT_WICK_ERROR(F::max_pool2d(xi, 2), {"max_pool2d", "int64", "float"});
  EXPECT_WICK_ERROR(F::avg_pool2d(xi, 2), {"avg_pool2d", "int64", "float"});
  EXPECT_WICK_ERROR(F::unfold(xi, 2), {"unfold", "int64", "float"});
  EXPECT_WICK_ERROR(F::conv2d(randn({1, 1, 4, 4}), randn({1, 1, 2, 2}, {.dtype = kFloat64})),
                    {"conv2d", "float32", "float64"});
  EXPECT_WICK_ERROR(F::conv2d(randn({1, 1, 4, 4}), randn({3, 1, 2, 2}), randn({3}, {.dtype = kFloat64})),
                    {"conv2d", "bias", "float32", "float64"});
}

}  // namespace
}  // namespace wick
