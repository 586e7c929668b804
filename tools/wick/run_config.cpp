#include "run_config.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "augment.h"
#include "common.h"
#include "data_prep.h"
#include "json_int.h"
#include "model_spec.h"

namespace wick::cli {

using nlohmann::json;

namespace {

const char* const kFix = "; the file is damaged or was edited: restore it or start a new run";

// Typed reads: integers must be stored as JSON integers (json_int.h).
class Args {
 public:
  Args(const json& args, const std::string& path) : a_(args), path_(path) {}

  bool has(const char* key) const { return a_.contains(key); }
  int64_t integer(const char* key, int64_t lo, int64_t hi) const {
    const std::optional<int64_t> i = json_int64(at(key));
    if (i && *i >= lo && *i <= hi) return *i;
    bad(key, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  uint64_t unsigned_integer(const char* key) const {
    const std::optional<uint64_t> u = json_uint64(at(key));
    if (!u) bad(key, "a non-negative integer");
    return *u;
  }
  double number(const char* key) const {
    const json& v = at(key);
    if (!v.is_number()) bad(key, "a number");
    return v.get<double>();
  }
  std::string string(const char* key) const {
    const json& v = at(key);
    if (!v.is_string()) bad(key, "a string");
    return v.get<std::string>();
  }
  bool boolean(const char* key) const {
    const json& v = at(key);
    if (!v.is_boolean()) bad(key, "true or false");
    return v.get<bool>();
  }

 private:
  const json& at(const char* key) const {
    auto it = a_.find(key);
    if (it == a_.end()) throw FormatError(path_ + ": not a valid run config: \"args\" has no \"" + key + "\"" + kFix);
    return *it;
  }
  [[noreturn]] void bad(const char* key, const std::string& want) const {
    throw FormatError(path_ + ": not a valid run config: \"args\".\"" + key + "\" must be " + want + kFix);
  }
  const json& a_;
  const std::string& path_;
};

}  // namespace

SavedRun read_run_config(const std::string& json_text, const std::string& path) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception& e) {
    throw FormatError(path + ": not a valid run config (" + e.what() + ")" + kFix);
  }
  if (!doc.is_object() || !doc.contains("args") || !doc["args"].is_object())
    throw FormatError(path + ": not a valid run config: no \"args\" object (the flags of the run)" + kFix);
  const Args a(doc["args"], path);
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kIntMax = std::numeric_limits<int>::max();
  TrainOptions o;
  o.data = a.string("data");
  o.data_dir = a.string("data_dir");
  o.model = a.string("model");
  o.epochs = a.integer("epochs", 0, kMax);
  o.batch_size = a.integer("batch_size", 0, kMax);
  o.optimizer = a.string("optimizer");
  o.lr = a.number("lr");
  o.momentum = a.number("momentum");
  o.schedule = a.string("schedule");
  o.device = a.string("device");
  o.seed = a.unsigned_integer("seed");
  o.threads = static_cast<int>(a.integer("threads", 0, kIntMax));
  o.workers = static_cast<int>(a.integer("workers", 0, 1));
  if (a.has("target")) o.target = a.string("target");
  if (a.has("binary")) o.binary = a.integer("binary", 0, kMax);
  if (a.has("hidden")) o.hidden = a.string("hidden");
  if (a.has("channels")) o.channels = a.string("channels");
  if (a.has("activation")) o.activation = a.string("activation");
  if (a.has("batchnorm")) o.batchnorm = a.boolean("batchnorm");
  if (a.has("dropout")) o.dropout = a.number("dropout");
  if (a.has("weight_decay")) o.weight_decay = a.number("weight_decay");
  if (a.has("limit")) o.limit = a.integer("limit", 0, kMax);
  if (a.has("warmup")) o.warmup = a.integer("warmup", 0, kMaxEpochs);
  if (a.has("test_fraction")) o.test_fraction = a.number("test_fraction");
  if (a.has("clip_grad_norm")) o.clip_grad_norm = a.number("clip_grad_norm");
  if (a.has("augment")) o.augment = a.string("augment");
  if (a.has("detect_anomaly")) o.detect_anomaly = a.boolean("detect_anomaly");
  SavedRun run{.options = o};
  if (doc.contains("command")) {
    if (!doc["command"].is_string())
      throw FormatError(path + ": not a valid run config: \"command\" must be a string" + kFix);
    run.command = doc["command"].get<std::string>();
  }
  if (doc.contains("resumed")) {
    const json& r = doc["resumed"];
    if (!r.is_array() || !std::all_of(r.begin(), r.end(), [](const json& c) { return c.is_string(); }))
      throw FormatError(path + ": not a valid run config: \"resumed\" must be a list of strings" + kFix);
    for (const json& c : r) run.resumed.push_back(c.get<std::string>());
  }
  return run;
}

namespace {

// --warmup N is SequentialLR(LinearLR(start_factor 0.1, total_iters N),
// <schedule>, milestones [N]), as PyTorch users write it (train.cpp). The
// schedule after it needs an epoch of its own (cosine over epochs - N, step
// every (epochs - N) / 3), and a warmup that never reaches --lr is a typo,
// so N < --epochs. OneCycleLR warms up within itself (pct_start).
void validate_warmup(const TrainOptions& o) {
  if (o.warmup < 0) usage_error("--warmup ", o.warmup, ": must be 0 or more epochs of linear warmup (0: none)");
  if (o.warmup == 0) return;
  if (o.schedule == "onecycle")
    usage_error("--warmup ", o.warmup, " cannot be combined with --schedule onecycle, which warms up by itself "
                "(its first 30% of steps): leave --warmup out");
  if (o.warmup >= o.epochs)
    usage_error("--warmup ", o.warmup, ": must be less than --epochs ", o.epochs,
                " (the lr reaches --lr at epoch ", o.warmup + 1, "); lower --warmup or raise --epochs");
}

}  // namespace

void validate_train_options(const TrainOptions& o) {
  validate_model_flags(model_flags(o));
  if (o.optimizer != "sgd" && o.optimizer != "adam" && o.optimizer != "adamw")
    usage_error("--optimizer ", o.optimizer, ": unknown optimizer; choose sgd, adam or adamw");
  if (o.schedule != "none" && o.schedule != "cosine" && o.schedule != "step" && o.schedule != "onecycle")
    usage_error("--schedule ", o.schedule, ": unknown schedule; choose none, cosine, step or onecycle");
  if (o.epochs < 1) usage_error("--epochs ", o.epochs, ": must be at least 1");
  // An epoch is at least one step: more than a million of them is a typo,
  // and the counts are shown and stored as int.
  if (o.epochs > kMaxEpochs) usage_error("--epochs ", o.epochs, ": at most ", kMaxEpochs);
  validate_warmup(o);
  if (o.batch_size < 1) usage_error("--batch-size ", o.batch_size, ": must be at least 1");
  if (!(o.lr > 0) || !std::isfinite(o.lr)) usage_error("--lr ", o.lr, ": the learning rate must be a positive number");
  if (!(o.momentum >= 0 && o.momentum < 1)) usage_error("--momentum ", o.momentum, ": must be in [0, 1)");
  if (o.momentum > 0 && o.optimizer != "sgd")
    usage_error("--momentum applies to --optimizer sgd (Adam's beta1 plays that role)");
  if (o.weight_decay && !(*o.weight_decay >= 0)) usage_error("--weight-decay ", *o.weight_decay, ": must be >= 0");
  if (o.threads < 0) usage_error("--threads ", o.threads, ": must be >= 0 (0: all cores)");
  if (o.workers != 0 && o.workers != 1) usage_error("--workers ", o.workers, ": must be 0 or 1");
  if (o.limit < 0) usage_error("--limit ", o.limit, ": must be >= 0 (0: the whole training set)");
  if (!(o.test_fraction > 0 && o.test_fraction < 1)) usage_error("--test-fraction ", o.test_fraction, ": must be in (0, 1)");
  if (o.clip_grad_norm && !(*o.clip_grad_norm > 0 && std::isfinite(*o.clip_grad_norm)))
    usage_error("--clip-grad-norm ", *o.clip_grad_norm, ": must be a positive number (the largest gradient norm, e.g. 1.0)");
  if (!o.augment.empty()) {
    if (!is_builtin_dataset(o.data))
      usage_error("--augment crops and mirrors images; --data ", o.data,
                  " is not an image dataset (mnist, fashion-mnist, cifar10): leave --augment out");
    parse_augment(o.augment);  // the syntax; the crop's size is checked against the images once loaded
  }
}

}  // namespace wick::cli
