// wick::metrics against NumPy values with scikit-learn's definitions
// (tests/reference/make_metrics_fixtures.py -> tests/data/metrics).
#include <gtest/gtest.h>

#include <string>

#include "core/expect_error.h"
#include "wick/creation.h"
#include "wick/metrics.h"
#include "wick/npy.h"

using namespace wick;

namespace {

Tensor fixture(const std::string& name) { return load_npy(std::string(WICK_TEST_DATA_DIR) + "/metrics/" + name + ".npy"); }

void expect_close(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  const auto g = got.to_vector<double>(), w = want.to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], w[i], 1e-12) << what << "[" << i << "]";
}

}  // namespace

TEST(Metrics, AccuracyFromScoresAndFromLabels) {
  const Tensor logits = fixture("cls_logits"), targets = fixture("cls_targets");
  const double want = fixture("cls_accuracy").item();
  EXPECT_DOUBLE_EQ(metrics::accuracy(logits, targets), want);  // argmax, first max on ties
  EXPECT_DOUBLE_EQ(metrics::accuracy(logits.argmax(1), targets), want);
  EXPECT_DOUBLE_EQ(metrics::accuracy(tensor({1, 2, 3}), tensor({1, 0, 3})), 2.0 / 3.0);
}

TEST(Metrics, ConfusionMatrixMatchesSklearnLayout) {
  const Tensor cm = metrics::confusion_matrix(fixture("cls_logits"), fixture("cls_targets"), 6);
  EXPECT_EQ(cm.dtype(), kInt64);
  EXPECT_EQ(cm.to_vector<int64_t>(), fixture("cls_confusion").to_vector<int64_t>());
  // Rows are the true class: one sample of class 0 predicted as 2.
  const Tensor one = metrics::confusion_matrix(tensor({2}), tensor({0}), 3);
  EXPECT_EQ(one.to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 1, 0, 0, 0, 0, 0, 0}));
}

TEST(Metrics, PrecisionRecallF1WithZeroDivision) {
  const auto r = metrics::precision_recall_f1(fixture("cls_logits"), fixture("cls_targets"), 6);
  expect_close(r.precision, fixture("cls_precision"), "precision");
  expect_close(r.recall, fixture("cls_recall"), "recall");
  expect_close(r.f1, fixture("cls_f1"), "f1");
  EXPECT_EQ(r.support.to_vector<int64_t>(), fixture("cls_support").to_vector<int64_t>());
  const auto macro = fixture("cls_macro").to_vector<double>(), weighted = fixture("cls_weighted").to_vector<double>();
  EXPECT_NEAR(r.macro_precision, macro[0], 1e-12);
  EXPECT_NEAR(r.macro_recall, macro[1], 1e-12);
  EXPECT_NEAR(r.macro_f1, macro[2], 1e-12);
  EXPECT_NEAR(r.weighted_precision, weighted[0], 1e-12);
  EXPECT_NEAR(r.weighted_recall, weighted[1], 1e-12);
  EXPECT_NEAR(r.weighted_f1, weighted[2], 1e-12);
  EXPECT_NEAR(r.accuracy, fixture("cls_accuracy").item(), 1e-12);
  // The never-predicted, never-true class 5 scores 0 everywhere, no NaN.
  EXPECT_EQ(r.precision.to_vector<double>()[5], 0.0);
  EXPECT_EQ(r.f1.to_vector<double>()[5], 0.0);
}

TEST(Metrics, RegressionMatchesNumpy) {
  for (const std::string prefix : {"reg", "reg2"}) {
    const Tensor pred = fixture(prefix + "_pred"), target = fixture(prefix + "_target");
    const auto want = fixture(prefix + "_expected").to_vector<double>();
    EXPECT_NEAR(metrics::mse(pred, target), want[0], 1e-12) << prefix;
    EXPECT_NEAR(metrics::mae(pred, target), want[1], 1e-12) << prefix;
    EXPECT_NEAR(metrics::r2_score(pred, target), want[2], 1e-12) << prefix;
  }
  const Tensor y = tensor({1.0, 2.0, 3.0});
  EXPECT_EQ(metrics::r2_score(y, y), 1.0);
  EXPECT_EQ(metrics::mse(y, y), 0.0);
}

TEST(Metrics, BadInputsGetClearErrors) {
  const Tensor labels = tensor({0, 1, 2});
  EXPECT_WICK_ERROR(metrics::accuracy(labels, tensor({0, 1})), {"accuracy", "3 predictions but 2 targets"});
  EXPECT_WICK_ERROR(metrics::accuracy(tensor({0.2, 0.9}), tensor({0, 1})), {"accuracy", "threshold"});
  EXPECT_WICK_ERROR(metrics::accuracy(labels, tensor({0.0, 1.0, 2.0})), {"targets must be [N] integer class labels"});
  EXPECT_WICK_ERROR(metrics::accuracy(zeros({0}, {.dtype = kInt64}), zeros({0}, {.dtype = kInt64})), {"no samples"});
  EXPECT_WICK_ERROR(metrics::confusion_matrix(labels, tensor({0, 5, 1}), 3),
                    {"confusion_matrix", "target 5 at index 1", "outside [0, 3)"});
  EXPECT_WICK_ERROR(metrics::confusion_matrix(tensor({0, -1, 1}), labels, 3), {"prediction -1 at index 1"});
  EXPECT_WICK_ERROR(metrics::confusion_matrix(zeros({3, 4}), labels, 3), {"4 classes but num_classes is 3"});
  EXPECT_WICK_ERROR(metrics::precision_recall_f1(zeros({2, 3})), {"square [C, C]", "[2, 3]"});
  EXPECT_WICK_ERROR(metrics::mse(zeros({4, 1}), zeros({4})), {"mse", "same shape", "[4, 1]", "[4]"});
  EXPECT_WICK_ERROR(metrics::r2_score(zeros({1}), zeros({1})), {"r2_score", "at least 2 samples"});
}
