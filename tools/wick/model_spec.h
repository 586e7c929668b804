#pragma once
// The model description: everything needed to rebuild a trained model and to
// feed it, stored as JSON in the checkpoint's safetensors "__metadata__" (key
// "wick.model"), so `wick eval` and `wick predict` need nothing but the file.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "wick/nn/sequential.h"

namespace wick::cli {

enum class TaskKind { Classification, Binary, Regression };
const char* task_name(TaskKind t);

struct ModelSpec {
  std::string kind = "softmax";      // softmax | logistic | linear | mlp | cnn
  TaskKind task = TaskKind::Classification;
  std::vector<int64_t> input_shape;  // one example, without the batch dim: [1,28,28] or [F]
  std::vector<int64_t> hidden;       // mlp, cnn (optional for cnn)
  std::vector<int64_t> channels;     // cnn only: one conv block per entry
  bool batchnorm = false;
  double dropout = 0;
  std::string activation = "relu";   // mlp, cnn: one of kActivationNames
  int64_t num_outputs = 1;
  std::vector<std::string> class_names;  // classification and binary (negative, positive)
  // Input normalization x' = (x - mean[c]) / std[c], per channel (images) or
  // per feature (CSV); one value broadcasts.
  std::vector<double> mean, std;
  // Regression: the model predicts (y - target_mean) / target_std.
  double target_mean = 0, target_std = 1;
  // Where the data came from, so eval can read the same columns or labels.
  std::string dataset;                // mnist | fashion-mnist | cifar10 | csv
  std::vector<std::string> features;  // CSV feature columns, in order
  std::string target;                 // CSV target column
  int64_t binary_positive = -1;       // --binary DIGIT (image datasets), else -1

  int64_t in_features() const;
  // cnn: the images' height and width after every block's MaxPool2d(2)
  // (each halves them, rounding down).
  std::pair<int64_t, int64_t> pooled_size() const;
  // Flatten, then Linear (softmax/logistic/linear) or the MLP stack
  // Linear [BatchNorm1d] ReLU [Dropout] per hidden size, then Linear.
  // (ReLU or the --activation chosen, everywhere this says ReLU.)
  // cnn: Conv2d(prev, c, 3, padding 1) [BatchNorm2d] ReLU MaxPool2d(2) per
  // channel count, then Flatten and the MLP stack (its hidden sizes may be
  // none). No leading Flatten there, so the state_dict names are those of
  // the same nn.Sequential in PyTorch ("0.weight" is the first conv).
  nn::Sequential build() const;
  nlohmann::json to_json() const;
  static ModelSpec from_json(const nlohmann::json& j, const std::string& source);
};

// The model flags of `wick train` and `wick summary`, as typed ("" when
// not given).
struct ModelFlags {
  std::string model, hidden, channels, activation;
  bool batchnorm = false;
  double dropout = 0;
};
// Taken from TrainOptions or SummaryOptions (the same field names).
template <typename Options>
ModelFlags model_flags(const Options& o) {
  return {.model = o.model,
          .hidden = o.hidden,
          .channels = o.channels,
          .activation = o.activation,
          .batchnorm = o.batchnorm,
          .dropout = o.dropout};
}
constexpr const char* kModelNames = "softmax, logistic, linear, mlp or cnn";
// --activation: the hidden layers' nonlinearity, as PyTorch's modules
// (leaky_relu: LeakyReLU(0.01), elu: ELU(1.0), gelu: GELU('none')).
constexpr const char* kActivationNames = "relu, leaky_relu, elu, gelu, silu, mish or tanh";
// Flag values and combinations (UsageError naming the flag): --hidden,
// --batchnorm, --dropout and --activation need mlp or cnn, --channels needs cnn.
void validate_model_flags(const ModelFlags& f);
// Sets kind, hidden, channels, batchnorm, dropout and activation of `spec` (whose input
// shape is known) from flags that validate_model_flags accepted, with their
// defaults (mlp: --hidden 256; cnn: --channels 16,32 and no hidden layer),
// then check_model_size.
void apply_model_flags(ModelSpec& spec, const ModelFlags& f);

// Weights are allocated when the model is built: a model over 1e9
// parameters (4 GB of float32; e.g. a typo such as --hidden 2000000000) is a
// UsageError up front instead of an out-of-memory error later. So is a cnn
// whose pooling blocks would shrink the images to nothing (naming the sizes).
void check_model_size(const ModelSpec& spec);

// cnn: "" when every MaxPool2d(2) has at least 2x2 to pool, else what goes
// wrong, naming the sizes block by block ("5 pooling blocks shrink 28x28
// images to 0x0: 28x28 -> 14x14 -> ...").
std::string cnn_geometry_problem(const ModelSpec& spec);

// Reads the description stored in a checkpoint; a wick::Error naming the
// file when it is missing (e.g. a plain safetensors file not written by wick).
ModelSpec read_spec(const std::string& checkpoint);
// The metadata wick writes next to the weights.
constexpr const char* kSpecKey = "wick.model";

}  // namespace wick::cli
