// SiLU, ELU, Softplus and Mish: values and gradients against PyTorch 1.13
// fixtures (tests/reference/make_activation_fixtures.py) in float32 and
// float64, including +-100, +-1e4 and both sides of Softplus's threshold;
// float64 gradchecks; finiteness for huge inputs; printouts and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "autograd/gradcheck.h"
#include "core/expect_error.h"
#include "nn/layers_test_util.h"
#include "wick/nn/activation.h"
#include "wick/nn/dropout.h"
#include "wick/nn/functional.h"

namespace wick {
namespace {

namespace F = nn::functional;
using testing::close_to;
using testing::ActCase;
using testing::layer_fixture;

std::vector<ActCase> cases() {
  return {
      {"silu", [](const Tensor& x) { return nn::SiLU()(x); }},
      {"elu", [](const Tensor& x) { return nn::ELU()(x); }},
      {"elu_0.5", [](const Tensor& x) { return nn::ELU({.alpha = 0.5})(x); }},
      {"softplus", [](const Tensor& x) { return nn::Softplus()(x); }},
      {"softplus_b2_t5", [](const Tensor& x) { return nn::Softplus({.beta = 2, .threshold = 5})(x); }},
      {"softplus_b0.5_t10", [](const Tensor& x) { return nn::Softplus({.beta = 0.5, .threshold = 10})(x); }},
      {"softplus_bm1", [](const Tensor& x) { return nn::Softplus({.beta = -1})(x); }},
      {"mish", [](const Tensor& x) { return nn::Mish()(x); }},
  };
}

// Value and gradient of sum(w * act(x)) against PyTorch's. elu_atol: ELU's
// own absolute tolerance (below).
void check_against_pytorch(const std::string& dt, double rtol, double atol, double elu_atol) {
  Tensor x0 = layer_fixture("smooth_" + dt + ".in"), w = layer_fixture("smooth_" + dt + ".w");
  for (auto& c : cases()) {
    Tensor x = x0.clone().requires_grad_();
    Tensor y = c.fn(x);
    EXPECT_EQ(y.dtype(), x0.dtype()) << c.name;
    const std::string base = std::string("smooth_") + c.name + "_" + dt;
    const double value_atol = std::string(c.name).rfind("elu", 0) == 0 ? elu_atol : atol;
    EXPECT_TRUE(close_to(y, layer_fixture(base + ".out"), rtol, value_atol)) << c.name << " " << dt << " value";
    (y * w).sum().backward();
    EXPECT_TRUE(close_to(x.grad(), layer_fixture(base + ".grad"), rtol, atol)) << c.name << " " << dt << " gradient";
  }
}

// wick computes in double and rounds once; PyTorch's float32 kernels round
// at every step, hence a few float32 ulps apart. ELU: PyTorch's float32
// kernel computes exp(x) - 1, which loses up to ~6e-8 absolutely near 0
// (x = -1e-3 is 1e-5 off relatively); wick's expm1 does not.
TEST(LayersSmoothActivation, MatchesPyTorchFloat32) { check_against_pytorch("f32", 4e-6, 1e-30, 1.2e-7); }
TEST(LayersSmoothActivation, MatchesPyTorchFloat64) { check_against_pytorch("f64", 1e-12, 1e-300, 1e-300); }

TEST(LayersSmoothActivation, FunctionalMatchesLayers) {
  Tensor x = layer_fixture("smooth_f64.in");
  EXPECT_TRUE(equal(F::silu(x), nn::SiLU()(x)));
  EXPECT_TRUE(equal(F::elu(x), nn::ELU()(x)));
  EXPECT_TRUE(equal(F::elu(x, 0.3), nn::ELU({.alpha = 0.3})(x)));
  EXPECT_TRUE(equal(F::softplus(x), nn::Softplus()(x)));
  EXPECT_TRUE(equal(F::softplus(x, 2, 5), nn::Softplus({.beta = 2, .threshold = 5})(x)));
  EXPECT_TRUE(equal(F::mish(x), nn::Mish()(x)));
}

TEST(LayersSmoothActivation, GradcheckFloat64) {
  manual_seed(2);
  // Spread over the interesting ranges; away from ELU's kink at 0 and from
  // Softplus's threshold jump (beta * x = threshold).
  Tensor base = randn({4, 5}, {.dtype = kFloat64}) * 4.0;
  base = where(base.abs().lt(0.1), base + 0.3, base);
  for (auto& c : cases()) {
    Tensor x = base.clone().detach().requires_grad_();
    auto r = testing::gradcheck(c.name, [&](const std::vector<Tensor>& in) { return c.fn(in[0]); }, {x});
    EXPECT_TRUE(r.ok) << r.message;
  }
  // Past the threshold (x > 20 / beta): the identity's gradient.
  Tensor big = full({3}, 12.0, {.dtype = kFloat64, .requires_grad = true});
  auto r = testing::gradcheck(
      "softplus above threshold", [](const std::vector<Tensor>& in) { return F::softplus(in[0], 2.0, 20.0); }, {big});
  EXPECT_TRUE(r.ok) << r.message;
}

// Huge inputs: exp overflows, and a careless formula gives inf/inf or
// inf * 0 = NaN. Every value and gradient is finite and equals the limit.
TEST(LayersSmoothActivation, FiniteForHugeInputs) {
  for (DType dt : {kFloat32, kFloat64}) {
    for (auto& c : cases()) {
      Tensor x = from_vector<double>({100, -100, 1e4, -1e4}, {4}, {.dtype = dt}).requires_grad_();
      Tensor y = c.fn(x);
      y.sum().backward();
      auto yv = y.detach().to(kFloat64).to_vector<double>(), gv = x.grad().to(kFloat64).to_vector<double>();
      for (size_t i = 0; i < 4; ++i) {
        EXPECT_TRUE(std::isfinite(yv[i]) && std::isfinite(gv[i]))
            << c.name << " " << dtype_name(dt) << " element " << i << ": " << yv[i] << ", gradient " << gv[i];
      }
      const std::string n = c.name;
      if (n == "softplus_bm1") continue;  // mirrored; the fixtures cover it
      // +1e4: the identity (slope 1); -1e4: 0 (slope 0), or -alpha for ELU.
      EXPECT_EQ(yv[2], 1e4) << n;
      EXPECT_EQ(gv[2], 1.0) << n;
      EXPECT_EQ(yv[3], n == "elu" ? -1.0 : n == "elu_0.5" ? -0.5 : 0.0) << n;
      EXPECT_EQ(gv[3], 0.0) << n;
    }
  }
  // A threshold beyond exp's range: PyTorch's softplus gives inf at x = 100
  // in float32 (and at 1000 in float64); wick's stable form gives x, slope 1.
  for (DType dt : {kFloat32, kFloat64}) {
    Tensor x = from_vector<double>({100, 1000}, {2}, {.dtype = dt, .requires_grad = true});
    Tensor y = F::softplus(x, 1.0, 1e6);
    y.sum().backward();
    EXPECT_TRUE(equal(y, x.detach())) << dtype_name(dt);
    EXPECT_TRUE(equal(x.grad(), ones({2}, {.dtype = dt}))) << dtype_name(dt);
  }
}

TEST(LayersSmoothActivation, EluGradientAtZeroIsAlpha) {
  // PyTorch's ELU backward takes the exp branch for x <= 0: alpha * e^0.
  Tensor x = zeros({3}, {.dtype = kFloat64, .requires_grad = true});
  nn::ELU({.alpha = 0.5})(x).sum().backward();
  EXPECT_TRUE(equal(x.grad(), full({3}, 0.5, {.dtype = kFloat64})));
}

TEST(LayersSmoothActivation, EmptyAndNonContiguous) {
  EXPECT_EQ(F::mish(zeros({0, 3})).sizes(), (Shape{0, 3}));
  Tensor x = randn({4, 6}, {.dtype = kFloat64});
  EXPECT_TRUE(equal(F::silu(x.t()), F::silu(x.t().contiguous())));
}

TEST(LayersSmoothActivation, PrintoutMatchesPyTorch) {
  auto repr = [](const nn::Module& m) {
    std::ostringstream os;
    os << m;
    return os.str();
  };
  // The layers in the order make_activation_fixtures.py printed them.
  std::vector<std::string> got = {repr(nn::SiLU()),
                                  repr(nn::ELU()),
                                  repr(nn::ELU({.alpha = 0.5})),
                                  repr(nn::Softplus()),
                                  repr(nn::Softplus({.beta = 2, .threshold = 5})),
                                  repr(nn::Softplus({.beta = 0.5, .threshold = 10.5})),
                                  repr(nn::Mish()),
                                  repr(nn::Dropout2d()),
                                  repr(nn::Dropout2d(0.3))};
  std::ifstream in(std::string(WICK_TEST_DATA_DIR) + "/layers/smooth_reprs.txt");
  ASSERT_TRUE(in) << "smooth_reprs.txt missing";
  std::string line;
  size_t i = 0;
  for (; std::getline(in, line); ++i) {
    ASSERT_LT(i, got.size()) << "more reprs in the fixture than in the test";
    EXPECT_EQ(got[i], line);
  }
  EXPECT_EQ(i, got.size());
}

TEST(LayersSmoothActivation, Errors) {
  using testing::error_message;
  using testing::message_has;
  EXPECT_TRUE(message_has(error_message([] { nn::Softplus({.beta = 0}); }), {"Softplus", "beta", "nonzero", "0"}));
  EXPECT_TRUE(message_has(error_message([] { F::softplus(ones({2}), 0.0); }), {"softplus", "beta", "nonzero"}));
  EXPECT_TRUE(message_has(error_message([] { F::softplus(ones({2}), std::nan("")); }), {"softplus", "beta"}));
  EXPECT_TRUE(message_has(error_message([] { F::silu(arange(3)); }), {"silu", "int64"}));
  EXPECT_TRUE(message_has(error_message([] { F::elu(arange(3)); }), {"elu", "int64"}));
  EXPECT_TRUE(message_has(error_message([] { F::softplus(arange(3)); }), {"softplus", "int64"}));
  EXPECT_TRUE(message_has(error_message([] { F::mish(arange(3)); }), {"mish", "int64"}));
  EXPECT_TRUE(message_has(error_message([] { F::mish(Tensor()); }), {"mish"}));
}

}  // namespace
}  // namespace wick
