// nn::Embedding and nn::functional::embedding against PyTorch 1.13 fixtures
// (tests/reference/make_embedding_fixtures.py), gradcheck, module behaviour
// and error messages.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <tuple>

#include "autograd/gradcheck.h"
#include "core/expect_error.h"
#include "nn/layers_test_util.h"
#include "wick/nn/embedding.h"
#include "wick/nn/linear.h"
#include "wick/nn/sequential.h"
#include "wick/nn/summary.h"

namespace wick {
namespace {

using testing::close_to;

Tensor fx(const std::string& name) { return load_npy(std::string(WICK_TEST_DATA_DIR) + "/embedding/" + name + ".npy"); }

// Runs one fixture case: a fresh copy of the shared table, the lookup,
// loss = sum(out * gy), and checks out and d loss / d weight.
void check_case(const std::string& name, const std::function<Tensor(const Tensor&, const Tensor&)>& call) {
  SCOPED_TRACE(name);
  Tensor w = fx("emb.weight").clone().requires_grad_();
  Tensor out = call(fx("emb_" + name + ".idx"), w);
  EXPECT_TRUE(close_to(out, fx("emb_" + name + ".out"), 1e-12, 1e-12));
  (out * fx("emb_" + name + ".gy")).sum().backward();
  EXPECT_TRUE(close_to(w.grad(), fx("emb_" + name + ".dweight"), 1e-12, 1e-12));
}

TEST(Embedding, RepeatedIndicesAccumulate) {
  check_case("repeat", [](const Tensor& i, const Tensor& w) { return nn::functional::embedding(i, w); });
}

TEST(Embedding, TwoDimIndicesWithPadding) {
  check_case("pad2d", [](const Tensor& i, const Tensor& w) { return nn::functional::embedding(i, w, 2); });
}

TEST(Embedding, ScaleGradByFreqWithNegativePadding) {
  check_case("freq", [](const Tensor& i, const Tensor& w) {
    return nn::functional::embedding(i, w, -1, std::nullopt, 2.0, /*scale_grad_by_freq=*/true);
  });
}

TEST(Embedding, ScalarIndex) {
  check_case("scalar", [](const Tensor& i, const Tensor& w) {
    EXPECT_EQ(i.dim(), 0);
    return nn::functional::embedding(i, w);
  });
}

TEST(Embedding, MaxNormRenormsInPlace) {
  for (auto [name, max_norm, p] : {std::tuple{"maxnorm", 1.5, 2.0}, std::tuple{"maxnorm_l1", 2.0, 1.0}}) {
    SCOPED_TRACE(name);
    Tensor w = fx("emb.weight").clone().requires_grad_();
    Tensor out = nn::functional::embedding(fx(std::string("emb_") + name + ".idx"), w, std::nullopt, max_norm, p);
    EXPECT_TRUE(close_to(out, fx(std::string("emb_") + name + ".out"), 1e-12, 1e-12));
    EXPECT_TRUE(close_to(w, fx(std::string("emb_") + name + ".renormed"), 1e-12, 1e-12));
    (out * fx(std::string("emb_") + name + ".gy")).sum().backward();
    EXPECT_TRUE(close_to(w.grad(), fx(std::string("emb_") + name + ".dweight"), 1e-12, 1e-12));
  }
  // Through the module too; every looked-up row ends up with norm <= max_norm.
  nn::Embedding emb(20, 6, {.max_norm = 1.0, .dtype = kFloat64});
  emb(arange(0, 20, 1, {.dtype = kInt64}));
  EXPECT_LE(amax(norm(emb.weight.detach(), 2, {1})).item(), 1.0 + 1e-9);
}

TEST(Embedding, FromPretrained) {
  auto e = nn::Embedding::from_pretrained(fx("emb.weight"), /*freeze=*/false, {.padding_idx = 1});
  EXPECT_EQ(e.weight.dtype(), kFloat64);
  EXPECT_TRUE(e.weight.requires_grad());
  EXPECT_TRUE(close_to(e.weight, fx("emb.weight"), 0, 0));  // the padding row is not zeroed
  Tensor out = e(fx("emb_pretrained.idx"));
  EXPECT_TRUE(close_to(out, fx("emb_pretrained.out"), 1e-12, 1e-12));
  (out * fx("emb_pretrained.gy")).sum().backward();
  EXPECT_TRUE(close_to(e.weight.grad(), fx("emb_pretrained.dweight"), 1e-12, 1e-12));

  // freeze (the default): no gradient, no trainable parameters; a copy of the table.
  Tensor src = fx("emb.weight");
  auto frozen = nn::Embedding::from_pretrained(src);
  EXPECT_FALSE(frozen.weight.requires_grad());
  EXPECT_FALSE(frozen(tensor({1, 2})).requires_grad());
  {
    NoGradGuard g;
    frozen.weight.fill_(0.0);
  }
  EXPECT_NE(src.abs().sum().item(), 0.0);
}

TEST(Embedding, GradcheckFloat64) {
  manual_seed(7);
  Tensor w = randn({6, 3}, {.dtype = kFloat64, .requires_grad = true});
  Tensor idx = tensor({{0, 5, 5}, {2, 0, 5}}, {.dtype = kInt64});
  auto r = testing::gradcheck("embedding", [&](const std::vector<Tensor>& in) {
    return nn::functional::embedding(idx, in[0]);
  }, {w});
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(Embedding, ModuleInitStateDictAndPrint) {
  manual_seed(3);
  nn::Embedding emb(500, 8, {.padding_idx = -2});
  EXPECT_EQ(emb.padding_idx, 498);
  EXPECT_EQ(emb.weight.sizes(), (Shape{500, 8}));
  EXPECT_EQ(emb.weight[498].abs().sum().item(), 0.0);  // padding row zeroed
  // N(0, 1): 4000 draws, mean within ~5 sigma of 0 and std near 1.
  EXPECT_NEAR(emb.weight.mean().item(), 0.0, 0.08);
  EXPECT_NEAR(std::sqrt((emb.weight * emb.weight).sum().item() / (4000 - 8)), 1.0, 0.06);
  EXPECT_EQ(emb.state_dict().keys(), (std::vector<std::string>{"weight"}));
  EXPECT_EQ(emb.extra_repr(), "500, 8, padding_idx=498");
  std::ostringstream os;
  os << nn::Embedding(10, 3, {.padding_idx = 0, .max_norm = 1.0, .scale_grad_by_freq = true});
  EXPECT_EQ(os.str(), "Embedding(10, 3, padding_idx=0, max_norm=1.0, scale_grad_by_freq=True)");

  Tensor out = emb(tensor({{1, 498}, {3, 4}}, {.dtype = kInt64}));
  EXPECT_EQ(out.sizes(), (Shape{2, 2, 8}));
  out.sum().backward();
  EXPECT_EQ(emb.weight.grad()[498].abs().sum().item(), 0.0);
  EXPECT_EQ(emb.weight.grad()[1].sum().item(), 8.0);

  // A deep copy trains on its own.
  nn::Embedding copy = nn::clone(emb);
  {
    NoGradGuard g;
    copy.weight.fill_(1.0);
  }
  EXPECT_NE(emb.weight[0].sum().item(), 8.0);

  // Empty index tensors give empty outputs and a zero gradient.
  Tensor none = emb(zeros({0, 3}, {.dtype = kInt64}));
  EXPECT_EQ(none.sizes(), (Shape{0, 3, 8}));
}

// The same lookups on cuda:0 (existing index kernels) as on the CPU; skipped
// without a GPU.
TEST(Embedding, CudaMatchesCpu) {
  if (!cuda::is_available()) GTEST_SKIP() << "needs a GPU";
  manual_seed(11);
  Tensor w = randn({300, 16}, {.dtype = kFloat64});
  Tensor idx = randint(300, {8, 33});
  Tensor gy = randn({8, 33, 16}, {.dtype = kFloat64});
  auto run = [&](Device dev) {
    Tensor wd = w.to(dev).requires_grad_();
    Tensor out = nn::functional::embedding(idx.to(dev), wd, 5, 3.0, 2.0, /*scale_grad_by_freq=*/true);
    (out * gy.to(dev)).sum().backward();
    return std::tuple{out.cpu(), wd.detach().cpu(), wd.grad().cpu()};
  };
  auto [out_c, w_c, g_c] = run(Device::cpu());
  auto [out_g, w_g, g_g] = run(Device::cuda(0));
  EXPECT_TRUE(close_to(out_g, out_c, 1e-12, 1e-12));
  EXPECT_TRUE(close_to(w_g, w_c, 1e-12, 1e-12));  // max_norm renorm
  EXPECT_TRUE(close_to(g_g, g_c, 1e-12, 1e-12));
}

// summary() takes the input's dtype: a model that starts with an Embedding
// is fed int64 indices (zeros), as torchinfo's dtypes=[torch.long].
TEST(Embedding, SummaryRow) {
  nn::Sequential m;
  m.push_back(nn::Embedding(50, 6));
  m.push_back(nn::Flatten());
  m.push_back(nn::Linear(72, 2));
  nn::Summary s = nn::summary(m, {12}, std::nullopt, kInt64);
  ASSERT_EQ(s.rows.size(), 3u);
  EXPECT_EQ(s.rows[0].name, "0");
  EXPECT_EQ(s.rows[0].type, "Embedding");
  EXPECT_EQ(s.rows[0].output_shape, (Shape{-1, 12, 6}));
  EXPECT_EQ(s.rows[0].params, 300);
  EXPECT_EQ(s.total_params, 300 + 72 * 2 + 2);
  std::ostringstream os;
  os << s;
  EXPECT_NE(os.str().find("0 (Embedding)"), std::string::npos) << os.str();
  EXPECT_NE(os.str().find("[-1, 12, 6]"), std::string::npos) << os.str();
  // Without the dtype the float zeros are refused by the lookup, by name.
  EXPECT_WICK_ERROR(nn::summary(m, {12}), {"int64", "float32"});
}

TEST(Embedding, Errors) {
  nn::Embedding emb(5, 3);
  EXPECT_WICK_ERROR(emb(tensor({1, 5})), {"embedding", "index 5", "0 .. 4", "[5, 3]"});
  EXPECT_WICK_ERROR(emb(tensor({-1})), {"embedding", "index -1", "0 .. 4", "negative"});
  EXPECT_WICK_ERROR(emb(tensor({1.0f, 2.0f})), {"embedding", "int64", "float32", "[2]"});
  EXPECT_WICK_ERROR(emb(tensor({true})), {"embedding", "int64", "bool"});
  EXPECT_WICK_ERROR(nn::Embedding(5, 3, {.padding_idx = 5}), {"Embedding", "padding_idx 5", "-5 .. 4"});
  EXPECT_WICK_ERROR(nn::Embedding(5, 3, {.padding_idx = -6}), {"padding_idx -6", "-5 .. 4"});
  EXPECT_WICK_ERROR(nn::functional::embedding(tensor({0}), emb.weight, 7), {"embedding", "padding_idx 7"});
  EXPECT_WICK_ERROR(nn::Embedding(5, 3, {.sparse = true}), {"Embedding", "sparse", "sparse=false"});
  EXPECT_WICK_ERROR(nn::functional::embedding(tensor({0}), emb.weight, std::nullopt, std::nullopt, 2, false, true),
                    {"embedding", "sparse=false"});
  EXPECT_WICK_ERROR(nn::functional::embedding(tensor({0}), zeros({5})), {"embedding", "2-D", "[5]"});
  EXPECT_WICK_ERROR(nn::functional::embedding(tensor({0}), zeros({5, 2}, {.dtype = kInt64})),
                    {"embedding", "floating", "int64"});
  EXPECT_WICK_ERROR(nn::functional::embedding(tensor({0}), emb.weight, std::nullopt, -1.0), {"max_norm", "-1"});
  EXPECT_WICK_ERROR(nn::Embedding(0, 3), {"Embedding", "positive"});
  EXPECT_WICK_ERROR(nn::Embedding::from_pretrained(zeros({4})), {"from_pretrained", "2-D", "[4]"});
}

}  // namespace
}  // namespace wick
