// nn::summary: rows, counts and the printed table for the seed model, an MLP
// with BatchNorm and Dropout, and a custom module with a frozen parameter, a
// buffer and a layer called twice.
#include <gtest/gtest.h>

#include <sstream>

#include "core/expect_error.h"
#include "nn/hooks.h"
#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/nn/conv.h"
#include "wick/nn/linear.h"
#include "wick/nn/pooling.h"
#include "wick/nn/sequential.h"
#include "wick/nn/summary.h"
#include "wick/random.h"
#if __has_include("wick/nn/batchnorm.h") && __has_include("wick/nn/dropout.h") && __has_include("wick/nn/activation.h")
#include "wick/nn/activation.h"
#include "wick/nn/batchnorm.h"
#include "wick/nn/dropout.h"
#define WICK_SUMMARY_HAS_MLP_LAYERS 1
#endif

using namespace wick;

namespace {

std::string printed(const nn::Summary& s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

struct Encoder : nn::Module {
  nn::Linear fc{4, 3};
  Tensor scale = ones({3});
  Encoder() {
    register_module("fc", fc);
    register_parameter("scale", scale, /*requires_grad=*/false);  // frozen
  }
  Encoder(const Encoder&) = default;
  Tensor forward(const Tensor& x) override { return fc(x) * scale; }
};

struct Net : nn::Module {
  Encoder enc;
  nn::Linear sq{3, 3}, head{3, 2};
  Tensor steps = zeros({1}, {.dtype = kInt64});
  Net() {
    register_module("enc", enc);
    register_module("sq", sq);
    register_module("head", head);
    register_buffer("steps", steps);
  }
  Net(const Net&) = default;
  Tensor forward(const Tensor& x) override { return head(sq(sq(enc(x)))); }
};

}  // namespace

TEST(Summary, SeedModelHas7850Parameters) {
  manual_seed(0);
  nn::Sequential model(nn::Flatten(), nn::Linear(784, 10));
  const nn::Summary s = nn::summary(model, {1, 28, 28});
  EXPECT_EQ(s.model_name, "Sequential");
  ASSERT_EQ(s.rows.size(), 2u);
  EXPECT_EQ(s.rows[0].name, "0");
  EXPECT_EQ(s.rows[0].type, "Flatten");
  EXPECT_EQ(s.rows[0].output_shape, (Shape{-1, 784}));
  EXPECT_EQ(s.rows[0].params, 0);
  EXPECT_EQ(s.rows[1].name, "1");
  EXPECT_EQ(s.rows[1].type, "Linear");
  EXPECT_EQ(s.rows[1].output_shape, (Shape{-1, 10}));
  EXPECT_EQ(s.rows[1].params, 7850);
  EXPECT_EQ(s.total_params, 7850);
  EXPECT_EQ(s.trainable_params, 7850);
  EXPECT_EQ(s.non_trainable_params, 0);
  EXPECT_EQ(s.buffer_values, 0);

  const std::string table = printed(s);
  for (const char* part : {"Model: \"Sequential\"", "Layer (type)", "Output Shape", "Param #", "0 (Flatten)", "[-1, 784]",
                           "1 (Linear)", "[-1, 10]", "7,850", "Total params: 7,850\n", "Trainable params: 7,850\n",
                           "Non-trainable params: 0\n", "=====", "_____"})
    EXPECT_NE(table.find(part), std::string::npos) << "missing " << part << " in\n" << table;
  EXPECT_EQ(table.find("Buffers"), std::string::npos);
  // Each layer row keeps its cells in order on one line.
  const size_t row = table.find("1 (Linear)");
  const std::string line = table.substr(row, table.find('\n', row) - row);
  EXPECT_LT(line.find("[-1, 10]"), line.find("7,850")) << line;
}

TEST(Summary, RestoresModesGradModeAndObserver) {
  nn::Sequential model(nn::Flatten(), nn::Linear(6, 2));
  model.train();
  model[1].eval();  // a child in a different mode than its parent keeps it
  nn::summary(model, {2, 3});
  EXPECT_TRUE(model.is_training());
  EXPECT_TRUE(model[0].is_training());
  EXPECT_FALSE(model[1].is_training());
  EXPECT_TRUE(is_grad_enabled());
  EXPECT_FALSE(static_cast<bool>(nn::detail::g_forward_observer));
  for (const Tensor& p : model.parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(Summary, CustomModuleFrozenParameterBufferAndSharedLayer) {
  Net net;
  const nn::Summary s = nn::summary(net, {4});
  ASSERT_EQ(s.rows.size(), 5u);
  // Rows in call order; a module with children appears (after them) only
  // because it holds a parameter of its own.
  const std::vector<std::string> names{"enc.fc", "enc", "sq", "sq", "head"};
  const std::vector<int64_t> params{15, 3, 12, 0, 8};
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(s.rows[i].name, names[i]) << i;
    EXPECT_EQ(s.rows[i].params, params[i]) << i;
  }
  EXPECT_EQ(s.rows[1].type, "Encoder");
  EXPECT_FALSE(s.rows[2].repeated);
  EXPECT_TRUE(s.rows[3].repeated);
  EXPECT_EQ(s.rows[4].output_shape, (Shape{-1, 2}));
  EXPECT_EQ(s.total_params, 38);
  EXPECT_EQ(s.trainable_params, 35);
  EXPECT_EQ(s.non_trainable_params, 3);
  EXPECT_EQ(s.buffer_values, 1);
  const std::string table = printed(s);
  EXPECT_NE(table.find("sq (Linear) [shared]"), std::string::npos) << table;
  EXPECT_NE(table.find("Non-trainable params: 3\n"), std::string::npos) << table;
  EXPECT_NE(table.find("Buffers (not parameters"), std::string::npos) << table;
}

TEST(Summary, WrongInputShapeSaysWhatShapeIsExpected) {
  nn::Sequential model(nn::Flatten(), nn::Linear(784, 10));
  EXPECT_WICK_ERROR(nn::summary(model, {3, 5}), {"summary(Sequential, input_shape=[3, 5])", "[2, 3, 5]", "without the batch dim"});
  EXPECT_WICK_ERROR(nn::summary(model, {-1, 784}), {"negative size"});
  EXPECT_FALSE(static_cast<bool>(nn::detail::g_forward_observer));
  EXPECT_TRUE(model.is_training());
}

#ifdef WICK_SUMMARY_HAS_MLP_LAYERS
TEST(Summary, MlpWithBatchNormCountsBuffersApart) {
  manual_seed(0);
  nn::Sequential model(nn::Flatten(), nn::Linear(784, 256), nn::BatchNorm1d(256), nn::ReLU(), nn::Dropout(0.2),
                       nn::Linear(256, 10));
  model.train();
  const Tensor tracked_before = model.at<nn::BatchNorm1d>(2).num_batches_tracked.clone();
  const Tensor mean_before = model.at<nn::BatchNorm1d>(2).running_mean.clone();
  const nn::Summary s = nn::summary(model, {1, 28, 28});
  ASSERT_EQ(s.rows.size(), 6u);
  const std::vector<std::string> types{"Flatten", "Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear"};
  const std::vector<int64_t> params{0, 200960, 512, 0, 0, 2570};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(s.rows[i].type, types[i]) << i;
    EXPECT_EQ(s.rows[i].params, params[i]) << i;
  }
  EXPECT_EQ(s.rows[2].output_shape, (Shape{-1, 256}));
  // torchinfo's counts: BatchNorm's running statistics are buffers.
  EXPECT_EQ(s.total_params, 204042);
  EXPECT_EQ(s.trainable_params, 204042);
  EXPECT_EQ(s.non_trainable_params, 0);
  EXPECT_EQ(s.buffer_values, 256 + 256 + 1);
  const std::string table = printed(s);
  EXPECT_NE(table.find("Total params: 204,042\n"), std::string::npos) << table;
  EXPECT_NE(table.find("200,960"), std::string::npos) << table;
  EXPECT_NE(table.find("Buffers (not parameters: running statistics etc.): 513 values"), std::string::npos) << table;
  // The pass ran in eval mode: no statistics were updated.
  EXPECT_EQ(model.at<nn::BatchNorm1d>(2).num_batches_tracked.item<int64_t>(), tracked_before.item<int64_t>());
  EXPECT_TRUE(model.at<nn::BatchNorm1d>(2).running_mean.eq(mean_before).to(kInt64).sum().item<int64_t>() == 256);
  EXPECT_TRUE(model.is_training());
}

// The expected shapes and counts are PyTorch 1.13's for the same
// nn.Sequential, printed per layer (shape of a [1, 1, 28, 28] input after it,
// sum of p.numel() over its parameters) and summed over buffers.
TEST(Summary, CnnShapesAndCountsAsPyTorch) {
  nn::Sequential model(nn::Conv2d(1, 16, 3, {.padding = 1}), nn::BatchNorm2d(16), nn::ReLU(), nn::MaxPool2d(2),
                       nn::Conv2d(16, 32, 3, {.padding = 1}), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(),
                       nn::Linear(1568, 10));
  const nn::Summary s = nn::summary(model, {1, 28, 28});
  const std::vector<std::string> types{"Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Conv2d",
                                       "ReLU",   "MaxPool2d",   "Flatten", "Linear"};
  const std::vector<Shape> shapes{{-1, 16, 28, 28}, {-1, 16, 28, 28}, {-1, 16, 28, 28}, {-1, 16, 14, 14},
                                  {-1, 32, 14, 14}, {-1, 32, 14, 14}, {-1, 32, 7, 7},   {-1, 1568},
                                  {-1, 10}};
  const std::vector<int64_t> params{160, 32, 0, 0, 4640, 0, 0, 0, 15690};
  ASSERT_EQ(s.rows.size(), types.size());
  for (size_t i = 0; i < types.size(); ++i) {
    EXPECT_EQ(s.rows[i].type, types[i]) << i;
    EXPECT_EQ(s.rows[i].output_shape, shapes[i]) << i;
    EXPECT_EQ(s.rows[i].params, params[i]) << i;
  }
  EXPECT_EQ(s.total_params, 20522);
  EXPECT_EQ(s.buffer_values, 33);
}
#endif
