#include "data_prep.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>

#include "common.h"
#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/data/cifar10.h"
#include "wick/data/csv.h"
#include "wick/data/mnist.h"
#include "wick/indexing.h"

namespace wick::cli {

namespace fs = std::filesystem;
using wick::detail::concat;

namespace {

struct ImageStats {
  std::vector<double> mean, std;
};

// The usual published per-channel statistics of each training set.
ImageStats image_stats(const std::string& name) {
  if (name == "mnist") return {{0.1307}, {0.3081}};
  if (name == "fashion-mnist") return {{0.2860}, {0.3530}};
  return {{0.4914, 0.4822, 0.4465}, {0.2470, 0.2435, 0.2616}};  // cifar10
}

// data_dir/<name> when it exists (the layout `wick data fetch` writes), else
// data_dir itself (the files directly inside).
std::string resolve_dir(const std::string& data_dir, const std::string& name) {
  if (fs::exists(data_dir) && !fs::is_directory(data_dir))
    throw Error(concat("--data-dir ", data_dir, ": is a file, not a folder; pass the folder that holds ", name, "/"));
  if (!fs::is_directory(data_dir))
    throw Error(concat("--data-dir ", data_dir, ": no such folder; get the data with `wick data fetch ", name,
                       " --dir ", data_dir, "`"));
  fs::path sub = fs::path(data_dir) / name;
  return fs::is_directory(sub) ? sub.string() : data_dir;
}

Tensor channel_tensor(const std::vector<double>& v, const Tensor& x) {
  std::vector<float> f(v.begin(), v.end());
  Shape shape(static_cast<size_t>(x.dim()), 1);
  if (v.size() > 1) shape[1] = static_cast<int64_t>(v.size());
  return from_vector(f, shape).to(x.device());
}

// Image datasets: inputs [N, C, H, W] float in [0, 1] and int64 labels.
struct RawSplit {
  Tensor x, y;
  std::vector<std::string> classes;
  std::string source;
};

RawSplit load_images(const std::string& name, const std::string& data_dir, data::Split split) {
  std::string dir = resolve_dir(data_dir, name);
  if (name == "cifar10") {
    data::CIFAR10 ds(dir, split);
    return {ds.images(), ds.targets(), ds.classes(), dir};
  }
  if (name == "fashion-mnist") {
    data::FashionMNIST ds(dir, split);
    return {ds.images(), ds.targets(), ds.classes(), dir};
  }
  data::MNIST ds(dir, split);
  return {ds.images(), ds.targets(), ds.classes(), dir};
}

// The same, normalized with the dataset's published statistics. MNIST and
// Fashion-MNIST are read as uint8 and converted in one pass, straight into
// the normalized float32 tensor (data::MNIST keep_uint8 with mean/std): no
// [0, 1] float copy to page in and rewrite (speed, issue 6).
// With `keep` (the training split), MNIST-family pixels stay uint8: x is
// them, *keep the dataset that normalizes each batch (see TrainSet).
RawSplit load_normalized_images(const std::string& name, const std::string& data_dir, data::Split split,
                                std::shared_ptr<const data::MNIST>* keep = nullptr) {
  const ImageStats st = image_stats(name);
  if (name == "mnist" || name == "fashion-mnist") {
    const std::string dir = resolve_dir(data_dir, name);
    const data::MNISTOptions mo{.keep_uint8 = true, .mean = st.mean[0], .std = st.std[0]};
    std::shared_ptr<data::MNIST> ds = name == "mnist" ? std::make_shared<data::MNIST>(dir, split, mo)
                                                      : std::make_shared<data::FashionMNIST>(dir, split, mo);
    if (keep) {
      *keep = ds;
      return {ds->uint8_images(), ds->targets(), ds->classes(), dir};
    }
    return {ds->images(), ds->targets(), ds->classes(), dir};
  }
  RawSplit r = load_images(name, data_dir, split);
  NoGradGuard no_grad;
  // In place: the loaded images are ours; no second copy, no x - mean temporary.
  r.x.sub_(channel_tensor(st.mean, r.x)).div_(channel_tensor(st.std, r.x));
  return r;
}

Tensor binary_targets(const Tensor& labels, int64_t positive) {
  return labels.eq(static_cast<double>(positive)).to(kFloat32).reshape({-1, 1});
}

}  // namespace

bool is_builtin_dataset(const std::string& name) {
  return name == "mnist" || name == "fashion-mnist" || name == "cifar10";
}

void validate_request(const DataRequest& req) {
  if (req.data.empty()) usage_error("--data is required: mnist, fashion-mnist, cifar10 or a PATH.csv");
  bool builtin = is_builtin_dataset(req.data);
  bool csv = req.data.size() > 4 && req.data.substr(req.data.size() - 4) == ".csv";
  if (!builtin && !csv)
    usage_error("--data ", req.data, ": unknown dataset; choose mnist, fashion-mnist, cifar10 or a file ending in .csv");
  // Before --target: a CSV row has no height and width whatever its target.
  if (csv && req.model == "cnn")
    usage_error("--model cnn needs images (mnist, fashion-mnist, cifar10), but --data ", req.data,
                " is a CSV of feature columns: use --model mlp (or softmax, logistic, linear)");
  if (csv && req.target.empty()) usage_error("--data ", req.data, ": a CSV needs --target COLUMN (the column to predict)");
  if (builtin && !req.target.empty()) usage_error("--target applies to CSV data only, not --data ", req.data);
  if (req.binary >= 0 && !builtin) usage_error("--binary applies to the image datasets; a CSV with two classes is binary by itself");
  if (req.binary > 9) usage_error("--binary ", req.binary, ": the image datasets have classes 0..9");
  if (builtin && req.model == "linear")
    usage_error("--model linear is regression; --data ", req.data, " is classification (use softmax, logistic with --binary, mlp or cnn)");
  if (builtin && req.model == "logistic" && req.binary < 0)
    usage_error("--model logistic is binary: add --binary CLASS (one-vs-rest, e.g. --binary 0), or use --model softmax");
  if (builtin && req.model == "softmax" && req.binary >= 0)
    usage_error("--binary makes a two-class problem: use --model logistic (or mlp, cnn) with it");
}

Tensor normalize_inputs(const Tensor& x, const ModelSpec& spec) {
  NoGradGuard no_grad;
  return (x - channel_tensor(spec.mean, x)) / channel_tensor(spec.std, x);
}

TrainSet::TrainSet(const PreparedData& d) : x_(d.train_x), y_(d.train_y), images_(d.train_images) {}

data::Example TrainSet::get(int64_t index) const {
  check_index("TrainSet::get", index);
  data::Batch b = get_batch({index});
  return {b.inputs.select(0, 0), b.targets.select(0, 0)};
}

data::Batch TrainSet::get_batch(const std::vector<int64_t>& indices) const {
  for (int64_t i : indices) check_index("TrainSet::get_batch", i);
  Tensor index = from_vector(indices, {static_cast<int64_t>(indices.size())});
  // Rows below size() are the same rows in train_images (--limit keeps the first ones).
  Tensor x = images_ ? images_->get_batch(indices).inputs : x_.detach().index_select(0, index);
  return {x, y_.detach().index_select(0, index)};
}

Tensor denormalize_inputs(const Tensor& x, const ModelSpec& spec) {
  NoGradGuard no_grad;
  return x * channel_tensor(spec.std, x) + channel_tensor(spec.mean, x);
}

PreparedData prepare_training_data(const DataRequest& req) {
  validate_request(req);
  PreparedData out;
  ModelSpec& spec = out.spec;
  if (is_builtin_dataset(req.data)) {
    RawSplit train = load_normalized_images(req.data, req.data_dir, data::Split::Train, &out.train_images);
    RawSplit test = load_normalized_images(req.data, req.data_dir, data::Split::Test);
    // The model's input shape comes from the files, so check them: 14x56
    // pixels are 784 values too, and a train set of other dims than the
    // test set would fail only after the first epoch.
    const Shape want = req.data == "cifar10" ? Shape{3, 32, 32} : Shape{1, 28, 28};
    for (const auto& [split, name] : {std::pair{&train, "train"}, std::pair{&test, "test"}}) {
      const Shape got(split->x.sizes().begin() + 1, split->x.sizes().end());
      WICK_CHECK(got == want, split->source, ": the ", name, " images are ", shape_str(got), ", but ", req.data,
                 " images are ", shape_str(want), " (channels, height, width); are these the right files?");
    }
    out.images = true;
    spec.dataset = req.data;
    spec.input_shape = {train.x.size(1), train.x.size(2), train.x.size(3)};
    ImageStats st = image_stats(req.data);
    spec.mean = st.mean;
    spec.std = st.std;
    out.train_x = train.x;
    out.test_x = test.x;
    out.train_source = train.source;
    out.test_source = test.source;
    if (req.binary >= 0) {
      spec.task = TaskKind::Binary;
      spec.binary_positive = req.binary;
      std::string name = static_cast<size_t>(req.binary) < train.classes.size() ? train.classes[req.binary]
                                                                                 : std::to_string(req.binary);
      spec.class_names = {"not " + name, name};
      spec.num_outputs = 1;
      out.train_y = binary_targets(train.y, req.binary);
      out.test_y = binary_targets(test.y, req.binary);
    } else {
      spec.task = TaskKind::Classification;
      spec.class_names = train.classes;
      spec.num_outputs = static_cast<int64_t>(train.classes.size());
      out.train_y = train.y;
      out.test_y = test.y;
    }
    return out;
  }

  // CSV: linear is regression; the others take what the target column looks
  // like (data::Task::Auto: labels or few distinct integers -> classes).
  // softmax/logistic use Auto too, so that a real-valued target is reported
  // as a regression target instead of becoming one class per distinct value.
  data::Task task = req.model == "linear" ? data::Task::Regression : data::Task::Auto;
  std::optional<data::CSV> read;
  try {
    read.emplace(req.data, data::CSVOptions{.target = req.target, .task = task});
  } catch (const FormatError&) {
    // linear reads the target as numbers. A column of labels is the mirror of
    // softmax on a number column (below): a usage error naming the models.
    if (req.model != "linear") throw;
    std::optional<data::CSV> labels;
    try {
      labels.emplace(req.data, data::CSVOptions{.target = req.target, .task = data::Task::Auto});
    } catch (const Error&) {
    }
    if (!labels || labels->task() != data::Task::Classification) throw;
    usage_error("--model linear is regression, but --target ", req.target, " of ", req.data, " holds labels (such as '",
                labels->class_names()[0], "'): use --model softmax, logistic or mlp");
  }
  const data::CSV& csv = *read;
  WICK_CHECK(csv.inputs().size(1) > 0, req.data, ": no feature columns besides the target '", req.target,
             "'; the model needs at least one other numeric column");
  WICK_CHECK(csv.size() >= 5, req.data, ": only ", csv.size(), " rows; need at least 5 to hold out a test set");
  std::vector<data::Subset> parts = data::random_split(csv, {1.0 - req.test_fraction, req.test_fraction}, req.seed);
  // Both sides need rows: an empty test set would fail only after the
  // first epoch, with the run folder written.
  if (parts[0].size() == 0 || parts[1].size() == 0)
    usage_error("--test-fraction ", req.test_fraction, ": holds out ", parts[1].size(), " of the ", csv.size(),
                " rows of ", req.data, " and trains on ", parts[0].size(), "; both need at least one row: pass a",
                " fraction above 1/", csv.size(), " and below ", csv.size() - 1, "/", csv.size(), " (e.g. 0.2)");
  auto gather = [](const Tensor& t, const std::vector<int64_t>& idx) {
    return t.index_select(0, from_vector(idx, {static_cast<int64_t>(idx.size())}));
  };
  Tensor train_x = gather(csv.inputs(), parts[0].indices()), test_x = gather(csv.inputs(), parts[1].indices());
  Tensor train_y = gather(csv.targets(), parts[0].indices()), test_y = gather(csv.targets(), parts[1].indices());
  spec.dataset = "csv";
  spec.features = csv.feature_names();
  spec.target = csv.target_name();
  spec.input_shape = {csv.inputs().size(1)};
  // Feature statistics from the training rows only (no test leakage); a
  // constant column keeps std 1 instead of dividing by zero.
  {
    NoGradGuard no_grad;
    std::vector<float> m = train_x.to(kFloat64).mean(0).to(kFloat32).to_vector<float>();
    std::vector<float> s = train_x.to(kFloat64).std(0, false).to(kFloat32).to_vector<float>();
    for (size_t i = 0; i < m.size(); ++i) {
      spec.mean.push_back(m[i]);
      spec.std.push_back(std::isfinite(s[i]) && s[i] > 1e-12 ? s[i] : 1.0);
    }
  }
  out.train_x = normalize_inputs(train_x, spec);
  out.test_x = normalize_inputs(test_x, spec);
  out.train_source = concat(req.data, " (", parts[0].size(), " rows)");
  out.test_source = concat(req.data, " (", parts[1].size(), " held-out rows, seed ", req.seed, ")");
  if (csv.task() == data::Task::Regression) {
    if (req.model == "softmax" || req.model == "logistic")
      usage_error("--model ", req.model, " is classification, but --target ", req.target, " of ", req.data,
                  " is a number column (regression): use --model linear or mlp");
    spec.task = TaskKind::Regression;
    spec.num_outputs = 1;
    double mean = train_y.to(kFloat64).mean().item();
    double sd = train_y.to(kFloat64).std(false).item();
    spec.target_mean = mean;
    spec.target_std = std::isfinite(sd) && sd > 1e-12 ? sd : 1.0;
    out.train_y = (train_y - spec.target_mean) / spec.target_std;
    out.test_y = (test_y - spec.target_mean) / spec.target_std;
    return out;
  }
  spec.class_names = csv.class_names();
  int64_t k = static_cast<int64_t>(spec.class_names.size());
  if (k < 2)
    usage_error("--target ", req.target, ": only one class ('", spec.class_names[0], "') in ", req.data,
                "; classification needs at least 2");
  if (req.model == "logistic") {
    if (k != 2)
      usage_error("--model logistic is binary, but --target ", req.target, " of ", req.data, " has ", k,
                  " classes: use --model softmax or mlp");
    spec.task = TaskKind::Binary;
    spec.num_outputs = 1;
    out.train_y = binary_targets(train_y, 1);
    out.test_y = binary_targets(test_y, 1);
  } else {
    spec.task = TaskKind::Classification;
    spec.num_outputs = k;
    out.train_y = train_y;
    out.test_y = test_y;
  }
  return out;
}

EvalData prepare_eval_data(const ModelSpec& spec, const std::string& data, const std::string& data_dir) {
  EvalData out;
  if (is_builtin_dataset(data)) {
    WICK_CHECK(spec.dataset != "csv", "--data ", data, ": the checkpoint was trained on CSV features (",
               spec.features.size(), " columns), not on images");
    RawSplit test = load_images(data, data_dir, data::Split::Test);
    Shape want(spec.input_shape.begin(), spec.input_shape.end());
    Shape got(test.x.sizes().begin() + 1, test.x.sizes().end());
    WICK_CHECK(got == want, "--data ", data, ": images of shape ", shape_str(got), " but the model takes ",
               shape_str(want));
    out.images = true;
    out.source = test.source + " (test split)";
    out.x = normalize_inputs(test.x, spec);
    out.y = spec.task == TaskKind::Binary ? binary_targets(test.y, spec.binary_positive) : test.y;
    return out;
  }
  if (data.size() <= 4 || data.substr(data.size() - 4) != ".csv")
    usage_error("--data ", data, ": unknown dataset; choose mnist, fashion-mnist, cifar10 or a file ending in .csv");
  WICK_CHECK(spec.dataset == "csv", "--data ", data, ": the checkpoint was trained on ", spec.dataset,
             " images, not on CSV features");
  data::CSVOptions opt{.target = spec.target,
                       .task = spec.task == TaskKind::Regression ? data::Task::Regression : data::Task::Classification,
                       .features = spec.features,
                       .class_names = spec.task == TaskKind::Regression ? std::vector<std::string>{} : spec.class_names};
  data::CSV csv(data, opt);
  out.source = data;
  out.x = normalize_inputs(csv.inputs(), spec);
  if (spec.task == TaskKind::Regression)
    out.y = (csv.targets() - spec.target_mean) / spec.target_std;
  else if (spec.task == TaskKind::Binary)
    out.y = binary_targets(csv.targets(), 1);
  else
    out.y = csv.targets();
  return out;
}

}  // namespace wick::cli
