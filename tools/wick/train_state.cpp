#include "train_state.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "json_int.h"
#include "run_dir.h"
#include "wick/io/safetensors.h"

namespace wick::cli {

using nlohmann::json;

namespace {

constexpr const char* kTrainKey = "wick.train";
constexpr const char* kOptPrefix = "optimizer.";
constexpr const char* kSchedPrefix = "scheduler.";

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// The state's counters: JSON integers only (json_int.h). A json::exception,
// which load_train_checkpoint reports as a damaged file.
int64_t int_at(const json& j, const char* key) {
  const std::optional<int64_t> i = json_int64(j.at(key));
  if (!i) throw json::type_error::create(302, std::string("\"") + key + "\" must be a whole number", &j);
  return *i;
}
uint64_t uint_at(const json& j, const char* key) {
  const std::optional<uint64_t> u = json_uint64(j.at(key));
  if (!u) throw json::type_error::create(302, std::string("\"") + key + "\" must be a non-negative whole number", &j);
  return *u;
}

// Doubles as "%.17g" strings: exact on the way back, and inf/nan survive
// (JSON numbers cannot hold them).
std::string exact(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
double exact_back(const json& j) { return std::strtod(j.get<std::string>().c_str(), nullptr); }

json row_json(const EpochRow& r) {
  return {{"epoch", r.epoch},           {"train_loss", exact(r.train_loss)}, {"train_metric", exact(r.train_metric)},
          {"test_loss", exact(r.test_loss)}, {"test_metric", exact(r.test_metric)}, {"lr", exact(r.lr)},
          {"seconds", exact(r.seconds)},     {"samples_per_second", exact(r.samples_per_second)}};
}

EpochRow row_back(const json& j) {
  EpochRow r;
  r.epoch = static_cast<int>(int_at(j, "epoch"));
  r.train_loss = exact_back(j.at("train_loss"));
  r.train_metric = exact_back(j.at("train_metric"));
  r.test_loss = exact_back(j.at("test_loss"));
  r.test_metric = exact_back(j.at("test_metric"));
  r.lr = exact_back(j.at("lr"));
  r.seconds = exact_back(j.at("seconds"));
  r.samples_per_second = exact_back(j.at("samples_per_second"));
  return r;
}

TensorDict with_prefix(const TensorDict& all, const char* prefix) {
  TensorDict out;
  for (const auto& [k, v] : all)
    if (starts_with(k, prefix)) out.insert(k.substr(std::string(prefix).size()), v);
  return out;
}

}  // namespace

void save_train_checkpoint(const std::string& path, const nn::Module& model, const optim::Optimizer& opt,
                           const optim::LRScheduler* sched, const ModelSpec& spec, const TrainProgress& p) {
  TensorDict all = model.state_dict();
  for (const auto& [k, v] : opt.state_dict()) all.insert(kOptPrefix + k, v);
  if (sched)
    for (const auto& [k, v] : sched->state_dict()) all.insert(kSchedPrefix + k, v);
  json rows = json::array();
  for (const EpochRow& r : p.rows) rows.push_back(row_json(r));
  const json state = {{"epochs_done", p.epochs_done},
                      {"step", p.step},
                      {"hits", p.hits},
                      {"seen", p.seen},
                      {"loss_sum", exact(p.loss_sum)},
                      {"best_metric", exact(p.best_metric)},
                      {"rng", {{"seed", p.rng.seed}, {"offset", p.rng.offset}}},
                      {"loader_epoch", p.loader_epoch},
                      {"rows", rows}};
  EpochRow last;
  if (!p.rows.empty()) last = p.rows.back();
  Metadata meta = checkpoint_metadata(spec, last);
  meta[kTrainKey] = state.dump();
  save(all, path, meta);
}

TrainProgress load_train_checkpoint(const std::string& path, nn::Module& model, optim::Optimizer& opt,
                                    optim::LRScheduler* sched) {
  const Metadata meta = load_metadata(path);
  auto it = meta.find(kTrainKey);
  if (it == meta.end())
    throw Error(path + ": holds no training state ('" + kTrainKey +
                "' metadata): it was not written by this version of `wick train`; start a new run");
  TrainProgress p;
  try {
    const json j = json::parse(it->second);
    p.epochs_done = int_at(j, "epochs_done");
    p.step = int_at(j, "step");
    p.hits = int_at(j, "hits");
    p.seen = int_at(j, "seen");
    p.loss_sum = exact_back(j.at("loss_sum"));
    p.best_metric = exact_back(j.at("best_metric"));
    p.rng.seed = uint_at(j.at("rng"), "seed");
    p.rng.offset = uint_at(j.at("rng"), "offset");
    p.loader_epoch = int_at(j, "loader_epoch");
    for (const json& r : j.at("rows")) p.rows.push_back(row_back(r));
  } catch (const json::exception& e) {
    throw FormatError(path + ": the training state is not valid (" + e.what() + "); the file is damaged");
  }
  const TensorDict all = load(path);
  try {
    model.load_state_dict(model_entries(all));
    opt.load_state_dict(with_prefix(all, kOptPrefix));
    if (sched) sched->load_state_dict(with_prefix(all, kSchedPrefix));
  } catch (const FormatError&) {
    throw;
  } catch (const Error& e) {
    throw Error(path + ": the saved state does not fit the run's configuration (" + e.what() + ")");
  }
  return p;
}

TensorDict model_entries(const TensorDict& all) {
  TensorDict out;
  for (const auto& [k, v] : all)
    if (!starts_with(k, kOptPrefix) && !starts_with(k, kSchedPrefix)) out.insert(k, v);
  return out;
}

}  // namespace wick::cli
