// The backend kernels of the smooth activations (UnaryOp::GeluErf, Silu,
// Elu, Softplus, Mish; their BinaryOp / derivative backward): float32 runs
// fast polynomial forms (backend/cpu/fast_math.h), float64 runs libm, which
// the PyTorch fixtures pin (layers_activation_test.cpp,
// layers_smooth_activation_test.cpp). Here the float32 values and gradients
// are held to the float64 ones of the same float32 inputs, over a dense range
// and every branch point, huge, tiny and subnormal |x|, +-inf and NaN; and the
// loops are checked on non-contiguous inputs and sizes that are not a
// multiple of the vector width.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "nn/layers_test_util.h"
#include "wick/nn/activation.h"
#include "wick/nn/functional.h"

namespace wick {
namespace {

namespace F = nn::functional;
using testing::ActCase;

// Parameters exactly representable in float32 (a float32 tensor computes with
// float(alpha), float(beta), as PyTorch's kernels), and softplus betas that
// are powers of two, so beta * x is exact in float32 too: PyTorch's rule
// rounds that product in the input's dtype, an error of |beta x| / 2^24
// relative in e^(beta x) that is the rule's, not the kernel's.
std::vector<ActCase> cases() {
  return {
      {"gelu", [](const Tensor& x) { return F::gelu(x); }},
      {"silu", [](const Tensor& x) { return F::silu(x); }},
      {"elu", [](const Tensor& x) { return F::elu(x, 1.0); }},
      {"elu_0.375", [](const Tensor& x) { return F::elu(x, 0.375); }},
      {"softplus", [](const Tensor& x) { return F::softplus(x, 1.0, 20.0); }},
      {"softplus_b2_t5", [](const Tensor& x) { return F::softplus(x, 2.0, 5.0); }},
      {"softplus_b0.5_t10", [](const Tensor& x) { return F::softplus(x, 0.5, 10.0); }},
      {"softplus_bm1", [](const Tensor& x) { return F::softplus(x, -1.0, 20.0); }},
      {"softplus_t1e6", [](const Tensor& x) { return F::softplus(x, 1.0, 1e6); }},
      {"mish", [](const Tensor& x) { return F::mish(x); }},
  };
}

// Every float32 input that matters: a dense grid over [-40, 40] (step 1/256,
// so every polynomial's range and both sides of each switch), the switch
// points themselves and their float neighbours (0, +-0.5 for expm1,
// +-sqrt(2)/2 for GELU's erf/erfc split, softplus thresholds 20/beta,
// GELU's clamp at +-20, exp's overflow and underflow near 88.7 and -103),
// tiny and subnormal values, huge values, +-inf and NaN.
std::vector<float> inputs() {
  std::vector<float> v;
  for (int i = -40 * 256; i <= 40 * 256; ++i) v.push_back(static_cast<float>(i) / 256.0f);
  const float inf = std::numeric_limits<float>::infinity();
  const float points[] = {0.0f,   0.5f,   0.70710677f, 2.5f,   5.0f,     10.0f,   20.0f,  33.333332f, 66.66667f,
                          88.72f, 89.0f,  103.0f,      104.0f, 150.0f,   1e3f,    1e4f,   1e30f,      3e38f,
                          1e-3f,  1e-7f,  1e-20f,      1e-30f, 1.2e-38f, 1e-40f,  1e-45f, inf};
  for (float p : points) {
    for (float q : {p, std::nextafter(p, 0.0f), std::nextafter(p, inf)}) {
      v.push_back(q);
      v.push_back(-q);
    }
  }
  v.push_back(std::numeric_limits<float>::quiet_NaN());
  return v;
}

// |got - want| <= rtol |want| + atol element by element (got: float32, or
// float64 against a fixture), NaN meeting NaN and infinities equal.
// `near_zero_atol` applies where |x| < 4 instead of atol:
// the derivatives of GELU, SiLU and Mish cross zero there as a difference of
// O(1) terms (Phi(x) + x phi(x), ...), so their error is absolute, a few ulps
// of 1, and no relative bound holds at the root.
::testing::AssertionResult close_f32_f64(const Tensor& x, const Tensor& got, const Tensor& want, double rtol,
                                         double atol, double near_zero_atol) {
  const auto xv = x.detach().to(kFloat64).contiguous().to_vector<double>();
  const auto g = got.detach().to(kFloat64).contiguous().to_vector<double>();
  const auto w = want.detach().contiguous().to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(g[i]) || std::isnan(w[i])) {
      if (std::isnan(g[i]) && std::isnan(w[i])) continue;
      return ::testing::AssertionFailure() << "x = " << xv[i] << ": float32 " << g[i] << ", float64 " << w[i];
    }
    if (g[i] == w[i]) continue;  // also equal infinities
    const double bound = rtol * std::abs(w[i]) + (std::abs(xv[i]) < 4 ? near_zero_atol : atol);
    if (!(std::abs(g[i] - w[i]) <= bound))
      return ::testing::AssertionFailure() << "x = " << xv[i] << ": float32 " << g[i] << ", float64 " << w[i]
                                           << " (error " << std::abs(g[i] - w[i]) << ", bound " << bound << ")";
  }
  return ::testing::AssertionSuccess();
}

// Bounds, in ulps of float32 (2^-24 relative). Measured (these inputs and
// 2M random ones per function, against the float64 kernels): at most 6.9
// (Mish's gradient; GELU's value 6.6, SiLU's gradient 5.8, the rest under
// 5.1): each fast function is within 2-6 ulps (fast_math.h) and an
// activation chains a few of them and some roundings. rtol 8 ulps (4.8e-7)
// leaves room for that and little more. atol 1e-37: below FLT_MIN (1.2e-38)
// float32 is subnormal and has no relative precision left, and neither has a
// product with a subnormal intermediate (GELU's tail for x < -13). Gradients
// near their zeros: 8 ulps of 1 (measured: 2.1e-7, 3.6 ulps).
constexpr double kRtol = 8.0 / (1 << 24), kAtol = 1e-37, kNearZeroAtol = 8.0 / (1 << 24);

TEST(ActivationKernels, Float32MatchesFloat64ForwardAndBackward) {
  const std::vector<float> v = inputs();
  const Tensor x32 = from_vector<float>(v, {static_cast<int64_t>(v.size())});
  const Tensor x64 = x32.to(kFloat64);
  for (const ActCase& c : cases()) {
    Tensor a = x32.clone().requires_grad_(), b = x64.clone().requires_grad_();
    Tensor ya = c.fn(a), yb = c.fn(b);
    ASSERT_EQ(ya.dtype(), kFloat32) << c.name;
    EXPECT_TRUE(close_f32_f64(x32, ya, yb, kRtol, kAtol, kAtol)) << c.name << " value";
    ya.backward(ones_like(ya));
    yb.backward(ones_like(yb));
    EXPECT_TRUE(close_f32_f64(x32, a.grad(), b.grad(), kRtol, kAtol, kNearZeroAtol)) << c.name << " gradient";
  }
}

// The limits the stable formulas promise at huge |x| and the PyTorch values
// at +-inf / NaN (the float64 ones, which the fixtures pin), exactly, in
// float32: no inf/inf, no inf * 0 where a limit exists.
TEST(ActivationKernels, Float32HugeInfiniteAndNaN) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> v = {1e4f, -1e4f, 3e38f, -3e38f, inf, -inf, std::nanf("")};
  const Tensor x32 = from_vector<float>(v, {7});
  for (const ActCase& c : cases()) {
    Tensor a = x32.clone().requires_grad_(), b = x32.to(kFloat64).requires_grad_();
    Tensor ya = c.fn(a), yb = c.fn(b);
    (ya * 1.0).sum().backward();
    (yb * 1.0).sum().backward();
    EXPECT_TRUE(close_f32_f64(x32, ya, yb, 0, 0, 0)) << c.name << " value";
    EXPECT_TRUE(close_f32_f64(x32, a.grad(), b.grad(), 0, 0, 0)) << c.name << " gradient";
  }
}

// Exact GELU far in its tails against PyTorch's erfc (make_activation_fixtures.py):
// Phi is never 1 + erf(x / sqrt2), which is 0 in float64 from x = -9 on and
// loses every digit of float32 from x = -5 on. Float64 to 1e-12 (x / sqrt2
// rounds, which moves erfc by up to 2 (x^2 / 2) 2^-53 relative: 1.6e-13 at
// x = -37); float32 with the bounds above, down to its subnormals.
TEST(ActivationKernels, GeluTailsMatchPyTorch) {
  const Tensor x = testing::layer_fixture("gelu_tail_f64.in");
  const Tensor out = testing::layer_fixture("gelu_tail_f64.out"), grad = testing::layer_fixture("gelu_tail_f64.grad");
  for (DType dt : {kFloat64, kFloat32}) {
    Tensor a = x.to(dt).clone().requires_grad_();  // a fresh leaf, not the fixture itself
    Tensor y = F::gelu(a);
    y.sum().backward();
    const double rtol = dt == kFloat64 ? 1e-12 : kRtol, atol = dt == kFloat64 ? 0 : kAtol;
    EXPECT_TRUE(close_f32_f64(x, y, out, rtol, atol, atol)) << dtype_name(dt) << " value";
    EXPECT_TRUE(close_f32_f64(x, a.grad(), grad, rtol, atol, atol)) << dtype_name(dt) << " gradient";
  }
}

// Odd sizes (scalar remainders after the vector body), non-contiguous inputs
// (the strided loop) and a non-contiguous upstream gradient: the same values
// as the contiguous case, element for element.
TEST(ActivationKernels, StridedInputsAndOddSizes) {
  manual_seed(7);
  for (int64_t n : {1, 7, 15, 16, 17, 31, 33, 63, 65, 1001, 4099}) {
    Tensor base = randn({n, 3}) * 6.0;
    Tensor strided = base.select(1, 1);  // stride 3
    Tensor dense = strided.contiguous();
    Tensor gs = randn({n, 2}).select(1, 0);  // stride 2
    for (const ActCase& c : cases()) {
      Tensor a = strided.detach().requires_grad_(), b = dense.detach().requires_grad_();
      Tensor ya = c.fn(a), yb = c.fn(b);
      EXPECT_TRUE(equal(ya, yb)) << c.name << " n=" << n;
      EXPECT_TRUE(testing::close_to(yb, c.fn(dense.to(kFloat64)), kRtol, 1e-37)) << c.name << " n=" << n;
      ya.backward(gs);
      yb.backward(gs.contiguous());
      EXPECT_TRUE(equal(a.grad(), b.grad())) << c.name << " n=" << n << " gradient";
    }
  }
}

}  // namespace
}  // namespace wick
