// AdaptiveAvgPool2d / AdaptiveMaxPool2d and their functional forms against
// PyTorch 1.13 fixtures (tests/reference/make_conv_fixtures.py, the apool_*
// cases): values and input gradients on the CPU kernels and on the composed
// path other devices run (forced on the CPU; on cuda:0 against the CPU
// when a GPU is present), the printouts, float64 gradient checks, the shapes
// PyTorch accepts, the errors for what it refuses, and the model summary.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "core/expect_error.h"
#include "nn/composed_path.h"
#include "nn/conv_test_util.h"
#include "wick/nn.h"

namespace wick {
namespace {

namespace F = nn::functional;
using testing::close_to;
using testing::conv::conv_fixture;
using testing::conv::tol_for;

// The output size as the script gave it ([h, w, one], -1 for None).
nn::OutputSize2 read_output_size(const std::string& c) {
  const auto v = conv_fixture(c + ".osize").to_vector<int64_t>();
  if (v[2] != 0) return nn::OutputSize2(v[0]);
  auto side = [](int64_t s) { return s < 0 ? std::nullopt : std::optional<int64_t>(s); };
  return {side(v[0]), side(v[1])};
}

std::string read_repr(const std::string& c) {
  const auto bytes = conv_fixture(c + ".repr").to_vector<uint8_t>();
  return {bytes.begin(), bytes.end()};
}

template <typename M>
std::string printed(const M& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

using Pool = std::function<Tensor(const Tensor&, const nn::OutputSize2&)>;

// y = pool(x) and d(sum(y * gy))/dx against the fixture.
void check_case(const std::string& c, const Pool& pool) {
  SCOPED_TRACE(c);
  Tensor x = conv_fixture(c + ".x").requires_grad_();
  const auto t = tol_for(x);
  Tensor y = pool(x, read_output_size(c));
  EXPECT_EQ(y.dtype(), x.dtype());
  EXPECT_TRUE(close_to(y, conv_fixture(c + ".y"), t.rtol, t.atol));
  y.backward(conv_fixture(c + ".gy"));
  ASSERT_TRUE(x.grad().defined());
  EXPECT_TRUE(close_to(x.grad(), conv_fixture(c + ".dx"), t.rtol, t.atol));
}

const std::vector<const char*> kAvgCases{"apool_avg_7x5_to_3x2", "apool_avg_6x8_to_3x4", "apool_avg_5_to_7",
                                         "apool_avg_10x3_to_3x5", "apool_avg_global", "apool_avg_none_w",
                                         "apool_avg_none_none", "apool_avg_unbatched", "apool_avg_f32",
                                         "apool_avg_global_f32"};
const std::vector<const char*> kMaxCases{
    "apool_max_7x5_to_3x2", "apool_max_5_to_7", "apool_max_10x3_to_3x5", "apool_max_global", "apool_max_none_h",
    "apool_max_unbatched",  "apool_max_f32",    "apool_max_ties",        "apool_max_ties_global_f32",
    "apool_max_nan",        "apool_max_neginf"};

Tensor avg_fn(const Tensor& x, const nn::OutputSize2& s) { return F::adaptive_avg_pool2d(x, s); }
Tensor max_fn(const Tensor& x, const nn::OutputSize2& s) { return F::adaptive_max_pool2d(x, s); }
Tensor avg_module(const Tensor& x, const nn::OutputSize2& s) { return nn::AdaptiveAvgPool2d(s)(x); }
Tensor max_module(const Tensor& x, const nn::OutputSize2& s) { return nn::AdaptiveMaxPool2d(s)(x); }

TEST(AdaptivePoolReference, AvgMatchesPyTorch) {
  for (const char* c : kAvgCases) {
    check_case(c, avg_fn);
    check_case(c, avg_module);
    EXPECT_EQ(printed(nn::AdaptiveAvgPool2d(read_output_size(c))), read_repr(c)) << c;
  }
}

// The ties cases hold integer values (the script checked that a last-maximum
// rule gives another dx); neginf has windows of only -inf (the first pixel
// takes the gradient).
TEST(AdaptivePoolReference, MaxMatchesPyTorch) {
  for (const char* c : kMaxCases) {
    check_case(c, max_fn);
    check_case(c, max_module);
    EXPECT_EQ(printed(nn::AdaptiveMaxPool2d(read_output_size(c))), read_repr(c)) << c;
  }
}

// Two NaNs in one window: PyTorch's CPU kernel sends the gradient to the
// last (row-major) NaN.
TEST(AdaptivePoolReference, MaxGradientGoesToTheLastNaN) { check_case("apool_max_nan2", max_fn); }

// What CUDA tensors run, forced on CPU tensors: the same fixtures.
TEST(AdaptivePoolReference, ComposedPathMatchesPyTorch) {
  nn::detail::ForceComposedPath force;
  for (const char* c : kAvgCases) check_case(c, avg_fn);
  for (const char* c : kMaxCases) check_case(c, max_fn);
}

// With a GPU: the composed path on cuda:0 against the CPU kernels (held to
// PyTorch above), forward and input gradient, on random and on small-integer
// inputs (ties: both must pick the first maximum). Named for
// scripts/gpu-check.sh's CudaParity* filter; needs no fixture files, which
// its bundle does not carry. Skipped without a GPU.
TEST(CudaParityAdaptivePool, ComposedOnCudaMatchesCpuKernels) {
  if (!cuda::is_available()) GTEST_SKIP() << "no CUDA device: the composed path is checked on the CPU above";
  const Device gpu = Device::cuda(0);
  manual_seed(24);
  struct Case {
    Shape shape;
    nn::OutputSize2 size;
  };
  const std::vector<Case> cases{{{2, 3, 7, 5}, {3, 2}}, {{1, 2, 5, 5}, 7},          {{2, 3, 6, 5}, 1},
                                {{3, 7, 6}, {4, 3}},    {{2, 2, 6, 9}, {std::nullopt, 4}}, {{0, 2, 4, 4}, 2}};
  for (DType dtype : {kFloat32, kFloat64})
    for (const Case& c : cases)
      for (bool ties : {false, true})
        for (const Pool& pool : {Pool(avg_fn), Pool(max_fn)}) {
          SCOPED_TRACE(shape_str(c.shape) + " -> " + c.size.given() + (ties ? " ties " : " ") + dtype_name(dtype));
          const Tensor x = ties ? randint(0, 3, c.shape).to(dtype) : randn(c.shape, {.dtype = dtype});
          Tensor xc = x.clone().requires_grad_(), xg = x.to(gpu).requires_grad_();
          Tensor yc = pool(xc, c.size), yg = pool(xg, c.size);
          ASSERT_TRUE(yg.is_cuda()) << yg.describe();
          const auto t = tol_for(x);
          EXPECT_TRUE(close_to(yg.cpu(), yc, t.rtol, t.atol));
          const Tensor gy = randn(yc.sizes(), {.dtype = dtype});
          yc.backward(gy);
          yg.backward(gy.to(gpu));
          ASSERT_TRUE(xg.grad().defined());
          EXPECT_TRUE(close_to(xg.grad().cpu(), xc.grad(), t.rtol, t.atol));
        }
}

// The composed max reduces with max(dim), which keeps the first NaN: the same
// NaN value, its gradient on the first NaN (functional.h says so).
TEST(AdaptivePoolReference, ComposedMaxGradientGoesToTheFirstNaN) {
  nn::detail::ForceComposedPath force;
  Tensor x = conv_fixture("apool_max_nan2.x").requires_grad_();  // [1, 1, 4, 4], NaN at (0, 1) and (1, 0)
  Tensor y = F::adaptive_max_pool2d(x, 1);
  EXPECT_TRUE(std::isnan(y.item()));
  y.backward(ones_like(y));
  const auto dx = x.grad().contiguous().to_vector<double>();
  for (size_t i = 0; i < dx.size(); ++i) EXPECT_EQ(dx[i], i == 1 ? 1.0 : 0.0) << i;
}

// output_size 1: the plain mean (PyTorch's own special case) and the max
// of each plane, bit for bit, on both paths.
TEST(AdaptivePoolReference, GlobalPoolIsExactlyMeanAndMax) {
  manual_seed(21);
  for (bool composed : {false, true}) {
    std::optional<nn::detail::ForceComposedPath> force;
    if (composed) force.emplace();
    for (DType dtype : {kFloat32, kFloat64}) {
      const Tensor x = randn({3, 4, 13, 11}, {.dtype = dtype});
      EXPECT_TRUE(equal(F::adaptive_avg_pool2d(x, 1), mean(x, {2, 3}, true))) << composed;
      EXPECT_TRUE(equal(F::adaptive_max_pool2d(x, {1, 1}), max(x.reshape({3, 4, -1}), 2).values.reshape({3, 4, 1, 1})))
          << composed;
    }
  }
}

// A non-contiguous (transposed) input reads its own strides.
TEST(AdaptivePoolReference, NonContiguousInput) {
  manual_seed(22);
  const Tensor x = randn({2, 3, 5, 7}, {.dtype = kFloat64});
  const Tensor xt = x.transpose(2, 3), xc = xt.contiguous();
  EXPECT_TRUE(equal(F::adaptive_avg_pool2d(xt, {3, 2}), F::adaptive_avg_pool2d(xc, {3, 2})));
  EXPECT_TRUE(equal(F::adaptive_max_pool2d(xt, {3, 2}), F::adaptive_max_pool2d(xc, {3, 2})));
}

// ---- float64 finite differences ----

void expect_gradcheck(const testing::GradcheckResult& r) { EXPECT_TRUE(r.ok) << r.message; }

// Distinct values 0.1 apart: a finite-difference step never changes which
// element is a window's maximum.
Tensor distinct_values(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return (randperm(n).to(kFloat64) * 0.1 - 0.05 * static_cast<double>(n)).reshape(shape).requires_grad_();
}

TEST(AdaptivePoolGradcheck, Float64) {
  manual_seed(23);
  const Tensor x = randn({2, 2, 7, 5}, {.dtype = kFloat64, .requires_grad = true});
  const Tensor xd = distinct_values({2, 2, 7, 5});
  for (bool composed : {false, true}) {
    std::optional<nn::detail::ForceComposedPath> force;
    if (composed) force.emplace();
    SCOPED_TRACE(composed ? "composed" : "cpu kernel");
    // overlapping windows of different sizes; more outputs than inputs; a kept side
    for (const nn::OutputSize2& s : {nn::OutputSize2(3, 2), nn::OutputSize2(9, 8), nn::OutputSize2(std::nullopt, 3)}) {
      expect_gradcheck(testing::gradcheck("adaptive_avg_pool2d " + s.given(), [s](const std::vector<Tensor>& in) {
        return F::adaptive_avg_pool2d(in[0], s);
      }, {x}));
      expect_gradcheck(testing::gradcheck("adaptive_max_pool2d " + s.given(), [s](const std::vector<Tensor>& in) {
        return F::adaptive_max_pool2d(in[0], s);
      }, {xd}));
    }
    expect_gradcheck(testing::gradcheck("adaptive_max_pool2d 1", [](const std::vector<Tensor>& in) {
      return F::adaptive_max_pool2d(in[0], 1);
    }, {xd}));
  }
}

// ---- module, printout, summary ----

TEST(AdaptivePoolModule, PrintoutAndNoState) {
  // (The fixtures' reprs are checked above; these are the C++ spellings.)
  EXPECT_EQ(printed(nn::AdaptiveAvgPool2d({1, 1})), "AdaptiveAvgPool2d(output_size=(1, 1))");
  EXPECT_EQ(printed(nn::AdaptiveAvgPool2d(7)), "AdaptiveAvgPool2d(output_size=7)");
  EXPECT_EQ(printed(nn::AdaptiveAvgPool2d({std::nullopt, 7})), "AdaptiveAvgPool2d(output_size=(None, 7))");
  EXPECT_EQ(printed(nn::AdaptiveMaxPool2d(nn::Size2(2))), "AdaptiveMaxPool2d(output_size=2)");
  EXPECT_EQ(printed(nn::AdaptiveMaxPool2d(nn::Size2(2, 3))), "AdaptiveMaxPool2d(output_size=(2, 3))");
  nn::AdaptiveAvgPool2d avg(1);
  nn::AdaptiveMaxPool2d mx(1);
  EXPECT_TRUE(avg.parameters().empty());
  EXPECT_TRUE(avg.state_dict().empty());
  EXPECT_TRUE(mx.state_dict().empty());
}

// The classifier head: Conv2d, ReLU, AdaptiveAvgPool2d(1), Flatten, Linear;
// shapes and counts as PyTorch's for the same nn.Sequential on a
// [1, 3, 9, 9] input.
TEST(AdaptivePoolModule, Summary) {
  nn::Sequential model(nn::Conv2d(3, 8, 3), nn::ReLU(), nn::AdaptiveAvgPool2d(1), nn::AdaptiveMaxPool2d({2, 3}),
                       nn::Flatten(), nn::Linear(48, 10));
  const nn::Summary s = nn::summary(model, {3, 9, 9});
  const std::vector<std::string> types{"Conv2d", "ReLU", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Flatten", "Linear"};
  const std::vector<Shape> shapes{{-1, 8, 7, 7}, {-1, 8, 7, 7}, {-1, 8, 1, 1}, {-1, 8, 2, 3}, {-1, 48}, {-1, 10}};
  const std::vector<int64_t> params{224, 0, 0, 0, 0, 490};
  ASSERT_EQ(s.rows.size(), types.size());
  for (size_t i = 0; i < types.size(); ++i) {
    EXPECT_EQ(s.rows[i].type, types[i]) << i;
    EXPECT_EQ(s.rows[i].output_shape, shapes[i]) << i;
    EXPECT_EQ(s.rows[i].params, params[i]) << i;
  }
  EXPECT_EQ(s.total_params, 714);
  std::ostringstream os;
  os << s;
  EXPECT_NE(os.str().find("2 (AdaptiveAvgPool2d)"), std::string::npos) << os.str();
}

// ---- what PyTorch 1.13 accepts (shapes from the same calls; the script
// asserts them) and refuses ----

TEST(AdaptivePoolShapes, AcceptedAsPyTorch) {
  for (bool composed : {false, true}) {
    std::optional<nn::detail::ForceComposedPath> force;
    if (composed) force.emplace();
    SCOPED_TRACE(composed ? "composed" : "cpu kernel");
    for (const Pool& pool : {Pool(avg_fn), Pool(max_fn)}) {
      EXPECT_EQ(pool(zeros({1, 1, 4, 4}), 0).sizes(), (Shape{1, 1, 0, 0}));
      EXPECT_EQ(pool(zeros({1, 1, 4, 4}), {0, 2}).sizes(), (Shape{1, 1, 0, 2}));
      EXPECT_EQ(pool(zeros({0, 4, 4}), {2, 3}).sizes(), (Shape{0, 2, 3}));
      EXPECT_EQ(pool(zeros({1, 1, 5, 6}), {std::nullopt, 2}).sizes(), (Shape{1, 1, 5, 2}));
      // An empty batch, forward and backward.
      Tensor x = zeros({0, 2, 4, 4}, {.requires_grad = true});
      Tensor y = pool(x, 2);
      EXPECT_EQ(y.sizes(), (Shape{0, 2, 2, 2}));
      y.sum().backward();
      ASSERT_TRUE(x.grad().defined());
      EXPECT_EQ(x.grad().sizes(), x.sizes());
      // An empty output still has a gradient: zeros.
      Tensor x2 = randn({1, 2, 3, 3}, {.requires_grad = true});
      pool(x2, {0, 2}).sum().backward();
      ASSERT_TRUE(x2.grad().defined());
      EXPECT_EQ(x2.grad().abs().sum().item(), 0.0);
    }
    // PyTorch 1.13's average takes a batch with no channels; its max refuses it (below).
    EXPECT_EQ(F::adaptive_avg_pool2d(zeros({1, 0, 4, 4}), 2).sizes(), (Shape{1, 0, 2, 2}));
  }
}

TEST(AdaptivePoolErrors, RefusedAsPyTorch) {
  for (const char* op : {"adaptive_avg_pool2d", "adaptive_max_pool2d"}) {
    SCOPED_TRACE(op);
    const Pool pool = std::string(op) == "adaptive_avg_pool2d" ? Pool(avg_fn) : Pool(max_fn);
    EXPECT_WICK_ERROR(pool(zeros({1, 1, 4, 4}), -1), {op, "output_size -1", "negative", "std::nullopt"});
    EXPECT_WICK_ERROR(pool(zeros({1, 1, 4, 4}), {2, -1}), {op, "output_size (2, -1)", "negative"});
    EXPECT_WICK_ERROR(pool(zeros({1, 1, 4, 4}), {int64_t{1} << 31, 1}), {op, "output_size (2147483648, 1)", "2^31"});
    EXPECT_WICK_ERROR(pool(zeros({4, 4}), 2), {op, "[N, C, H, W]", "[4, 4]", "unsqueeze(0)"});
    EXPECT_WICK_ERROR(pool(zeros({1, 1, 1, 4, 4}), 2), {op, "[N, C, H, W]", "[1, 1, 1, 4, 4]"});
    EXPECT_WICK_ERROR(pool(zeros({1, 1, 4, 4}, {.dtype = kInt64}), 2), {op, "floating", "int64"});
    EXPECT_WICK_ERROR(pool(zeros({1, 1, 0, 4}), 2), {op, "[1, 1, 0, 4]", "height 0 (dim 2)", "at least one pixel"});
    EXPECT_WICK_ERROR(pool(zeros({1, 1, 4, 0}), 2), {op, "[1, 1, 4, 0]", "width 0 (dim 3)"});
    EXPECT_WICK_ERROR(pool(zeros({2, 0, 4}), 2), {op, "[2, 0, 4]", "height 0 (dim 1)"});
    EXPECT_WICK_ERROR(pool(Tensor(), 2), {op, "undefined"});
  }
  EXPECT_WICK_ERROR(F::adaptive_max_pool2d(zeros({1, 0, 4, 4}), 2), {"adaptive_max_pool2d", "[1, 0, 4, 4]", "no channels"});
  // The layers refuse a negative size where they are built.
  EXPECT_WICK_ERROR(nn::AdaptiveAvgPool2d(-1), {"AdaptiveAvgPool2d", "output_size -1", "negative"});
  EXPECT_WICK_ERROR(nn::AdaptiveMaxPool2d({std::nullopt, -2}), {"AdaptiveMaxPool2d", "output_size (None, -2)"});
}

}  // namespace
}  // namespace wick
