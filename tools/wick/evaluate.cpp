#include "evaluate.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "common.h"
#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/indexing.h"
#include "wick/metrics.h"

namespace wick::cli {

namespace nnf = nn::functional;

Tensor task_loss(const Tensor& output, const Tensor& target, TaskKind task, nn::Reduction reduction) {
  switch (task) {
    case TaskKind::Classification: return nnf::cross_entropy(output, target, {.reduction = reduction});
    case TaskKind::Binary: return nnf::binary_cross_entropy_with_logits(output, target, {.reduction = reduction});
    case TaskKind::Regression: return nnf::mse_loss(output, target, {.reduction = reduction});
  }
  return {};
}

int64_t eval_batch_size(const ModelSpec& spec) { return spec.kind == "cnn" ? 512 : 2048; }

namespace {

// Runs `fn(output_on_host, begin, count)` over the set in batches.
template <typename Fn>
void for_each_batch(nn::Module& model, const Tensor& x, Device device, int64_t batch_size, const Tensor* y,
                    TaskKind task, double* loss_sum, Fn fn) {
  NoGradGuard no_grad;
  bool was_training = model.is_training();
  model.eval();
  const int64_t n = x.size(0);
  for (int64_t i = 0, b = 0; i < n; i += b) {  // i += b: i + batch_size may overflow
    b = std::min(batch_size, n - i);
    Tensor out = model(x.narrow(0, i, b).to(device));
    if (y) *loss_sum += task_loss(out, y->narrow(0, i, b).to(device), task, nn::Reduction::Sum).item();
    fn(out.cpu().contiguous(), i, b);
  }
  model.train(was_training);
}

}  // namespace

EvalResult evaluate(nn::Module& model, const Tensor& x, const Tensor& y, const ModelSpec& spec, Device device,
                    int64_t batch_size) {
  EvalResult r;
  r.n = x.size(0);
  WICK_CHECK(r.n > 0, "evaluate: the evaluation set is empty");
  double loss_sum = 0;
  if (spec.task == TaskKind::Regression) {
    std::vector<float> yv = y.contiguous().to_vector<float>();
    double sse = 0, sae = 0, sy = 0, syy = 0;
    const double sd = spec.target_std;
    for_each_batch(model, x, device, batch_size, &y, spec.task, &loss_sum, [&](const Tensor& out, int64_t i, int64_t b) {
      const float* o = out.data_ptr<float>();
      for (int64_t k = 0; k < b; ++k) {
        double truth = yv[i + k] * sd, d = (o[k] - yv[i + k]) * sd;  // the mean cancels in differences
        sse += d * d;
        sae += std::abs(d);
        sy += truth;
        syy += truth * truth;
      }
    });
    double n = static_cast<double>(r.n);
    double sst = syy - sy * sy / n;
    r.mse = sse / n;
    r.mae = sae / n;
    r.r2 = sst > 0 ? 1 - sse / sst : 0;
    r.loss = loss_sum / n * sd * sd;
    r.metric = r.r2;
    return r;
  }
  int64_t k = static_cast<int64_t>(spec.class_names.size());
  if (spec.task == TaskKind::Binary) k = 2;
  r.confusion.assign(k, std::vector<int64_t>(k, 0));
  if (spec.task == TaskKind::Binary) {
    std::vector<float> yv = y.contiguous().to_vector<float>();
    for (float v : yv) r.truth.push_back(v > 0.5f ? 1 : 0);
  } else {
    r.truth = y.contiguous().to_vector<int64_t>();
  }
  r.predicted.resize(r.n);
  for_each_batch(model, x, device, batch_size, &y, spec.task, &loss_sum, [&](const Tensor& out, int64_t i, int64_t b) {
    const float* o = out.data_ptr<float>();
    const int64_t c = out.size(1);
    for (int64_t e = 0; e < b; ++e) {
      const float* row = o + e * c;
      r.predicted[i + e] = spec.task == TaskKind::Binary ? (row[0] > 0 ? 1 : 0) : std::max_element(row, row + c) - row;
    }
  });
  // Counts and scores by wick::metrics (scikit-learn's definitions).
  const Tensor cm = metrics::confusion_matrix(from_vector(r.predicted, {r.n}), from_vector(r.truth, {r.n}), k);
  const metrics::ClassificationReport rep = metrics::precision_recall_f1(cm);
  const std::vector<int64_t> counts = cm.to_vector<int64_t>();
  for (int64_t t = 0; t < k; ++t) r.confusion[t].assign(counts.begin() + t * k, counts.begin() + (t + 1) * k);
  r.loss = loss_sum / static_cast<double>(r.n);
  r.metric = rep.accuracy;
  const std::vector<double> precision = rep.precision.to_vector<double>(), recall = rep.recall.to_vector<double>(),
                            f1 = rep.f1.to_vector<double>();
  const std::vector<int64_t> support = rep.support.to_vector<int64_t>();
  for (int64_t c = 0; c < k; ++c)
    r.per_class.push_back({.precision = precision[c], .recall = recall[c], .f1 = f1[c], .support = support[c]});
  return r;
}

Tensor predict_outputs(nn::Module& model, const Tensor& x, const ModelSpec& spec, Device device, int64_t batch_size) {
  std::vector<Tensor> parts;
  double unused = 0;
  for_each_batch(model, x, device, batch_size, nullptr, spec.task, &unused, [&](const Tensor& out, int64_t, int64_t) {
    if (spec.task == TaskKind::Classification) {
      parts.push_back(out.softmax(1));
    } else if (spec.task == TaskKind::Binary) {
      Tensor p = out.sigmoid();
      parts.push_back(cat({1.0 - p, p}, 1));
    } else {
      parts.push_back(out * spec.target_std + spec.target_mean);
    }
  });
  return cat(parts, 0);
}

std::string format_eval(const EvalResult& r, const ModelSpec& spec) {
  std::ostringstream os;
  char buf[256];
  os << "examples: " << r.n << "\n";
  if (spec.task == TaskKind::Regression) {
    std::snprintf(buf, sizeof buf, "mse: %.6g\nmae: %.6g\nr2: %.6f\n", r.mse, r.mae, r.r2);
    os << buf;
    return os.str();
  }
  std::snprintf(buf, sizeof buf, "loss: %.6f\naccuracy: %.4f\n", r.loss, r.metric);
  os << buf;
  std::vector<std::string> names = spec.class_names;
  size_t k = r.confusion.size();
  size_t w = 5;
  for (auto& n : names) w = std::max(w, n.size());
  w = std::min<size_t>(w, 16);
  os << "\nconfusion matrix (rows: true class, columns: predicted class)\n";
  std::snprintf(buf, sizeof buf, "%*s", static_cast<int>(w), "");
  os << buf;
  for (size_t j = 0; j < k; ++j) {
    std::snprintf(buf, sizeof buf, " %6zu", j);
    os << buf;
  }
  os << "\n";
  for (size_t i = 0; i < k; ++i) {
    std::string n = i < names.size() ? names[i].substr(0, w) : std::to_string(i);
    std::snprintf(buf, sizeof buf, "%*s", static_cast<int>(w), n.c_str());
    os << buf;
    for (size_t j = 0; j < k; ++j) {
      std::snprintf(buf, sizeof buf, " %6lld", static_cast<long long>(r.confusion[i][j]));
      os << buf;
    }
    os << "\n";
  }
  os << "\nper class\n";
  std::snprintf(buf, sizeof buf, "%*s  %9s  %6s  %6s  %7s\n", static_cast<int>(w), "class", "precision", "recall", "f1",
                "support");
  os << buf;
  double mp = 0, mr = 0, mf = 0;
  for (size_t i = 0; i < r.per_class.size(); ++i) {
    const ClassScores& s = r.per_class[i];
    std::string n = i < names.size() ? names[i].substr(0, w) : std::to_string(i);
    std::snprintf(buf, sizeof buf, "%*s  %9.4f  %6.4f  %6.4f  %7lld\n", static_cast<int>(w), n.c_str(), s.precision,
                  s.recall, s.f1, static_cast<long long>(s.support));
    os << buf;
    mp += s.precision;
    mr += s.recall;
    mf += s.f1;
  }
  double kk = r.per_class.empty() ? 1 : static_cast<double>(r.per_class.size());
  std::snprintf(buf, sizeof buf, "%*s  %9.4f  %6.4f  %6.4f  %7lld\n", static_cast<int>(w), "macro avg", mp / kk, mr / kk,
                mf / kk, static_cast<long long>(r.n));
  os << buf;
  return os.str();
}

}  // namespace wick::cli
