#pragma once
// Loss and metrics of a model on a whole set, in big batches without
// autograd: what `wick train` reports per epoch and `wick eval` prints.
#include <cstdint>
#include <string>
#include <vector>

#include "model_spec.h"
#include "wick/device.h"
#include "wick/nn/loss.h"
#include "wick/nn/module.h"

namespace wick::cli {

// The training loss of each task (cross_entropy / BCE with logits / MSE).
Tensor task_loss(const Tensor& output, const Tensor& target, TaskKind task, nn::Reduction reduction = nn::Reduction::Mean);

struct ClassScores {
  double precision = 0, recall = 0, f1 = 0;
  int64_t support = 0;
};

struct EvalResult {
  int64_t n = 0;
  // Mean loss; for regression the MSE in the target's own units.
  double loss = 0;
  // Accuracy (classification, binary) or R² (regression).
  double metric = 0;
  // Classification and binary: per-example predicted and true class.
  std::vector<int64_t> predicted, truth;
  std::vector<std::vector<int64_t>> confusion;  // [true][predicted]
  std::vector<ClassScores> per_class;
  // Regression, in the target's units.
  double mse = 0, mae = 0, r2 = 0;
};

// Examples per forward pass when evaluating (train's test pass, eval,
// predict): 2048; a cnn 512, since its activations and conv windows take
// ~0.4 MB per 28x28 example (2048 of them: ~1 GB, and slower than 512 from
// the page faults of fresh buffers).
int64_t eval_batch_size(const ModelSpec& spec);

// x: normalized inputs, y: targets in the loss's convention (see data_prep.h).
// Puts the model in eval mode for the pass and restores its mode afterwards.
EvalResult evaluate(nn::Module& model, const Tensor& x, const Tensor& y, const ModelSpec& spec, Device device,
                    int64_t batch_size = 2048);

// Class probabilities (classification: softmax; binary: [1 - p, p]) or the
// de-standardized value (regression), [N, K] on the host, float32.
Tensor predict_outputs(nn::Module& model, const Tensor& x, const ModelSpec& spec, Device device,
                       int64_t batch_size = 2048);

// `wick eval`'s text: loss, metric, confusion matrix, per-class scores.
std::string format_eval(const EvalResult& r, const ModelSpec& spec);

}  // namespace wick::cli
