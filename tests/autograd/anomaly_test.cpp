// Anomaly detection (wick::detect_anomaly, as torch.autograd.detect_anomaly):
// the first backward node that returns NaN or Inf is named; without the
// guard nothing is checked.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/elementwise.h"
#include "wick/reduction.h"

namespace {

using wick::Tensor;

std::string backward_error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const wick::Error& e) {
    return e.what();
  }
  return "";
}

void expect_has(const std::string& msg, std::initializer_list<const char*> words) {
  ASSERT_FALSE(msg.empty()) << "no wick::Error thrown";
  for (const char* w : words) EXPECT_NE(msg.find(w), std::string::npos) << "lacks '" << w << "': " << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(DetectAnomaly, LogOfZeroNamesLogBackward) {
  Tensor x = wick::from_vector<float>({0.0f, 1.0f, 2.0f}, {3}).requires_grad_(true);
  // Backward order: SumBackward, MulBackward (finite: 2 * ones), then
  // LogBackward returns 2 / x, infinite at x = 0: that node is the culprit.
  Tensor loss = (wick::log(x) * 2.0).sum();
  wick::detect_anomaly guard;
  const std::string msg = backward_error([&] { loss.backward(); });
  expect_has(msg, {"LogBackward", "forward op 'log'", "Inf", "gradient 0 of 1", "1 of 3 values", "[3]", "float32"});
}

TEST(DetectAnomaly, ZeroTimesInfinityNamesMulBackward) {
  const float inf = std::numeric_limits<float>::infinity();
  Tensor x = wick::from_vector<float>({1.0f, 2.0f}, {2, 1}).requires_grad_(true);
  Tensor big = wick::from_vector<float>({inf, 1.0f, 3.0f}, {1, 3});
  // d/dx of (x * big) * 0 = 0 * big: 0 * inf = NaN, in x's gradient [2, 1]
  // (reduced from the broadcast [2, 3]).
  Tensor loss = ((x * big) * 0.0).sum();
  wick::DetectAnomalyGuard guard;
  const std::string msg = backward_error([&] { loss.backward(); });
  expect_has(msg, {"MulBackward", "NaN", "[2, 1]", "forward op 'mul'"});
  EXPECT_FALSE(x.grad().defined()) << "the gradient reached the leaf despite the anomaly";
}

TEST(DetectAnomaly, OffByDefaultAndNothingIsChecked) {
  EXPECT_FALSE(wick::is_anomaly_enabled());
  Tensor x = wick::from_vector<float>({0.0f, 1.0f}, {2}).requires_grad_(true);
  wick::log(x).sum().backward();
  std::vector<float> g = x.grad().to_vector<float>();
  EXPECT_TRUE(std::isinf(g[0]));
  EXPECT_EQ(g[1], 1.0f);
}

TEST(DetectAnomaly, GuardRestoresAndIsThreadLocal) {
  {
    wick::detect_anomaly outer;
    EXPECT_TRUE(wick::is_anomaly_enabled());
    bool other_thread = true;
    std::thread([&] { other_thread = wick::is_anomaly_enabled(); }).join();
    EXPECT_FALSE(other_thread);
    {
      wick::detect_anomaly inner;
      EXPECT_TRUE(wick::is_anomaly_enabled());
    }
    EXPECT_TRUE(wick::is_anomaly_enabled());
  }
  EXPECT_FALSE(wick::is_anomaly_enabled());
}

TEST(DetectAnomaly, FiniteGradientsPassAndMatchTheUncheckedRun) {
  Tensor x = wick::from_vector<double>({0.5, 1.5, 2.5}, {3}).requires_grad_(true);
  {
    wick::detect_anomaly guard;
    (wick::exp(x) * x).sum().backward();
  }
  const std::vector<double> g = x.grad().to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    const double v = 0.5 + static_cast<double>(i);
    EXPECT_DOUBLE_EQ(g[i], std::exp(v) * (1 + v));
  }
}

TEST(DetectAnomaly, AutogradGradIsCheckedToo) {
  Tensor x = wick::from_vector<float>({0.0f}, {1}).requires_grad_(true);
  Tensor y = wick::sqrt(x).sum();
  wick::detect_anomaly guard;
  expect_has(backward_error([&] { wick::autograd::grad({y}, {x}); }), {"SqrtBackward", "Inf"});
}

}  // namespace
