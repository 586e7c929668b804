#pragma once
// The PyTorch 1.13 fixtures of tests/reference/make_sort_fixtures.py
// (tests/data/sort/): manifest parsing, the view specs, and one runner that
// replays a case through wick and compares outputs (and, with grad=1, the
// gradient of sum(w * out0)) with PyTorch's. Used by sort_test.cpp,
// cumulative_test.cpp and reduce_more_test.cpp, each for its own ops.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "wick/wick.h"

namespace wick::sort_fixtures {

inline const std::string kDir = std::string(WICK_TEST_DATA_DIR) + "/sort/";

struct Case {
  std::string name, op;
  std::map<std::string, std::string> keys;

  bool has(const std::string& k) const { return keys.count(k) != 0; }
  const std::string& at(const std::string& k) const {
    auto it = keys.find(k);
    if (it == keys.end()) throw std::runtime_error(name + ": no key " + k);
    return it->second;
  }
  int64_t i(const std::string& k) const { return std::stoll(at(k)); }
  bool b(const std::string& k) const { return has(k) && at(k) == "1"; }
  double p() const {
    const std::string& v = at("p");
    if (v == "inf") return std::numeric_limits<double>::infinity();
    if (v == "-inf") return -std::numeric_limits<double>::infinity();
    return std::stod(v);
  }
  Shape dims() const {  // "all" (or no key): the empty list
    Shape out;
    if (!has("dims") || at("dims") == "all") return out;
    std::stringstream ss(at("dims"));
    for (std::string d; std::getline(ss, d, ',');) out.push_back(std::stoll(d));
    return out;
  }
  Tensor load(const std::string& suffix) const { return load_npy(kDir + name + "." + suffix + ".npy"); }
};

// Every case of the manifest, read once.
inline const std::vector<Case>& manifest() {
  static const std::vector<Case> all = [] {
    std::vector<Case> out;
    std::ifstream file(kDir + "manifest.txt");
    std::string line;
    while (std::getline(file, line)) {
      std::istringstream words(line);
      Case c;
      if (!(words >> c.name >> c.op) || c.name[0] == '#') continue;
      for (std::string kv; words >> kv;) {
        const size_t eq = kv.find('=');
        c.keys[kv.substr(0, eq)] = kv.substr(eq + 1);
      }
      out.push_back(std::move(c));
    }
    if (out.empty())
      throw std::runtime_error("no cases in " + kDir + "manifest.txt; run tests/reference/make_sort_fixtures.py");
    return out;
  }();
  return all;
}

inline std::vector<Case> cases_of(std::initializer_list<const char*> ops) {
  std::vector<Case> out;
  for (const Case& c : manifest())
    for (const char* op : ops)
      if (c.op == op) out.push_back(c);
  return out;
}

inline Tensor view_of(const Tensor& base, const Case& c) {
  if (!c.has("view")) return base;
  if (c.at("view") == "t") return base.transpose(0, 1);
  if (c.at("view") == "step") return base.slice(0, std::nullopt, std::nullopt, 2);
  throw std::runtime_error(c.name + ": unknown view " + c.at("view"));
}

// Same shape and dtype; floats within atol + rtol |want| (NaN meets NaN,
// infinities must be equal), everything else exactly.
inline ::testing::AssertionResult matches(const Tensor& got, const Tensor& want, double rtol, double atol) {
  if (got.sizes() != want.sizes() || got.dtype() != want.dtype())
    return ::testing::AssertionFailure() << "got " << got.describe() << ", PyTorch gives " << want.describe();
  if (!is_floating(want.dtype())) {
    const auto g = got.to(kInt64).to_vector<int64_t>(), w = want.to(kInt64).to_vector<int64_t>();
    for (size_t k = 0; k < w.size(); ++k)
      if (g[k] != w[k]) return ::testing::AssertionFailure() << "element " << k << ": " << g[k] << " vs " << w[k];
    return ::testing::AssertionSuccess();
  }
  const auto g = got.to(kFloat64).to_vector<double>(), w = want.to(kFloat64).to_vector<double>();
  for (size_t k = 0; k < w.size(); ++k) {
    const bool same = (std::isnan(g[k]) && std::isnan(w[k])) || g[k] == w[k] ||
                      (std::isfinite(w[k]) && std::fabs(g[k] - w[k]) <= atol + rtol * std::fabs(w[k]));
    if (!same) return ::testing::AssertionFailure() << "element " << k << ": " << g[k] << " vs PyTorch " << w[k];
  }
  return ::testing::AssertionSuccess();
}

using Outputs = std::vector<Tensor>;
using OpFn = std::function<Outputs(const Tensor&, const Case&)>;

// Runs every case of `table`'s ops; `check_output(c, i)` false skips output
// i's exact comparison (a topk's tie order). Returns how many cases ran.
inline int run_cases(const std::map<std::string, OpFn>& table,
                     const std::function<bool(const Case&, size_t)>& check_output = {}) {
  int ran = 0;
  std::vector<Case> all;
  for (const auto& [op, fn] : table)
    for (const Case& c : cases_of({op.c_str()})) all.push_back(c);
  for (const Case& c : all) {
    SCOPED_TRACE(c.name);
    const bool grad = c.b("grad");
    Tensor base = c.load("in");
    if (grad) base.requires_grad_(true);
    Outputs outs = table.at(c.op)(view_of(base, c), c);
    const double rtol = base.dtype() == kFloat32 ? 2e-6 : 1e-12, atol = base.dtype() == kFloat32 ? 1e-6 : 1e-12;
    for (size_t k = 0; k < outs.size(); ++k)
      if (!check_output || check_output(c, k))
        EXPECT_TRUE(matches(outs[k], c.load("out" + std::to_string(k)), rtol, atol)) << "output " << k;
    if (grad) {
      (outs[0] * c.load("w")).sum().backward();
      Tensor want = c.load("grad");
      Tensor got = base.grad().defined() ? base.grad() : zeros_like(base);
      EXPECT_TRUE(matches(got, want, 1e-10, 1e-12)) << "gradient";
    }
    ++ran;
  }
  return ran;
}

}  // namespace wick::sort_fixtures
