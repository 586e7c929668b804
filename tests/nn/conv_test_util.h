#pragma once
// Shared by the tests of the 2-D layers (layers_conv_test.cpp,
// layers_pool_options_test.cpp): the PyTorch fixtures in tests/data/conv/,
// written by tests/reference/make_conv_fixtures.py, and one check that runs
// a case forward and backward against them.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <string>

#include "nn/layers_test_util.h"
#include "nn/patches.h"
#include "wick/wick.h"

namespace wick::testing::conv {

inline std::string conv_path(const std::string& name) {
  return std::string(WICK_TEST_DATA_DIR) + "/conv/" + name + ".npy";
}
inline Tensor conv_fixture(const std::string& name) { return load_npy(conv_path(name)); }

// The call's arguments, stored next to the case so the test cannot drift
// from the script: int64 [kh, kw, sh, sw, ph, pw, dh, dw], and for pools
// with other options than PyTorch's defaults [ceil_mode, count_include_pad,
// divisor_override or 0], for convolutions with groups or a padding string
// [groups, padding: 0 numbers, 1 "same", 2 "valid"].
struct Args {
  nn::Size2 kernel = 1, stride = 1, padding = 0, dilation = 1;
  bool ceil_mode = false, count_include_pad = true;
  std::optional<int64_t> divisor_override;
  int64_t groups = 1;
  nn::Padding2 conv_padding = 0;  // `padding`, or "same" / "valid"
};
inline Args read_args(const std::string& c) {
  auto v = conv_fixture(c + ".args").to_vector<int64_t>();
  Args a{{v[0], v[1]}, {v[2], v[3]}, {v[4], v[5]}, {v[6], v[7]}};
  if (std::filesystem::exists(conv_path(c + ".opts"))) {
    auto o = conv_fixture(c + ".opts").to_vector<int64_t>();
    a.ceil_mode = o[0] != 0;
    a.count_include_pad = o[1] != 0;
    if (o[2] != 0) a.divisor_override = o[2];
  }
  a.conv_padding = a.padding;
  if (std::filesystem::exists(conv_path(c + ".convopts"))) {
    auto o = conv_fixture(c + ".convopts").to_vector<int64_t>();
    a.groups = o[0];
    if (o[1] == 1) a.conv_padding = nn::Padding2::same();
    if (o[1] == 2) a.conv_padding = nn::Padding2::valid();
  }
  return a;
}

// float64 agrees with PyTorch to rounding; float32 sums in another order.
struct Tol {
  double rtol, atol;
};
inline Tol tol_for(const Tensor& t) { return t.dtype() == kFloat64 ? Tol{1e-10, 1e-12} : Tol{2e-5, 2e-5}; }

using Op = std::function<Tensor(const Tensor&, const Args&)>;

// y = op(x) and d(sum(y * gy))/dx against the fixture, through autograd.
inline void check_case(const std::string& c, const Op& op) {
  SCOPED_TRACE(c);
  const Args a = read_args(c);
  Tensor x = conv_fixture(c + ".x").requires_grad_();
  const Tol t = tol_for(x);
  Tensor y = op(x, a);
  EXPECT_EQ(y.dtype(), x.dtype());
  EXPECT_TRUE(close_to(y, conv_fixture(c + ".y"), t.rtol, t.atol));
  y.backward(conv_fixture(c + ".gy"));
  ASSERT_TRUE(x.grad().defined());
  EXPECT_TRUE(close_to(x.grad(), conv_fixture(c + ".dx"), t.rtol, t.atol));
}

// The pools with every option the case gives.
inline Tensor max_pool(const Tensor& x, const Args& a) {
  return nn::functional::max_pool2d(x, a.kernel, a.stride, a.padding, a.dilation, a.ceil_mode);
}
inline Tensor avg_pool(const Tensor& x, const Args& a) {
  return nn::functional::avg_pool2d(x, a.kernel, a.stride, a.padding, a.ceil_mode, a.count_include_pad,
                                    a.divisor_override);
}

// What max_pool2d runs off the CPU (pooling.cpp): each plane's windows from
// the composed patches, padded with -inf and padding last in each row,
// reduced by max(dim). Run here on CPU tensors, it must match PyTorch as the
// CPU kernel does, ties and NaN included, so both devices route the
// gradient alike.
inline Tensor composed_max_pool(const Tensor& input, const Args& a) {
  const Tensor x = nn::detail::as_batch(input);
  const Tensor planes = x.reshape({x.size(0) * x.size(1), 1, x.size(2), x.size(3)});
  const auto g =
      nn::detail::patch_geometry("max_pool2d", planes, a.kernel, a.stride, a.padding, a.dilation, a.ceil_mode);
  const Tensor rows =
      nn::detail::patches_composed(planes, g, -std::numeric_limits<double>::infinity(), /*pads_last=*/true);
  return nn::detail::from_batch(max(rows, 2).values.reshape({x.size(0), x.size(1), g.oh, g.ow}), input);
}

}  // namespace wick::testing::conv
