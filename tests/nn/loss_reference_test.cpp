// Losses checked against PyTorch 1.13: the value and the gradients (input
// and, where it is a float tensor, target) of every case in
// tests/data/loss/manifest.txt, written by tests/reference/make_loss_fixtures.py.
// Each case runs three ways where they exist: the function, the module, and
// the composed (device-generic) form of the fused CPU kernels.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "wick/nn/loss.h"
#include "wick/wick.h"

namespace {

using namespace wick;
namespace F = wick::nn::functional;

const std::string kDir = std::string(WICK_TEST_DATA_DIR) + "/loss/";

struct Case {
  std::string name, fn;
  std::map<std::string, std::string> args;
  bool has(const std::string& k) const { return args.count(k) != 0; }
  std::string str(const std::string& k, const std::string& def = "") const { return has(k) ? args.at(k) : def; }
  double num(const std::string& k, double def) const { return has(k) ? std::stod(args.at(k)) : def; }
  Tensor load(const std::string& kind) const { return load_npy(kDir + name + "." + kind + ".npy"); }
};

std::vector<Case> read_manifest() {
  std::vector<Case> cases;
  std::ifstream in(kDir + "manifest.txt");
  EXPECT_TRUE(in.good()) << "missing " << kDir << "manifest.txt";
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    std::istringstream ss(line);
    Case c;
    ss >> c.name >> c.fn;
    for (std::string kv; ss >> kv;) {
      auto eq = kv.find('=');
      c.args[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    cases.push_back(c);
  }
  return cases;
}

// One way of computing the loss.
using LossFn = std::function<Tensor(const Case&, const Tensor& x, const Tensor& t)>;

nn::Reduction reduction_of(const Case& c) { return nn::Reduction(c.str("reduction", "mean")); }
Tensor opt_tensor(const Case& c, const char* key) { return c.has(key) ? c.load(key) : Tensor(); }

nn::CrossEntropyLossOptions ce_options(const Case& c) {
  return {.weight = opt_tensor(c, "weight"),
          .ignore_index = static_cast<int64_t>(c.num("ignore_index", -100)),
          .reduction = reduction_of(c),
          .label_smoothing = c.num("label_smoothing", 0.0)};
}
nn::BCEWithLogitsLossOptions bcel_options(const Case& c) {
  return {.weight = opt_tensor(c, "weight"), .reduction = reduction_of(c), .pos_weight = opt_tensor(c, "pos_weight")};
}

// The functional form, by name.
Tensor run_function(const Case& c, const Tensor& x, const Tensor& t) {
  const std::string& f = c.fn;
  if (f == "mse_loss") return F::mse_loss(x, t, {.reduction = reduction_of(c)});
  if (f == "l1_loss") return F::l1_loss(x, t, {.reduction = reduction_of(c)});
  if (f == "huber_loss") return F::huber_loss(x, t, {.reduction = reduction_of(c), .delta = c.num("delta", 1.0)});
  if (f == "smooth_l1_loss") return F::smooth_l1_loss(x, t, {.reduction = reduction_of(c), .beta = c.num("beta", 1.0)});
  if (f == "binary_cross_entropy")
    return F::binary_cross_entropy(x, t, {.weight = opt_tensor(c, "weight"), .reduction = reduction_of(c)});
  if (f == "binary_cross_entropy_with_logits") return F::binary_cross_entropy_with_logits(x, t, bcel_options(c));
  if (f == "cross_entropy") return F::cross_entropy(x, t, ce_options(c));
  if (f == "nll_loss")
    return F::nll_loss(x, t, {.weight = opt_tensor(c, "weight"),
                              .ignore_index = static_cast<int64_t>(c.num("ignore_index", -100)),
                              .reduction = reduction_of(c)});
  if (f == "kl_div") return F::kl_div(x, t, {.reduction = reduction_of(c), .log_target = c.str("log_target") == "1"});
  ADD_FAILURE() << c.name << ": no handler for " << f;
  return Tensor();
}

// The module form, by name.
Tensor run_module(const Case& c, const Tensor& x, const Tensor& t) {
  const std::string& f = c.fn;
  if (f == "mse_loss") return nn::MSELoss({.reduction = reduction_of(c)})(x, t);
  if (f == "l1_loss") return nn::L1Loss({.reduction = reduction_of(c)})(x, t);
  if (f == "huber_loss") return nn::HuberLoss({.reduction = reduction_of(c), .delta = c.num("delta", 1.0)})(x, t);
  if (f == "smooth_l1_loss")
    return nn::SmoothL1Loss({.reduction = reduction_of(c), .beta = c.num("beta", 1.0)})(x, t);
  if (f == "binary_cross_entropy")
    return nn::BCELoss({.weight = opt_tensor(c, "weight"), .reduction = reduction_of(c)})(x, t);
  if (f == "binary_cross_entropy_with_logits") return nn::BCEWithLogitsLoss(bcel_options(c))(x, t);
  if (f == "cross_entropy") return nn::CrossEntropyLoss(ce_options(c))(x, t);
  if (f == "nll_loss")
    return nn::NLLLoss({.weight = opt_tensor(c, "weight"),
                        .ignore_index = static_cast<int64_t>(c.num("ignore_index", -100)),
                        .reduction = reduction_of(c)})(x, t);
  if (f == "kl_div") return nn::KLDivLoss({.reduction = reduction_of(c), .log_target = c.str("log_target") == "1"})(x, t);
  ADD_FAILURE() << c.name << ": no handler for " << f;
  return Tensor();
}

// Max violation of |a - e| <= atol + rtol |e| (NaN must match NaN).
::testing::AssertionResult close(const std::string& what, const Tensor& actual, const Tensor& expected, double rtol,
                                 double atol) {
  if (!actual.defined()) return ::testing::AssertionFailure() << what << ": no tensor";
  if (actual.sizes() != expected.sizes())
    return ::testing::AssertionFailure() << what << ": shape " << shape_str(actual.sizes()) << " vs expected "
                                         << shape_str(expected.sizes());
  if (actual.dtype() != expected.dtype())
    return ::testing::AssertionFailure() << what << ": dtype " << dtype_name(actual.dtype()) << " vs expected "
                                         << dtype_name(expected.dtype());
  auto a = actual.to(kFloat64).contiguous().to_vector<double>();
  auto e = expected.to(kFloat64).contiguous().to_vector<double>();
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(e[i]) && std::isnan(a[i])) continue;
    if (!(std::abs(a[i] - e[i]) <= atol + rtol * std::abs(e[i])))
      return ::testing::AssertionFailure() << what << ": element " << i << " is " << a[i] << ", PyTorch " << e[i];
  }
  return ::testing::AssertionSuccess();
}

void check_case(const Case& c, const LossFn& fn, const std::string& how) {
  SCOPED_TRACE(c.name + " (" + how + ")");
  const bool f64 = c.str("dtype") == "float64";
  const double rtol = f64 ? 1e-6 : 1e-5, atol = f64 ? 1e-12 : 1e-6;
  Tensor x = c.load("input").requires_grad_();
  Tensor t = c.load("target");
  const bool tgrad = c.has("tgrad");
  if (tgrad) t.requires_grad_();
  Tensor out = fn(c, x, t);
  ASSERT_TRUE(out.defined());
  EXPECT_TRUE(close("loss", out, c.load("out"), rtol, atol));
  std::vector<Tensor> inputs{x};
  if (tgrad) inputs.push_back(t);
  auto grads = autograd::grad({out}, inputs, {c.load("gout")});
  EXPECT_TRUE(close("grad wrt input", grads[0], c.load("grad"), rtol, atol));
  if (tgrad) EXPECT_TRUE(close("grad wrt target", grads[1], c.load("tgrad"), rtol, atol));
}

TEST(LossReference, EveryCaseMatchesPyTorch) {
  auto cases = read_manifest();
  ASSERT_GE(cases.size(), 150u);
  std::map<std::string, int> per_fn;
  for (const Case& c : cases) {
    check_case(c, run_function, "function");
    ++per_fn[c.fn];
  }
  // Every loss is covered.
  for (const char* f : {"mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
                        "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "kl_div"})
    EXPECT_GT(per_fn[f], 0) << f;
}

TEST(LossReference, ModulesMatchPyTorch) {
  for (const Case& c : read_manifest()) check_case(c, run_module, "module");
}

// The composed forms are what non-CPU devices run: they must match PyTorch
// as the fused CPU kernels do.
TEST(LossReference, ComposedFallbacksMatchPyTorch) {
  int n = 0;
  for (const Case& c : read_manifest()) {
    if (c.fn == "cross_entropy" && !is_floating(c.load("target").dtype())) {
      check_case(c, [](const Case& k, const Tensor& x, const Tensor& t) {
        return nn::detail::cross_entropy_composed(x, t, ce_options(k));
      }, "composed");
      ++n;
    }
    if (c.fn == "binary_cross_entropy_with_logits") {
      check_case(c, [](const Case& k, const Tensor& x, const Tensor& t) {
        return nn::detail::bce_with_logits_composed(x, t, bcel_options(k));
      }, "composed");
      ++n;
    }
  }
  EXPECT_GT(n, 40);
}

}  // namespace
