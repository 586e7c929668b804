// Conv2d's groups and padding "same" / "valid" against PyTorch 1.13
// (fixtures from tests/reference/make_conv_fixtures.py: the conv_g*,
// conv_depthwise*, conv_same_* and conv_valid* cases): forward and the three
// gradients on every path a CPU tensor can take (oneDNN for float32 when
// built with it, im2col, and the composed form other devices run), the
// module with PyTorch's weights and its printout (PyTorch's repr, stored in
// the fixture), float64 finite differences, the Padding2 spellings, the
// model summary and the errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "core/expect_error.h"
#include "nn/composed_path.h"
#include "nn/conv_cpu.h"
#include "nn/conv_test_util.h"
#include "wick/nn.h"

namespace wick {
namespace {

namespace F = nn::functional;
using nn::Padding2;
using nn::Size2;
using testing::close_to;
using namespace testing::conv;  // NOLINT: the fixture helpers

const char* const kCases[] = {
    "conv_g2_p1",           "conv_depthwise",        "conv_depthwise_x2_s2_nobias", "conv_g2_k32_s21_p12_d21",
    "conv_g3_k1_nobias",    "conv_g2_unbatched",     "conv_g2_f32",                 "conv_depthwise_f32",
    "conv_g4_s2_f32",       "conv_same_k3",          "conv_same_k4",                "conv_same_k23_d32",
    "conv_same_k2_unbatched_nobias", "conv_same_k43_g2", "conv_same_k4_f32",        "conv_same_k34_d2_g2_f32",
    "conv_same_depthwise_k2_f32",    "conv_valid",       "conv_valid_g2_s2_f32"};

enum class Path { Default, Im2col, Composed };
const char* path_name(Path p) { return p == Path::Default ? "default" : p == Path::Im2col ? "im2col" : "composed"; }

bool has_bias(const std::string& c) { return std::filesystem::exists(conv_path(c + ".b")); }

// The weight and bias gradients against the fixture (check_case did y and dx).
void check_param_grads(const std::string& c, const Tensor& w_grad, const Tensor& b_grad) {
  const Tol t = tol_for(w_grad.defined() ? w_grad : conv_fixture(c + ".w"));
  ASSERT_TRUE(w_grad.defined());
  EXPECT_TRUE(close_to(w_grad, conv_fixture(c + ".dw"), t.rtol, t.atol)) << "dw";
  if (has_bias(c)) {
    ASSERT_TRUE(b_grad.defined());
    EXPECT_TRUE(close_to(b_grad, conv_fixture(c + ".db"), t.rtol, t.atol)) << "db";
  }
}

TEST(ConvGroupsReference, FunctionalMatchesPyTorchOnEveryPath) {
  for (const char* c : kCases) {
    for (Path path : {Path::Default, Path::Im2col, Path::Composed}) {
      SCOPED_TRACE(std::string(c) + " on the " + path_name(path) + " path");
      std::optional<nn::detail::ForceIm2colConv> im2col;
      std::optional<nn::detail::ForceComposedPath> composed;
      if (path == Path::Im2col) im2col.emplace();
      if (path == Path::Composed) composed.emplace();
      Tensor w = conv_fixture(std::string(c) + ".w").requires_grad_();
      Tensor b = has_bias(c) ? conv_fixture(std::string(c) + ".b").requires_grad_() : Tensor();
      const uint64_t before = nn::detail::conv_dnnl_count();
      check_case(c, [&](const Tensor& x, const Args& a) {
        EXPECT_TRUE(a.groups != 1 || !a.conv_padding.is_explicit()) << "the case lost its .convopts";
        return F::conv2d(x, w, b, a.stride, a.conv_padding, a.dilation, a.groups);
      });
      check_param_grads(c, w.grad(), b.defined() ? b.grad() : Tensor());
      // float32 by default must really have run on oneDNN (grouped weights,
      // asymmetric padding), not fallen back to im2col.
      const bool want_dnnl = path == Path::Default && w.dtype() == kFloat32 && nn::detail::conv_has_dnnl();
      EXPECT_EQ(nn::detail::conv_dnnl_count(), before + (want_dnnl ? 1 : 0));
    }
  }
}

// The module with PyTorch's weights loaded by name, and PyTorch's repr of
// the same nn.Conv2d.
TEST(ConvGroupsReference, ModuleMatchesPyTorch) {
  for (const char* c : kCases) {
    SCOPED_TRACE(c);
    const Args a = read_args(c);
    const Tensor x = conv_fixture(std::string(c) + ".x"), w = conv_fixture(std::string(c) + ".w");
    nn::Conv2d conv(x.size(-3), w.size(0), a.kernel,
                    {.stride = a.stride, .padding = a.conv_padding, .dilation = a.dilation, .groups = a.groups,
                     .bias = has_bias(c), .dtype = w.dtype()});
    EXPECT_EQ(conv.weight.sizes(), w.sizes());
    TensorDict state;
    state.insert("weight", w);
    if (has_bias(c)) state.insert("bias", conv_fixture(std::string(c) + ".b"));
    conv.load_state_dict(state);
    check_case(c, [&](const Tensor& xx, const Args&) { return conv(xx); });
    check_param_grads(c, conv.weight.grad(), conv.bias.defined() ? conv.bias.grad() : Tensor());

    const auto bytes = conv_fixture(std::string(c) + ".repr").to_vector<uint8_t>();
    std::ostringstream printed;
    printed << conv;
    EXPECT_EQ(printed.str(), std::string(bytes.begin(), bytes.end()));
  }
}

// ---- float64 finite differences, on im2col and on the composed path ----

TEST(ConvGroupsGradcheck, Float64) {
  manual_seed(31);
  struct Case {
    const char* name;
    Shape x, w;
    Size2 stride;
    Padding2 padding;
    Size2 dilation;
    int64_t groups;
  };
  const Case cases[] = {
      {"groups 2, stride (2, 1), padding (1, 0), dilation (1, 2)", {2, 4, 5, 6}, {4, 2, 2, 3}, {2, 1}, {1, 0}, {1, 2}, 2},
      {"depthwise x2", {1, 3, 5, 5}, {6, 1, 3, 3}, 1, 1, 1, 3},
      {"same, odd totals (bottom/right)", {2, 2, 5, 4}, {3, 2, 4, 2}, 1, Padding2::same(), 1, 1},
      {"same, dilation (3, 2), groups 2", {1, 4, 6, 5}, {2, 2, 2, 3}, 1, Padding2::same(), {3, 2}, 2},
      {"valid, groups 2", {2, 2, 5, 5}, {2, 1, 3, 2}, {1, 2}, Padding2::valid(), 1, 2},
  };
  for (const Case& c : cases) {
    for (bool composed : {false, true}) {
      SCOPED_TRACE(std::string(c.name) + (composed ? " (composed)" : " (im2col)"));
      std::optional<nn::detail::ForceComposedPath> force;
      if (composed) force.emplace();
      Tensor x = randn(c.x, {.dtype = kFloat64, .requires_grad = true});
      Tensor w = randn(c.w, {.dtype = kFloat64, .requires_grad = true});
      Tensor b = randn({c.w[0]}, {.dtype = kFloat64, .requires_grad = true});
      const auto r = testing::gradcheck(c.name, [&](const std::vector<Tensor>& in) {
        return F::conv2d(in[0], in[1], in[2], c.stride, c.padding, c.dilation, c.groups);
      }, {x, w, b});
      EXPECT_TRUE(r.ok) << r.message;
    }
  }
}

// ---- the module's parameters, the Padding2 spellings, summary ----

TEST(ConvGroupsModule, WeightShapeAndInitFanIn) {
  manual_seed(32);
  nn::Conv2d conv(16, 32, 3, {.groups = 4});
  EXPECT_EQ(conv.weight.sizes(), (Shape{32, 4, 3, 3}));
  EXPECT_EQ(conv.bias.sizes(), (Shape{32}));
  EXPECT_EQ(conv.state_dict().keys(), (std::vector<std::string>{"weight", "bias"}));
  // PyTorch's bound 1/sqrt(fan_in) with fan_in = in_channels / groups * kh * kw = 36,
  // reached closely by 1152 draws (with fan_in = 144 it would be half as wide).
  const double bound = 1.0 / 6.0;
  EXPECT_LE(conv.weight.abs().max().item(), bound);
  EXPECT_GT(conv.weight.abs().max().item(), 0.97 * bound);
  EXPECT_LE(conv.bias.abs().max().item(), bound);
  nn::Conv2d dw(8, 8, {3, 5}, {.padding = "same", .groups = 8, .bias = false});
  EXPECT_EQ(dw.weight.sizes(), (Shape{8, 1, 3, 5}));
  EXPECT_EQ(dw(randn({2, 8, 7, 6})).sizes(), (Shape{2, 8, 7, 6}));
}

TEST(ConvGroupsModule, PaddingSpellings) {
  EXPECT_EQ(nn::Conv2d(1, 1, 3, {.padding = 1}).padding, Padding2(Size2(1)));
  EXPECT_EQ(nn::Conv2d(1, 1, 3, {.padding = {1, 2}}).padding.size(), Size2(1, 2));
  EXPECT_EQ(nn::Conv2d(1, 1, 3, {.padding = Size2{2, 0}}).padding.size(), Size2(2, 0));
  EXPECT_TRUE(nn::Conv2d(1, 1, 3, {.padding = "same"}).padding.is_same());
  EXPECT_TRUE(nn::Conv2d(1, 1, 3, {.padding = "valid"}).padding.is_valid());
  EXPECT_TRUE(nn::Conv2d(1, 1, 3, {.padding = std::string("same")}).padding.is_same());
  EXPECT_TRUE(nn::Conv2d(1, 1, 3, {.padding = Padding2::valid()}).padding.is_valid());
  EXPECT_TRUE(nn::Conv2d(1, 1, 3, {.padding = 0}).padding.is_zero());
  // "valid" is no padding at all, and prints as PyTorch prints it.
  const Tensor x = randn({1, 2, 6, 5}), w = randn({3, 2, 3, 3});
  EXPECT_TRUE(close_to(F::conv2d(x, w, Tensor(), 1, "valid"), F::conv2d(x, w), 0, 0));
  // "same" with an odd kernel is the symmetric padding dilation * (k - 1) / 2.
  EXPECT_TRUE(close_to(F::conv2d(x, w, Tensor(), 1, "same", 2), F::conv2d(x, w, Tensor(), 1, 2, 2), 0, 0));
}

// An empty batch, grouped and "same", on each path: the right empty shapes
// (PyTorch 1.13 gives [0, 4, 5, 6] and a zero weight gradient).
TEST(ConvGroupsModule, EmptyBatch) {
  for (Path path : {Path::Default, Path::Im2col, Path::Composed}) {
    SCOPED_TRACE(path_name(path));
    std::optional<nn::detail::ForceIm2colConv> im2col;
    std::optional<nn::detail::ForceComposedPath> composed;
    if (path == Path::Im2col) im2col.emplace();
    if (path == Path::Composed) composed.emplace();
    Tensor x = zeros({0, 4, 5, 6}, {.requires_grad = true});
    Tensor w = randn({4, 2, 2, 3}, {.requires_grad = true});
    Tensor y = F::conv2d(x, w, Tensor(), 1, "same", 1, 2);
    EXPECT_EQ(y.sizes(), (Shape{0, 4, 5, 6}));
    y.sum().backward();
    if (w.grad().defined()) EXPECT_EQ(w.grad().abs().sum().item(), 0.0);
  }
}

// summary() runs the model forward: the shapes follow from the layers.
TEST(ConvGroupsModule, SummaryShapes) {
  nn::Sequential model(nn::Conv2d(3, 12, 4, {.padding = "same", .groups = 3}), nn::ReLU(),
                       nn::Conv2d(12, 12, 3, {.stride = 2, .groups = 12}), nn::Conv2d(12, 4, 2, {.padding = "valid"}));
  const nn::Summary s = nn::summary(model, {3, 9, 10});
  ASSERT_EQ(s.rows.size(), 4u);
  EXPECT_EQ(s.rows[0].output_shape, (Shape{-1, 12, 9, 10}));
  EXPECT_EQ(s.rows[2].output_shape, (Shape{-1, 12, 4, 4}));
  EXPECT_EQ(s.rows[3].output_shape, (Shape{-1, 4, 3, 3}));
  // PyTorch's parameter counts: 12*1*4*4 + 12, 12*1*3*3 + 12, 4*12*2*2 + 4.
  EXPECT_EQ(s.rows[0].params, 204);
  EXPECT_EQ(s.rows[2].params, 120);
  EXPECT_EQ(s.rows[3].params, 196);
}

// ---- errors (the script checks that PyTorch refuses the same calls) ----

TEST(ConvGroupsErrors, GroupsMustDivideTheChannels) {
  EXPECT_WICK_ERROR(F::conv2d(randn({1, 5, 5, 5}), randn({4, 2, 3, 3}), Tensor(), 1, 0, 1, 2),
                    {"conv2d", "[1, 5, 5, 5]", "5 channels", "[4, 2, 3, 3]", "groups=2", "2 * 2 = 4"});
  EXPECT_WICK_ERROR(F::conv2d(randn({1, 4, 5, 5}), randn({3, 2, 3, 3}), Tensor(), 1, 0, 1, 2),
                    {"conv2d", "[3, 2, 3, 3]", "3 output channels", "groups=2", "multiple of groups"});
  EXPECT_WICK_ERROR(F::conv2d(randn({1, 4, 5, 5}), randn({4, 4, 3, 3}), Tensor(), 1, 0, 1, 0),
                    {"conv2d", "groups must be positive", "0"});
  EXPECT_WICK_ERROR(nn::Conv2d(5, 4, 3, {.groups = 2}),
                    {"Conv2d(5, 4, groups=2)", "in_channels 5", "not divisible by groups 2", "multiples of groups"});
  EXPECT_WICK_ERROR(nn::Conv2d(4, 6, 3, {.groups = 4}), {"Conv2d(4, 6, groups=4)", "out_channels 6", "groups 4"});
  EXPECT_WICK_ERROR(nn::Conv2d(4, 4, 3, {.groups = 0}), {"Conv2d", "groups must be positive", "0"});
}

TEST(ConvGroupsErrors, SameNeedsStrideOne) {
  EXPECT_WICK_ERROR(F::conv2d(randn({1, 1, 5, 5}), randn({1, 1, 3, 3}), Tensor(), 2, "same"),
                    {"conv2d", "padding=\"same\"", "stride 1", "(2, 2)", "padding = (1, 1)"});
  EXPECT_WICK_ERROR(nn::Conv2d(1, 1, 3, {.stride = {1, 2}, .padding = "same"}),
                    {"Conv2d", "padding=\"same\"", "stride 1", "(1, 2)"});
  // "valid" takes any stride.
  EXPECT_EQ(F::conv2d(randn({1, 1, 5, 5}), randn({1, 1, 3, 3}), Tensor(), 2, "valid").sizes(), (Shape{1, 1, 2, 2}));
}

TEST(ConvGroupsErrors, UnknownPaddingString) {
  EXPECT_WICK_ERROR(Padding2("full"), {"padding", "\"full\"", "\"same\"", "\"valid\""});
  EXPECT_WICK_ERROR(nn::Conv2d(1, 1, 3, {.padding = "Same"}), {"padding", "\"Same\"", "\"same\""});
  EXPECT_WICK_ERROR(F::conv2d(randn({1, 1, 5, 5}), randn({1, 1, 3, 3}), Tensor(), 1, std::string("circular")),
                    {"padding", "\"circular\""});
}

}  // namespace
}  // namespace wick
