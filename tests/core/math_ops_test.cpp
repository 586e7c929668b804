// The math functions (sin ... erfinv, floor/ceil/round/trunc/frac, isnan and
// friends, nan_to_num, atan2, fmod, remainder) against PyTorch 1.13.
//
// tests/reference/make_math_fixtures.py computes every expected value with
// PyTorch and writes tests/data/math/ (inputs, outputs, gradients of
// sum(w * out), one manifest line per case). Each case is replayed here
// through wick's public API: dtype and shape exactly, integers and bools
// exactly, floats within a relative tolerance, NaN meeting NaN, infinities
// and the sign of zero exactly. To change a case, change the script and rerun
// it; never paste wick's output into the fixtures.
//
// Then: wick's finite-difference gradcheck in float64, float32 against
// float64 over many inputs (the vectorized loops, measured in ulps), and the
// errors.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "core/expect_error.h"
#include "wick/wick.h"

namespace wick {
namespace {

const std::string kMathDir = std::string(WICK_TEST_DATA_DIR) + "/math/";

struct MathCase {
  std::string name, op;
  std::map<std::string, std::string> keys;

  bool has(const std::string& k) const { return keys.count(k) != 0; }
  double num(const std::string& k) const { return std::stod(keys.at(k)); }
  std::optional<double> opt(const std::string& k) const {
    if (!has(k)) return std::nullopt;
    return num(k);
  }
  bool exists(const std::string& suffix) const { return std::ifstream(kMathDir + name + "." + suffix + ".npy").good(); }
  Tensor load(const std::string& suffix) const { return load_npy(kMathDir + name + "." + suffix + ".npy"); }
};

const std::vector<MathCase>& math_cases() {
  static const std::vector<MathCase> all = [] {
    std::vector<MathCase> out;
    std::ifstream file(kMathDir + "manifest.txt");
    for (std::string line; std::getline(file, line);) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream words(line);
      MathCase c;
      words >> c.name >> c.op;
      for (std::string kv; words >> kv;) c.keys[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
      out.push_back(std::move(c));
    }
    if (out.empty()) throw std::runtime_error("no cases in " + kMathDir + "manifest.txt; run make_math_fixtures.py");
    return out;
  }();
  return all;
}

Tensor view_for(const Tensor& t, const MathCase& c) {
  if (!c.has("view")) return t;
  if (c.keys.at("view") == "t") return t.t();
  if (c.keys.at("view") == "step") return t.slice(0, std::nullopt, std::nullopt, 2);
  throw std::runtime_error(c.name + ": unknown view");
}

// ---- the op table: name -> call through wick's public API ----
using Args = std::vector<Tensor>;
using MathFn = std::function<Tensor(const Args&, const MathCase&)>;

const std::map<std::string, MathFn>& unary_table() {
  static const std::map<std::string, MathFn> table = [] {
    std::map<std::string, MathFn> m;
    using F = Tensor (*)(const Tensor&);
    const std::pair<const char*, F> fns[] = {
        {"sin", sin},     {"cos", cos},       {"tan", tan},           {"atan", atan},         {"sinh", sinh},
        {"cosh", cosh},   {"expm1", expm1},   {"exp2", exp2},         {"log2", log2},         {"log10", log10},
        {"rsqrt", rsqrt}, {"erf", erf},       {"erfc", erfc},         {"erfinv", erfinv},     {"floor", floor},
        {"ceil", ceil},   {"trunc", trunc},   {"frac", frac},         {"isnan", isnan},       {"isinf", isinf},
        {"isposinf", isposinf}, {"isneginf", isneginf},
    };
    for (const auto& [name, fn] : fns) m[name] = [f = fn](const Args& x, const MathCase&) { return f(x[0]); };
    m["round"] = [](const Args& x, const MathCase& c) {
      return round(x[0], c.has("decimals") ? static_cast<int64_t>(c.num("decimals")) : 0);
    };
    m["nan_to_num"] = [](const Args& x, const MathCase& c) {
      return nan_to_num(x[0], c.opt("nan").value_or(0), c.opt("posinf"), c.opt("neginf"));
    };
    return m;
  }();
  return table;
}

const std::map<std::string, MathFn>& binary_table() {
  static const std::map<std::string, MathFn> table = [] {
    std::map<std::string, MathFn> m;
    m["atan2"] = [](const Args& x, const MathCase&) { return atan2(x[0], x[1]); };
    m["fmod"] = [](const Args& x, const MathCase& c) {
      return c.has("scalar") ? fmod(x[0], c.num("scalar")) : fmod(x[0], x[1]);
    };
    m["remainder"] = [](const Args& x, const MathCase& c) {
      if (!c.has("scalar")) return remainder(x[0], x[1]);
      return c.has("scalar_first") ? remainder(c.num("scalar"), x[0]) : remainder(x[0], c.num("scalar"));
    };
    return m;
  }();
  return table;
}

// Same dtype and shape; ints and bools exactly; floats within rtol (plus
// atol), NaN meets NaN, infinities and the sign of a zero must match.
::testing::AssertionResult same_values(const Tensor& got, const Tensor& want, double rtol, double atol) {
  if (got.dtype() != want.dtype() || got.sizes() != want.sizes())
    return ::testing::AssertionFailure() << "got " << got.describe() << ", PyTorch gives " << want.describe();
  if (!is_floating(want.dtype())) {
    if (!equal(got, want)) return ::testing::AssertionFailure() << "got " << got << "\nPyTorch " << want;
    return ::testing::AssertionSuccess();
  }
  const auto g = got.contiguous().to(kFloat64).to_vector<double>(), w = want.to(kFloat64).to_vector<double>();
  for (size_t k = 0; k < w.size(); ++k) {
    bool ok;
    if (std::isnan(w[k])) ok = std::isnan(g[k]);
    else if (std::isinf(w[k]) || w[k] == 0) ok = g[k] == w[k] && std::signbit(g[k]) == std::signbit(w[k]);
    else ok = std::fabs(g[k] - w[k]) <= atol + rtol * std::fabs(w[k]);
    if (!ok)
      return ::testing::AssertionFailure() << "element " << k << ": wick " << g[k] << " vs PyTorch " << w[k]
                                           << std::hexfloat << " (" << g[k] << " vs " << w[k] << ")";
  }
  return ::testing::AssertionSuccess();
}

// Replays every case of `table`'s ops; returns how many ran.
int replay(const std::map<std::string, MathFn>& table) {
  int ran = 0;
  for (const MathCase& c : math_cases()) {
    if (!table.count(c.op)) continue;
    SCOPED_TRACE(c.name);
    const bool grad = c.has("grad");
    Args base;
    for (int i = 0; c.exists("in" + std::to_string(i)); ++i) {
      base.push_back(c.load("in" + std::to_string(i)));
      if (grad) base.back().requires_grad_(true);
    }
    Args args;
    for (const Tensor& b : base) args.push_back(view_for(b, c));
    Tensor out = table.at(c.op)(args, c);
    const bool f32 = out.dtype() == kFloat32;
    const double rtol = c.has("rtol") ? c.num("rtol") : f32 ? 4e-6 : 1e-13;
    const double atol = c.has("atol") ? c.num("atol") : 0;
    EXPECT_TRUE(same_values(out, c.load("out0"), rtol, atol)) << "output";
    if (grad) {
      (out * c.load("w")).sum().backward();
      for (size_t i = 0; i < base.size(); ++i) {
        Tensor got = base[i].grad().defined() ? base[i].grad() : zeros_like(base[i]);
        EXPECT_TRUE(same_values(got, c.load("grad" + std::to_string(i)), f32 ? 1e-5 : 1e-12, 1e-12))
            << "gradient of input " << i;
      }
    }
    ++ran;
  }
  return ran;
}

TEST(MathOps, UnaryMatchPyTorch) { EXPECT_GT(replay(unary_table()), 200); }
TEST(MathOps, BinaryMatchPyTorch) { EXPECT_GT(replay(binary_table()), 60); }

TEST(MathOps, EveryFixtureCaseHasAHandler) {
  for (const MathCase& c : math_cases())
    EXPECT_EQ(unary_table().count(c.op) + binary_table().count(c.op), 1u) << c.name << " (" << c.op << ")";
}

// ---- gradients against wick's own finite differences (float64) ----

TEST(MathOps, GradcheckUnary) {
  struct G {
    const char* name;
    Tensor (*f)(const Tensor&);
    double lo, hi;
  };
  const G cases[] = {
      {"sin", sin, -4, 4},       {"cos", cos, -4, 4},       {"tan", tan, -1.2, 1.2},   {"atan", atan, -4, 4},
      {"sinh", sinh, -3, 3},     {"cosh", cosh, -3, 3},     {"expm1", expm1, -3, 3},   {"exp2", exp2, -3, 3},
      {"log2", log2, 0.2, 5},    {"log10", log10, 0.2, 5},  {"rsqrt", rsqrt, 0.2, 5},  {"erf", erf, -3, 3},
      {"erfc", erfc, -3, 3},     {"erfinv", erfinv, -0.9, 0.9}, {"frac", frac, 0.1, 0.9},
      {"floor", floor, 0.1, 0.9}, {"round", [](const Tensor& x) { return round(x); }, 0.1, 0.4},
  };
  manual_seed(7);
  for (const G& g : cases) {
    Tensor x = (rand({3, 4}, {.dtype = kFloat64}) * (g.hi - g.lo) + g.lo).requires_grad_();
    auto f = g.f;
    auto r = testing::gradcheck(g.name, [f](const std::vector<Tensor>& in) { return f(in[0]); }, {x});
    EXPECT_TRUE(r.ok) << r.message;
  }
}

TEST(MathOps, GradcheckBinaryBroadcast) {
  manual_seed(8);
  // a in [0.2, 0.8] + 2k, b in +-[1.05, 1.45]: a / b stays off the integers,
  // where fmod and remainder jump.
  Tensor a = (rand({3, 4}, {.dtype = kFloat64}) * 0.6 + 0.2 + 2.0).requires_grad_();
  Tensor b = (rand({4}, {.dtype = kFloat64}) * 0.4 + 1.05).requires_grad_();
  Tensor bn = (b.detach() * -1.0).requires_grad_();
  for (const auto& [name, f] : std::vector<std::pair<std::string, std::function<Tensor(const Tensor&, const Tensor&)>>>{
           {"atan2", [](const Tensor& x, const Tensor& y) { return atan2(x, y); }},
           {"fmod", [](const Tensor& x, const Tensor& y) { return fmod(x, y); }},
           {"remainder", [](const Tensor& x, const Tensor& y) { return remainder(x, y); }}}) {
    for (const Tensor& d : {b, bn}) {
      auto r = testing::gradcheck(name, [f = f](const std::vector<Tensor>& in) { return f(in[0], in[1]); }, {a, d});
      EXPECT_TRUE(r.ok) << r.message;
    }
  }
}

TEST(MathOps, NanToNumGradientIsZeroWhereReplaced) {
  Tensor x = tensor({1.0, NAN, INFINITY, -INFINITY, -2.0}, {.dtype = kFloat64}).requires_grad_();
  nan_to_num(x).sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 0, 0, 0, 1}));
}

// ---- float32 against float64 over many inputs: the vectorized loops and
// the accuracy the header promises (ulps of the float32 result) ----

int64_t ulp_distance(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0 : INT64_MAX;
  auto key = [](float f) {
    const int32_t i = std::bit_cast<int32_t>(f);
    return i < 0 ? int64_t{INT32_MIN} - i : int64_t{i};
  };
  return std::llabs(key(a) - key(b));
}

TEST(MathOps, Float32WithinUlpsOfFloat64) {
  struct U {
    const char* name;
    Tensor (*f)(const Tensor&);
    double lo, hi;
    int64_t max_ulp;
  };
  const U cases[] = {
      {"sin", sin, -20, 20, 2},      {"cos", cos, -20, 20, 2},     {"tan", tan, -1.5, 1.5, 2},
      {"atan", atan, -50, 50, 2},    {"sinh", sinh, -80, 80, 2},   {"cosh", cosh, -80, 80, 2},
      {"expm1", expm1, -20, 20, 3},  {"expm1_small", expm1, -0.6, 0.6, 3},
      {"exp2", exp2, -120, 120, 2},  {"log2", log2, 0, 1e6, 2},    {"log10", log10, 0, 1e6, 2},
      {"rsqrt", rsqrt, 0, 1e4, 2},   {"erf", erf, -4, 4, 2},       {"erfc", erfc, -3, 9, 4},
      {"erfinv", erfinv, -1, 1, 2},  {"floor", floor, -1e3, 1e3, 0}, {"ceil", ceil, -1e3, 1e3, 0},
      {"trunc", trunc, -1e3, 1e3, 0}, {"frac", frac, -1e3, 1e3, 0},
      {"round", [](const Tensor& x) { return round(x); }, -1e3, 1e3, 0},
  };
  manual_seed(9);
  for (const U& u : cases) {
    // 100003 elements: many vector bodies plus a tail, and big enough to split across threads.
    Tensor x = rand({100003}) * (u.hi - u.lo) + u.lo;
    const auto got = u.f(x).to_vector<float>();
    const auto want = u.f(x.to(kFloat64)).to(kFloat32).to_vector<float>();
    int64_t worst = 0;
    size_t at = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      const int64_t d = ulp_distance(got[i], want[i]);
      if (d > worst) worst = d, at = i;
    }
    RecordProperty(std::string("max_ulp_") + u.name, static_cast<int>(worst));  // --gtest_output=xml shows it
    EXPECT_LE(worst, u.max_ulp) << u.name << " at x = " << x.to_vector<float>()[at] << ": " << got[at] << " vs "
                                << want[at];
  }
}

// ---- dtypes, methods, special rules ----

TEST(MathOps, TensorMethodsForwardToTheFunctions) {
  Tensor x = tensor({-2.5, -0.5, 0.3, 1.5, 2.5});
  EXPECT_TRUE(equal(x.sin(), sin(x)));
  EXPECT_TRUE(equal(x.erf(), erf(x)));
  EXPECT_TRUE(equal(x.round(), tensor({-2.0, -0.0, 0.0, 2.0, 2.0})));
  EXPECT_TRUE(equal(x.round(1), round(x, 1)));
  EXPECT_TRUE(equal(x.floor(), floor(x)));
  EXPECT_TRUE(equal(x.frac(), frac(x)));
  EXPECT_TRUE(equal(x.fmod(2.0), fmod(x, 2.0)));
  EXPECT_TRUE(equal(x.remainder(x.abs() + 1.0), remainder(x, x.abs() + 1.0)));
  EXPECT_TRUE(equal(x.atan2(x), atan2(x, x)));
  EXPECT_TRUE(equal(x.isnan(), zeros({5}, {.dtype = kBool})));
  EXPECT_TRUE(equal(x.log().nan_to_num(9.0), nan_to_num(x.log(), 9.0)));
}

TEST(MathOps, IntegerRemainderOfMinByMinusOneIsZero) {
  // PyTorch's CPU kernel dies of SIGFPE here; wick's gives the exact 0.
  Tensor a = tensor({std::numeric_limits<int64_t>::min(), int64_t{-7}});
  Tensor b = full({2}, -1, {.dtype = kInt64});
  EXPECT_EQ(fmod(a, b).to_vector<int64_t>(), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(remainder(a, b).to_vector<int64_t>(), (std::vector<int64_t>{0, 0}));
}

TEST(MathOps, RoundingDoesNotRecordAGradientForIntegers) {
  Tensor i = tensor({3, -4});
  EXPECT_EQ(floor(i).dtype(), kInt64);
  EXPECT_EQ(round(i).to_vector<int64_t>(), (std::vector<int64_t>{3, -4}));
  Tensor f = tensor({0.7}).requires_grad_();
  Tensor y = ceil(f);
  EXPECT_TRUE(y.requires_grad());
  y.sum().backward();
  EXPECT_EQ(f.grad().item(), 0.0);
}

// ---- errors ----

TEST(MathOps, Errors) {
  Tensor flags = tensor({true, false});
  Tensor ints = tensor({5, -3});
  EXPECT_WICK_ERROR(floor(flags), {"floor", "bool"});
  EXPECT_WICK_ERROR(round(flags), {"round", "bool"});
  EXPECT_WICK_ERROR(trunc(flags), {"trunc", "bool"});
  EXPECT_WICK_ERROR(frac(ints), {"frac", "int64", "floating-point"});
  EXPECT_WICK_ERROR(round(ints, 1), {"round", "decimals=1", "int64"});
  EXPECT_WICK_ERROR(fmod(ints, tensor({2, 0})), {"fmod", "division by zero", "ZeroDivisionError"});
  EXPECT_WICK_ERROR(remainder(ints, 0.0), {"remainder", "division by zero"});
  EXPECT_WICK_ERROR(remainder(7.0, tensor({0, 1})), {"remainder", "division by zero"});
  EXPECT_WICK_ERROR(fmod(flags, flags), {"fmod", "bool"});
  EXPECT_WICK_ERROR(atan2(tensor({1.0, 2.0}), tensor({1.0, 2.0, 3.0})), {"atan2", "[2]", "[3]"});
  EXPECT_WICK_ERROR(sin(Tensor()), {"sin"});
  // A float zero divisor is no error: NaN, as PyTorch.
  EXPECT_TRUE(std::isnan(fmod(tensor({1.0}), 0.0).item()));
}

}  // namespace
}  // namespace wick
