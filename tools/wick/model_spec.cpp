#include "model_spec.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common.h"
#include "wick/io/safetensors.h"
#include "wick/nn/activation.h"
#include "wick/nn/batchnorm.h"
#include "wick/nn/dropout.h"
#include "wick/nn/linear.h"

namespace wick::cli {

using nlohmann::json;

const char* task_name(TaskKind t) {
  switch (t) {
    case TaskKind::Classification: return "classification";
    case TaskKind::Binary: return "binary";
    case TaskKind::Regression: return "regression";
  }
  return "?";
}

int64_t ModelSpec::in_features() const {
  int64_t n = 1;
  for (int64_t d : input_shape) n *= d;
  return n;
}

nn::Sequential ModelSpec::build() const {
  nn::Sequential seq;
  seq.push_back(nn::Flatten());
  int64_t in = in_features();
  if (kind == "mlp") {
    for (int64_t h : hidden) {
      seq.push_back(nn::Linear(in, h));
      if (batchnorm) seq.push_back(nn::BatchNorm1d(h));
      seq.push_back(nn::ReLU());
      if (dropout > 0) seq.push_back(nn::Dropout(dropout));
      in = h;
    }
  }
  seq.push_back(nn::Linear(in, num_outputs));
  return seq;
}

void check_model_size(const ModelSpec& spec) {
  // In double: the int64 product of absurd sizes would overflow.
  double in = 1, params = 0;
  for (int64_t d : spec.input_shape) in *= static_cast<double>(d);
  for (int64_t h : spec.kind == "mlp" ? spec.hidden : std::vector<int64_t>{}) {
    params += (in + 1 + (spec.batchnorm ? 2 : 0)) * static_cast<double>(h);
    in = static_cast<double>(h);
  }
  params += (in + 1) * static_cast<double>(spec.num_outputs);
  constexpr double kMaxParameters = 1e9;
  if (params > kMaxParameters) {
    std::string hidden = "--hidden";
    for (size_t i = 0; i < spec.hidden.size(); ++i) {
      hidden += i ? ',' : ' ';
      hidden += std::to_string(spec.hidden[i]);
    }
    usage_error(spec.kind == "mlp" ? hidden + ": the" : "the", " model would have ",
                format_double(params, 3), " parameters, more than 1e9; use smaller hidden sizes");
  }
}

json ModelSpec::to_json() const {
  json j = {{"format", "wick.model.v1"},
            {"kind", kind},
            {"task", task_name(task)},
            {"input_shape", input_shape},
            {"hidden", hidden},
            {"batchnorm", batchnorm},
            {"dropout", dropout},
            {"num_outputs", num_outputs},
            {"class_names", class_names},
            {"normalize", {{"mean", mean}, {"std", std}}},
            {"dataset", dataset}};
  if (task == TaskKind::Regression) j["target_normalize"] = {{"mean", target_mean}, {"std", target_std}};
  if (!features.empty()) j["features"] = features;
  if (!target.empty()) j["target"] = target;
  if (binary_positive >= 0) j["binary_positive"] = binary_positive;
  return j;
}

ModelSpec ModelSpec::from_json(const json& j, const std::string& source) {
  ModelSpec s;
  try {
    WICK_CHECK(j.value("format", "") == "wick.model.v1", source, ": unknown model description format '",
               j.value("format", ""), "' (expected wick.model.v1)");
    s.kind = j.at("kind").get<std::string>();
    std::string task = j.at("task").get<std::string>();
    if (task == "classification") s.task = TaskKind::Classification;
    else if (task == "binary") s.task = TaskKind::Binary;
    else if (task == "regression") s.task = TaskKind::Regression;
    else throw Error(source + ": unknown task '" + task + "' in the model description");
    WICK_CHECK(s.kind == "softmax" || s.kind == "logistic" || s.kind == "linear" || s.kind == "mlp", source,
               ": unknown model kind '", s.kind, "' in the model description");
    s.input_shape = j.at("input_shape").get<std::vector<int64_t>>();
    s.hidden = j.value("hidden", std::vector<int64_t>{});
    s.batchnorm = j.value("batchnorm", false);
    s.dropout = j.value("dropout", 0.0);
    s.num_outputs = j.at("num_outputs").get<int64_t>();
    s.class_names = j.value("class_names", std::vector<std::string>{});
    s.mean = j.at("normalize").at("mean").get<std::vector<double>>();
    s.std = j.at("normalize").at("std").get<std::vector<double>>();
    if (j.contains("target_normalize")) {
      s.target_mean = j["target_normalize"].at("mean").get<double>();
      s.target_std = j["target_normalize"].at("std").get<double>();
    }
    s.dataset = j.value("dataset", "");
    s.features = j.value("features", std::vector<std::string>{});
    s.target = j.value("target", "");
    s.binary_positive = j.value("binary_positive", int64_t{-1});
  } catch (const json::exception& e) {
    throw FormatError(source + ": malformed model description (" + e.what() + ")");
  }
  WICK_CHECK(!s.input_shape.empty() && s.num_outputs > 0, source, ": model description has no input shape or outputs");
  // Checked here, where the file is named, rather than failing later in
  // Linear or confusion_matrix (the file was edited or damaged).
  const bool sizes_ok = std::all_of(s.input_shape.begin(), s.input_shape.end(), [](int64_t d) { return d > 0; }) &&
                        std::all_of(s.hidden.begin(), s.hidden.end(), [](int64_t d) { return d > 0; });
  WICK_CHECK(sizes_ok, source, ": the model description has a size that is not positive (input_shape ",
             json(s.input_shape).dump(), ", hidden ", json(s.hidden).dump(), "); the file was edited or is damaged");
  const size_t names = s.task == TaskKind::Binary ? 2 : static_cast<size_t>(s.num_outputs);
  WICK_CHECK(s.task == TaskKind::Regression || s.class_names.size() == names, source, ": the model description has ",
             s.class_names.size(), " class names for ", names, " classes; the file was edited or is damaged");
  WICK_CHECK(s.task == TaskKind::Classification || s.num_outputs == 1, source, ": a ", task_name(s.task),
             " model description with ", s.num_outputs, " outputs (expected 1); the file was edited or is damaged");
  return s;
}

ModelSpec read_spec(const std::string& checkpoint) {
  Metadata meta = load_metadata(checkpoint);
  auto it = meta.find(kSpecKey);
  if (it == meta.end())
    throw FormatError(checkpoint + ": no '" + kSpecKey +
                      "' entry in the safetensors metadata: not a checkpoint written by `wick train`");
  json j;
  try {
    j = json::parse(it->second);
  } catch (const json::exception& e) {
    throw FormatError(checkpoint + ": the model description is not valid JSON (" + e.what() + ")");
  }
  return ModelSpec::from_json(j, checkpoint);
}

}  // namespace wick::cli
