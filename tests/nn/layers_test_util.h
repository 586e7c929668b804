#pragma once
// Shared by tests/nn/layers_*_test.cpp and init_test.cpp: PyTorch fixtures
// from tests/data/layers/ (written by tests/reference/make_layer_fixtures.py)
// and a closeness check that reports the worst element.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "wick/wick.h"

namespace wick::testing {

// An activation under test: its fixture's name and the layer as a function.
struct ActCase {
  const char* name;
  std::function<Tensor(const Tensor&)> fn;
};

inline Tensor layer_fixture(const std::string& name) {
  return load_npy(std::string(WICK_TEST_DATA_DIR) + "/layers/" + name + ".npy");
}

inline ::testing::AssertionResult close_to(const Tensor& got, const Tensor& want, double rtol, double atol) {
  if (got.sizes() != want.sizes())
    return ::testing::AssertionFailure() << "shape " << shape_str(got.sizes()) << " vs " << shape_str(want.sizes());
  auto g = got.detach().cpu().to(kFloat64).contiguous().to_vector<double>();
  auto w = want.detach().cpu().to(kFloat64).contiguous().to_vector<double>();
  size_t worst = 0;
  double worst_excess = -1e300;
  for (size_t i = 0; i < g.size(); ++i) {
    double excess = std::abs(g[i] - w[i]) - (atol + rtol * std::abs(w[i]));
    if (std::isnan(g[i]) != std::isnan(w[i])) excess = 1e300;
    if (excess > worst_excess) worst_excess = excess, worst = i;
  }
  if (g.empty() || worst_excess <= 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "element " << worst << ": got " << g[worst] << ", want " << w[worst]
                                       << " (rtol " << rtol << ", atol " << atol << ")";
}

}  // namespace wick::testing
