#pragma once
// Evaluation metrics, with scikit-learn's definitions:
//
//   double acc = metrics::accuracy(model(x_test), y_test);        // [N, C] scores or [N] labels
//   Tensor cm = metrics::confusion_matrix(logits, y_test, 10);    // int64 [C, C], rows = true class
//   auto r = metrics::precision_recall_f1(cm);                    // per class + macro/weighted
//   double r2 = metrics::r2_score(pred, y);
//
// Metrics are for reporting, not for gradients: inputs are detached and read
// on the host, and results are plain doubles (or host tensors).
#include <cstdint>

#include "wick/tensor.h"

namespace wick::metrics {

// Fraction of samples whose predicted class equals the target. `predictions`
// is either [N, C] floating scores/logits/probabilities (argmax over dim 1,
// first maximum on ties, as torch.argmax) or [N] integer class labels;
// `targets` is [N] integer labels. N == 0 is an error (sklearn returns nan).
double accuracy(const Tensor& predictions, const Tensor& targets);

// Counts cm[t, p] of samples with true class t predicted as p (sklearn's
// layout: rows = true class, columns = predicted). int64 [C, C] on the CPU.
// Labels outside [0, num_classes) are an error naming the first bad one.
Tensor confusion_matrix(const Tensor& predictions, const Tensor& targets, int64_t num_classes);

struct ClassificationReport {
  // float64 [C] per class. A class with no predicted samples has precision
  // 0, one with no true samples recall 0, and F1 = 2 tp / (2 tp + fp + fn)
  // is 0 when that denominator is 0: sklearn's zero_division=0.
  Tensor precision, recall, f1;
  Tensor support;  // int64 [C]: true samples per class
  // Unweighted means over all C classes (sklearn's average="macro" with
  // labels=range(C)) and support-weighted means (average="weighted").
  double macro_precision = 0, macro_recall = 0, macro_f1 = 0;
  double weighted_precision = 0, weighted_recall = 0, weighted_f1 = 0;
  double accuracy = 0;  // trace / total (0 for an empty matrix)
};

// From a confusion matrix as confusion_matrix() returns it (any integer or
// floating dtype, square, non-negative).
ClassificationReport precision_recall_f1(const Tensor& confusion);
ClassificationReport precision_recall_f1(const Tensor& predictions, const Tensor& targets, int64_t num_classes);

// Regression, over predictions and targets of the same shape: [N] or
// [N, outputs]. mse and mae average over every element; r2_score computes
// R^2 = 1 - SS_res / SS_tot per output column and averages the columns
// (sklearn's multioutput="uniform_average"). A constant target column gives
// 1 when predicted exactly and 0 otherwise (sklearn's force_finite=True).
double mse(const Tensor& predictions, const Tensor& targets);
double mae(const Tensor& predictions, const Tensor& targets);
double r2_score(const Tensor& predictions, const Tensor& targets);

}  // namespace wick::metrics
