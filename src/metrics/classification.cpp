// Classification metrics. Computed on the host in int64/double: metrics run
// once per evaluation over at most a few hundred thousand labels, and exact
// integer counts matter more than speed here.
#include <vector>

#include "wick/creation.h"
#include "wick/metrics.h"

namespace wick::metrics {
namespace {

// Class labels from [N, C] scores (argmax) or [N] integer labels.
std::vector<int64_t> labels_of(const char* op, const Tensor& predictions) {
  WICK_CHECK(predictions.defined(), op, ": predictions are undefined");
  const Tensor p = predictions.detach();
  if (p.dim() == 2) {
    WICK_CHECK(is_floating(p.dtype()), op, ": 2-D predictions must be floating scores [N, C], got ", p.describe());
    WICK_CHECK(p.size(1) > 0, op, ": scores ", p.describe(), " have no classes");
    if (p.size(0) == 0) return {};
    return p.argmax(1).to_vector<int64_t>();
  }
  WICK_CHECK(p.dim() == 1 && !is_floating(p.dtype()) && p.dtype() != kBool, op,
             ": predictions must be [N, C] floating scores or [N] integer class labels, got ", p.describe(),
             (p.dim() == 1 && is_floating(p.dtype())
                  ? "; for binary probabilities threshold them first, e.g. (p > 0.5).to(kInt64)"
                  : ""));
  return p.to_vector<int64_t>();
}

std::vector<int64_t> targets_of(const char* op, const Tensor& targets, size_t n) {
  WICK_CHECK(targets.defined(), op, ": targets are undefined");
  WICK_CHECK(targets.dim() == 1 && !is_floating(targets.dtype()) && targets.dtype() != kBool, op,
             ": targets must be [N] integer class labels, got ", targets.describe());
  WICK_CHECK(static_cast<size_t>(targets.size(0)) == n, op, ": ", n, " predictions but ", targets.size(0),
             " targets (", targets.describe(), "); they must have the same N");
  return targets.detach().to_vector<int64_t>();
}

double safe_div(double a, double b) { return b == 0 ? 0.0 : a / b; }

}  // namespace

double accuracy(const Tensor& predictions, const Tensor& targets) {
  const std::vector<int64_t> p = labels_of("accuracy", predictions);
  const std::vector<int64_t> t = targets_of("accuracy", targets, p.size());
  WICK_CHECK(!p.empty(), "accuracy: no samples (N = 0); accuracy of an empty set is undefined");
  int64_t correct = 0;
  for (size_t i = 0; i < p.size(); ++i) correct += p[i] == t[i];
  return static_cast<double>(correct) / static_cast<double>(p.size());
}

Tensor confusion_matrix(const Tensor& predictions, const Tensor& targets, int64_t num_classes) {
  WICK_CHECK(num_classes > 0, "confusion_matrix: num_classes must be positive, got ", num_classes);
  const std::vector<int64_t> p = labels_of("confusion_matrix", predictions);
  const std::vector<int64_t> t = targets_of("confusion_matrix", targets, p.size());
  if (predictions.dim() == 2)
    WICK_CHECK(predictions.size(1) == num_classes, "confusion_matrix: scores ", predictions.describe(), " have ",
               predictions.size(1), " classes but num_classes is ", num_classes);
  Tensor cm = zeros({num_classes, num_classes}, {.dtype = kInt64});
  int64_t* c = cm.data_ptr<int64_t>();
  for (size_t i = 0; i < p.size(); ++i) {
    WICK_CHECK(t[i] >= 0 && t[i] < num_classes, "confusion_matrix: target ", t[i], " at index ", i,
               " is outside [0, ", num_classes, "); check num_classes");
    WICK_CHECK(p[i] >= 0 && p[i] < num_classes, "confusion_matrix: prediction ", p[i], " at index ", i,
               " is outside [0, ", num_classes, "); check num_classes");
    ++c[t[i] * num_classes + p[i]];
  }
  return cm;
}

ClassificationReport precision_recall_f1(const Tensor& confusion) {
  WICK_CHECK(confusion.defined() && confusion.dim() == 2 && confusion.size(0) == confusion.size(1) &&
                 confusion.dtype() != kBool,
             "precision_recall_f1: expected a square [C, C] confusion matrix, got ",
             confusion.defined() ? confusion.describe() : std::string("an undefined tensor"));
  const int64_t C = confusion.size(0);
  const std::vector<double> m = confusion.detach().to_vector<double>();
  for (double v : m) WICK_CHECK(v >= 0, "precision_recall_f1: the confusion matrix has a negative count (", v, ")");
  std::vector<double> prec(C), rec(C), f1(C);
  std::vector<int64_t> support(C);
  double total = 0, trace = 0;
  for (int64_t k = 0; k < C; ++k) {
    double row = 0, col = 0;
    for (int64_t j = 0; j < C; ++j) {
      row += m[k * C + j];
      col += m[j * C + k];
    }
    const double tp = m[k * C + k], fp = col - tp, fn = row - tp;
    prec[k] = safe_div(tp, tp + fp);
    rec[k] = safe_div(tp, tp + fn);
    f1[k] = safe_div(2 * tp, 2 * tp + fp + fn);
    support[k] = static_cast<int64_t>(row);
    total += row;
    trace += tp;
  }
  ClassificationReport r;
  r.precision = from_vector(prec);
  r.recall = from_vector(rec);
  r.f1 = from_vector(f1);
  r.support = from_vector(support);
  for (int64_t k = 0; k < C; ++k) {
    r.macro_precision += prec[k] / C;
    r.macro_recall += rec[k] / C;
    r.macro_f1 += f1[k] / C;
    const double w = safe_div(static_cast<double>(support[k]), total);
    r.weighted_precision += w * prec[k];
    r.weighted_recall += w * rec[k];
    r.weighted_f1 += w * f1[k];
  }
  r.accuracy = safe_div(trace, total);
  return r;
}

ClassificationReport precision_recall_f1(const Tensor& predictions, const Tensor& targets, int64_t num_classes) {
  return precision_recall_f1(confusion_matrix(predictions, targets, num_classes));
}

}  // namespace wick::metrics
