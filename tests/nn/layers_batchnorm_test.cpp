// BatchNorm1d against PyTorch: two training steps (outputs, running stats,
// num_batches_tracked), the gradients of the first, then eval; float64
// gradient checks of the fused op; module behaviour (clone, state_dict, to).
#include <gtest/gtest.h>

#include <sstream>

#include "autograd/gradcheck.h"
#include "core/expect_error.h"
#include "nn/layers_test_util.h"
#include "wick/nn/batchnorm.h"
#include "wick/nn/functional.h"
#include "wick/nn/linear.h"
#include "wick/nn/sequential.h"

namespace wick {
namespace {

namespace F = nn::functional;
using testing::close_to;
using testing::layer_fixture;

// Replays tests/reference/make_layer_fixtures.py's batchnorm_case.
void replay(const std::string& prefix, nn::BatchNorm1d& bn, double rtol, double atol) {
  SCOPED_TRACE(prefix);
  if (bn.affine) {
    NoGradGuard g;
    bn.weight.copy_(layer_fixture(prefix + ".weight"));
    bn.bias.copy_(layer_fixture(prefix + ".bias"));
  }
  bn.train();
  for (int step = 1; step <= 2; ++step) {
    std::string s = std::to_string(step);
    Tensor x = layer_fixture(prefix + ".x" + s).requires_grad_();
    Tensor y = bn(x);
    EXPECT_TRUE(close_to(y, layer_fixture(prefix + ".y" + s), rtol, atol)) << "output, step " << step;
    if (step == 1) {
      (y * layer_fixture(prefix + ".gw")).sum().backward();
      EXPECT_TRUE(close_to(x.grad(), layer_fixture(prefix + ".dx"), rtol, atol)) << "dx";
      if (bn.affine) {
        EXPECT_TRUE(close_to(bn.weight.grad(), layer_fixture(prefix + ".dweight"), rtol, atol)) << "dweight";
        EXPECT_TRUE(close_to(bn.bias.grad(), layer_fixture(prefix + ".dbias"), rtol, atol)) << "dbias";
      }
    }
    if (bn.track_running_stats) {
      EXPECT_TRUE(close_to(bn.running_mean, layer_fixture(prefix + ".running_mean" + s), rtol, atol))
          << "running_mean, step " << step;
      EXPECT_TRUE(close_to(bn.running_var, layer_fixture(prefix + ".running_var" + s), rtol, atol))
          << "running_var, step " << step;
      EXPECT_EQ(bn.num_batches_tracked.dtype(), kInt64);
      EXPECT_EQ(bn.num_batches_tracked.dim(), 0);
      EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(),
                layer_fixture(prefix + ".num_batches_tracked" + s).item<int64_t>());
    }
  }
  bn.eval();
  EXPECT_TRUE(close_to(bn(layer_fixture(prefix + ".x3")), layer_fixture(prefix + ".y3"), rtol, atol)) << "eval";
}

TEST(LayersBatchNorm, MatchesPyTorch2d) {
  nn::BatchNorm1d bn(5, {.dtype = kFloat64});
  replay("bn2d", bn, 1e-10, 1e-12);
}

TEST(LayersBatchNorm, MatchesPyTorch3d) {
  nn::BatchNorm1d bn(3, {.dtype = kFloat64});
  replay("bn3d", bn, 1e-10, 1e-12);
}

TEST(LayersBatchNorm, MatchesPyTorchFloat32) {
  nn::BatchNorm1d bn(7);
  replay("bn2d_f32", bn, 1e-5, 1e-5);
}

TEST(LayersBatchNorm, MatchesPyTorchCumulativeMomentum) {
  nn::BatchNorm1d bn(2, {.eps = 1e-3, .momentum = std::nullopt, .dtype = kFloat64});
  replay("bn3d_cma", bn, 1e-10, 1e-12);
}

TEST(LayersBatchNorm, BatchNorm2dMatchesPyTorchOnImages) {
  nn::BatchNorm2d bn(3, {.dtype = kFloat64});
  replay("bn4d", bn, 1e-10, 1e-12);
}

TEST(LayersBatchNorm, MatchesPyTorchWithoutAffineOrRunningStats) {
  nn::BatchNorm1d bn(4, {.affine = false, .track_running_stats = false, .dtype = kFloat64});
  EXPECT_TRUE(bn.named_parameters().empty());
  EXPECT_TRUE(bn.named_buffers().empty());
  replay("bn_noaffine", bn, 1e-10, 1e-12);
}

TEST(LayersBatchNorm, GradcheckTrainingAndEval) {
  manual_seed(5);
  for (Shape shape : {Shape{6, 3}, Shape{3, 2, 4}}) {
    for (bool training : {true, false}) {
      nn::BatchNorm1d bn(shape[1], {.dtype = kFloat64});
      {
        NoGradGuard g;
        bn.weight.copy_(rand({shape[1]}, {.dtype = kFloat64}) + 0.5);
        bn.bias.copy_(randn({shape[1]}, {.dtype = kFloat64}));
        bn.running_mean.copy_(randn({shape[1]}, {.dtype = kFloat64}));
        bn.running_var.copy_(rand({shape[1]}, {.dtype = kFloat64}) + 0.5);
      }
      bn.train(training);
      Tensor x = randn(shape, {.dtype = kFloat64, .requires_grad = true});
      auto r = testing::gradcheck("BatchNorm1d " + shape_str(shape) + (training ? " train" : " eval"),
                                  [&](const std::vector<Tensor>& in) {
                                    return F::batch_norm(in[0], bn.running_mean.clone(), bn.running_var.clone(),
                                                         in[1], in[2], training, 0.1, 1e-5);
                                  },
                                  {x, bn.weight, bn.bias});
      EXPECT_TRUE(r.ok) << r.message;
    }
  }
}

TEST(LayersBatchNorm, GradcheckOnlyWeightOrOnlyInput) {
  manual_seed(6);
  Tensor x = randn({5, 3}, {.dtype = kFloat64});
  Tensor w = (rand({3}, {.dtype = kFloat64}) + 0.5).requires_grad_();
  auto r = testing::gradcheck("batch_norm weight only", [](const std::vector<Tensor>& in) {
    return F::batch_norm(in[0], Tensor(), Tensor(), in[1], Tensor(), true);
  }, {x, w});
  EXPECT_TRUE(r.ok) << r.message;
  Tensor xi = randn({5, 3}, {.dtype = kFloat64, .requires_grad = true});
  r = testing::gradcheck("batch_norm input only, no affine", [](const std::vector<Tensor>& in) {
    return F::batch_norm(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true);
  }, {xi});
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(LayersBatchNorm, FusedMatchesComposedFormula) {
  manual_seed(8);
  Tensor x = randn({32, 16, 5}) * 3 + 1;
  Tensor w = rand({16}) + 0.5, b = randn({16});
  Tensor rm = zeros({16}), rv = ones({16});
  Tensor y = F::batch_norm(x, rm, rv, w, b, true, 0.1, 1e-5);
  Tensor mean = x.mean(Shape{0, 2}, true);
  Tensor var = wick::var(x, {0, 2}, false, true);
  Tensor want = (x - mean) / sqrt(var + 1e-5) * w.reshape({1, 16, 1}) + b.reshape({1, 16, 1});
  EXPECT_TRUE(close_to(y, want, 1e-4, 1e-5));
  EXPECT_TRUE(close_to(rm, mean.reshape({16}) * 0.1, 1e-5, 1e-6));
  EXPECT_TRUE(close_to(rv, wick::var(x, {0, 2}, true, false) * 0.1 + 0.9, 1e-5, 1e-6));
}

TEST(LayersBatchNorm, LargeOffsetKeepsVarianceAccurate) {
  // mean 1e4, std 0.5: a naive E[x^2] - E[x]^2 loses the variance entirely in float32.
  manual_seed(10);
  Tensor x = randn({256, 4}) * 0.5 + 1e4;
  Tensor rv = ones({4}), rm = zeros({4});
  Tensor y = F::batch_norm(x, rm, rv, Tensor(), Tensor(), true, 1.0, 0.0);
  Tensor x64 = x.to(kFloat64);
  EXPECT_TRUE(close_to(rv, wick::var(x64, {0}, true, false), 1e-5, 0));
  EXPECT_TRUE(close_to(rm, x64.mean(0), 1e-7, 0));
  EXPECT_TRUE(close_to(y, (x64 - x64.mean(Shape{0}, true)) / sqrt(wick::var(x64, {0}, false, true)), 1e-3, 1e-3));
}

TEST(LayersBatchNorm, TrainAndEvalDiffer) {
  manual_seed(9);
  nn::BatchNorm1d bn(4);
  Tensor x = randn({8, 4}) * 2 + 3;
  Tensor train_out = bn(x);
  // Training output is normalized by the batch: mean 0, biased var 1.
  EXPECT_TRUE(close_to(train_out.mean(0), zeros({4}), 0, 1e-5));
  bn.eval();
  Tensor eval_out = bn(x);
  EXPECT_FALSE(allclose(train_out, eval_out, 1e-3, 1e-3));
  // Eval does not touch the running statistics or the count.
  Tensor rm = bn.running_mean.clone();
  bn(x);
  EXPECT_TRUE(equal(rm, bn.running_mean));
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 1);
  // Eval output uses running stats: (x - rm) / sqrt(rv + eps).
  EXPECT_TRUE(close_to(eval_out, (x - bn.running_mean) / sqrt(bn.running_var + 1e-5), 1e-5, 1e-6));
}

TEST(LayersBatchNorm, CloneIsIndependent) {
  nn::BatchNorm1d bn(3);
  bn(randn({4, 3}));
  nn::BatchNorm1d copy = nn::clone(bn);
  EXPECT_TRUE(equal(copy.running_mean, bn.running_mean));
  EXPECT_FALSE(copy.running_mean.is_same(bn.running_mean));
  EXPECT_FALSE(copy.num_batches_tracked.is_same(bn.num_batches_tracked));
  EXPECT_FALSE(copy.weight.is_same(bn.weight));
  copy(randn({4, 3}) + 5);  // trains the copy only
  EXPECT_EQ(copy.num_batches_tracked.item<int64_t>(), 2);
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 1);
  EXPECT_FALSE(equal(copy.running_mean, bn.running_mean));
  Tensor before = copy.running_mean.clone();
  bn(randn({4, 3}) - 5);  // and the other way round
  EXPECT_TRUE(equal(copy.running_mean, before));
  { NoGradGuard g; bn.weight.fill_(2); }
  EXPECT_TRUE(equal(copy.weight, ones({3})));
  // The registrations of the copy point at its own members.
  EXPECT_TRUE(copy.named_buffers().at("running_mean").is_same(copy.running_mean));
}

TEST(LayersBatchNorm, StateDictKeysAsPyTorch) {
  nn::BatchNorm1d bn(784);
  EXPECT_EQ(bn.state_dict().keys(),
            (std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}));
  EXPECT_EQ(bn.parameters().size(), 2u);
  nn::Sequential seq(nn::Linear(4, 3), nn::BatchNorm1d(3));
  auto keys = seq.state_dict().keys();
  EXPECT_EQ(keys, (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                            "1.running_var", "1.num_batches_tracked"}));
  // Round trip into a fresh module.
  bn(randn({5, 784}));
  nn::BatchNorm1d other(784);
  other.load_state_dict(bn.state_dict());
  EXPECT_TRUE(equal(other.running_var, bn.running_var));
  EXPECT_EQ(other.num_batches_tracked.item<int64_t>(), 1);
}

TEST(LayersBatchNorm, ToFloat64KeepsCountInt64) {
  nn::BatchNorm1d bn(3);
  bn(randn({4, 3}));
  bn.to(kFloat64);
  EXPECT_EQ(bn.weight.dtype(), kFloat64);
  EXPECT_EQ(bn.running_mean.dtype(), kFloat64);
  EXPECT_EQ(bn.num_batches_tracked.dtype(), kInt64);
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 1);
  Tensor y = bn(randn({4, 3}, {.dtype = kFloat64}));
  EXPECT_EQ(y.dtype(), kFloat64);
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 2);
}

TEST(LayersBatchNorm, Printout) {
  std::ostringstream os;
  os << nn::BatchNorm1d(784);
  EXPECT_EQ(os.str(), "BatchNorm1d(784, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  EXPECT_EQ(nn::BatchNorm1d(3, {.eps = 1e-3, .momentum = std::nullopt, .affine = false}).extra_repr(),
            "3, eps=0.001, momentum=None, affine=False, track_running_stats=True");
}

TEST(LayersBatchNorm, Errors) {
  using testing::error_message;
  using testing::message_has;
  nn::BatchNorm1d bn(784);
  EXPECT_TRUE(message_has(error_message([&] { bn(randn({4, 100})); }), {"BatchNorm1d(784)", "784", "100"}));
  EXPECT_TRUE(message_has(error_message([&] { bn(randn({1, 784})); }),
                          {"Expected more than 1 value per channel when training", "[1, 784]"}));
  EXPECT_TRUE(message_has(error_message([&] { bn(randn({2, 784, 2, 2})); }), {"BatchNorm1d", "2D or 3D"}));
  EXPECT_TRUE(message_has(error_message([&] { bn(randn({4, 784}, {.dtype = kFloat64})); }),
                          {"batch_norm", "float32", "float64"}));
  EXPECT_TRUE(message_has(error_message([&] { F::batch_norm(randn({4, 3}), zeros({2}), ones({3})); }),
                          {"running_mean", "3"}));
  EXPECT_TRUE(message_has(error_message([] { nn::BatchNorm1d(0); }), {"BatchNorm1d", "num_features"}));
  // Each names the other when given the other's rank.
  EXPECT_TRUE(message_has(error_message([&] { bn(randn({2, 784, 2, 2})); }), {"use BatchNorm2d"}));
  nn::BatchNorm2d bn2(3);
  EXPECT_TRUE(message_has(error_message([&] { bn2(randn({4, 3})); }), {"BatchNorm2d(3)", "4D", "use BatchNorm1d"}));
  EXPECT_TRUE(message_has(error_message([&] { bn2(randn({4, 5, 5, 3})); }),
                          {"BatchNorm2d(3)", "channels", "permute it to [N, C, H, W]"}));
  std::ostringstream os;
  os << bn2;
  EXPECT_EQ(os.str(), "BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  // N=1 is fine in eval.
  bn.eval();
  EXPECT_EQ(bn(randn({1, 784})).sizes(), (Shape{1, 784}));
}

}  // namespace
}  // namespace wick
