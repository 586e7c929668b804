// Regression metrics, accumulated in double on the host whatever the input
// dtype, so float32 predictions over a large test set lose no precision.
#include <cmath>
#include <vector>

#include "wick/metrics.h"

namespace wick::metrics {
namespace {

struct Pair {
  std::vector<double> pred, target;
  int64_t rows = 0, cols = 1;
};

Pair host_pair(const char* op, const Tensor& predictions, const Tensor& targets) {
  WICK_CHECK(predictions.defined() && targets.defined(), op, ": predictions and targets must be defined");
  WICK_CHECK(predictions.sizes() == targets.sizes(), op, ": predictions ", predictions.describe(), " and targets ",
             targets.describe(), " must have the same shape (no broadcasting: a [N, 1] vs [N] mix-up would "
             "silently compare every pair); reshape one of them");
  WICK_CHECK(predictions.dim() == 1 || predictions.dim() == 2, op, ": expected [N] or [N, outputs], got ",
             predictions.describe());
  WICK_CHECK(predictions.dtype() != kBool && targets.dtype() != kBool, op, ": bool tensors are not numeric values");
  Pair p;
  p.rows = predictions.size(0);
  p.cols = predictions.dim() == 2 ? predictions.size(1) : 1;
  WICK_CHECK(p.rows > 0 && p.cols > 0, op, ": no samples (", predictions.describe(), ")");
  p.pred = predictions.detach().to_vector<double>();
  p.target = targets.detach().to_vector<double>();
  return p;
}

}  // namespace

double mse(const Tensor& predictions, const Tensor& targets) {
  const Pair p = host_pair("mse", predictions, targets);
  double s = 0;
  for (size_t i = 0; i < p.pred.size(); ++i) s += (p.pred[i] - p.target[i]) * (p.pred[i] - p.target[i]);
  return s / static_cast<double>(p.pred.size());
}

double mae(const Tensor& predictions, const Tensor& targets) {
  const Pair p = host_pair("mae", predictions, targets);
  double s = 0;
  for (size_t i = 0; i < p.pred.size(); ++i) s += std::abs(p.pred[i] - p.target[i]);
  return s / static_cast<double>(p.pred.size());
}

double r2_score(const Tensor& predictions, const Tensor& targets) {
  const Pair p = host_pair("r2_score", predictions, targets);
  WICK_CHECK(p.rows >= 2, "r2_score: R^2 needs at least 2 samples, got ", p.rows);
  double sum = 0;
  for (int64_t c = 0; c < p.cols; ++c) {
    double mean = 0;
    for (int64_t r = 0; r < p.rows; ++r) mean += p.target[r * p.cols + c];
    mean /= static_cast<double>(p.rows);
    double ss_res = 0, ss_tot = 0;
    for (int64_t r = 0; r < p.rows; ++r) {
      const double y = p.target[r * p.cols + c], e = y - p.pred[r * p.cols + c], d = y - mean;
      ss_res += e * e;
      ss_tot += d * d;
    }
    sum += ss_tot != 0 ? 1 - ss_res / ss_tot : (ss_res == 0 ? 1.0 : 0.0);
  }
  return sum / static_cast<double>(p.cols);
}

}  // namespace wick::metrics
