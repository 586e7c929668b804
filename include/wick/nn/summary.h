#pragma once
// nn::summary: Keras' model.summary() for a wick module.
//
//   std::cout << nn::summary(model, {1, 28, 28});   // input shape without the batch dim
//
//   Model: "Sequential"
//   ______________________________________________________
//    Layer (type)        Output Shape          Param #
//   ======================================================
//    0 (Flatten)         [-1, 784]             0
//    1 (Linear)          [-1, 10]              7,850
//   ======================================================
//   Total params: 7,850
//   Trainable params: 7,850
//   Non-trainable params: 0
//   ______________________________________________________
//
// It runs one forward pass on zeros (batch of 2, no autograd, eval mode; the
// modes are restored afterwards, so BatchNorm statistics and the random
// generator are untouched) and records each layer's output shape.
//
// Counting follows PyTorch (torchinfo), not Keras: "params" are
// parameters(), and buffers such as BatchNorm's running_mean/running_var are
// not parameters. They are reported separately as buffer_values. A parameter
// with requires_grad false (frozen) counts as non-trainable. So the seed's
// Flatten + Linear(784, 10) shows 7,850 in both conventions, and an MLP with
// BatchNorm1d(256) shows 512 fewer than Keras, which counts the moving mean
// and variance as non-trainable parameters.
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "wick/nn/module.h"

namespace wick::nn {

struct SummaryRow {
  std::string name;    // dotted path in the model ("1", "encoder.fc1")
  std::string type;    // Module::name(): "Linear", "BatchNorm1d", the user's class
  Shape output_shape;  // of the forward call; -1 in place of the batch dim
  int64_t params = 0;  // the layer's own parameters (0 on a repeated call of a shared layer)
  bool repeated = false;  // a second (or later) call of the same module
};

struct Summary {
  std::string model_name;
  Shape input_shape;  // as given (without the batch dim)
  // One row per call of a leaf module (or of a module holding parameters of
  // its own), in execution order.
  std::vector<SummaryRow> rows;
  int64_t total_params = 0;
  int64_t trainable_params = 0;
  int64_t non_trainable_params = 0;
  int64_t buffer_values = 0;  // elements of all buffers (running statistics)
};

// `input_shape` excludes the batch dim. The input (zeros) lives on `device`
// (default: the model's device) with dtype `input_dtype`, by default that of
// the model's first floating parameter; a model that starts with an
// Embedding takes indices: pass kInt64 (torchinfo's dtypes=[torch.long]).
// A forward pass that fails is rethrown as a wick::Error naming the shape.
Summary summary(Module& model, const Shape& input_shape, std::optional<Device> device = std::nullopt,
                std::optional<DType> input_dtype = std::nullopt);

// Keras-style table (see above), thousands separators in the counts.
std::ostream& operator<<(std::ostream& os, const Summary& s);

}  // namespace wick::nn
