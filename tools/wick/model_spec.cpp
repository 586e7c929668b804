#include "model_spec.h"

#include <algorithm>
#include <bit>
#include <optional>

#include <nlohmann/json.hpp>

#include "common.h"
#include "json_int.h"
#include "wick/io/safetensors.h"
#include "wick/nn/activation.h"
#include "wick/nn/batchnorm.h"
#include "wick/nn/conv.h"
#include "wick/nn/dropout.h"
#include "wick/nn/linear.h"
#include "wick/nn/pooling.h"

namespace wick::cli {

using nlohmann::json;
using wick::detail::concat;

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

namespace {

// Integers of a model description: JSON integers only (json_int.h).
int64_t integer_value(const json& v, const std::string& source, const char* key) {
  const std::optional<int64_t> i = json_int64(v);
  if (!i)
    throw FormatError(concat(source, ": the model description's \"", key, "\" holds ", v.dump(),
                             " where a whole number (int64) belongs; the file was edited or is damaged"));
  return *i;
}

// The integer list `key` of `j`; absent: `fallback`, or json's out_of_range
// error when there is none (the caller reports it as a malformed file).
std::vector<int64_t> integer_list(const json& j, const std::string& source, const char* key,
                                  const std::vector<int64_t>* fallback = nullptr) {
  if (!j.contains(key) && fallback) return *fallback;
  const json& v = j.at(key);
  if (!v.is_array())
    throw FormatError(concat(source, ": the model description's \"", key, "\" holds ", v.dump(),
                             " where a list of whole numbers belongs; the file was edited or is damaged"));
  std::vector<int64_t> out;
  for (const json& e : v) out.push_back(integer_value(e, source, key));
  return out;
}

// Appended piece by piece: operator+ on short literals trips GCC 12's
// -Wrestrict false alarm (see wick/nn/size2.h).
std::string join(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s.append(1, ',');
    s.append(std::to_string(v[i]));
  }
  return s;
}

std::string hw(int64_t h, int64_t w) { return std::to_string(h) + "x" + std::to_string(w); }

bool is_activation(const std::string& name) {
  for (const char* a : {"relu", "leaky_relu", "elu", "gelu", "silu", "mish", "tanh"})
    if (name == a) return true;
  return false;
}

// The layer for an activation name is_activation accepted.
nn::Sequential& push_activation(nn::Sequential& seq, const std::string& name) {
  if (name == "leaky_relu") return seq.push_back(nn::LeakyReLU());
  if (name == "elu") return seq.push_back(nn::ELU());
  if (name == "gelu") return seq.push_back(nn::GELU());
  if (name == "silu") return seq.push_back(nn::SiLU());
  if (name == "mish") return seq.push_back(nn::Mish());
  if (name == "tanh") return seq.push_back(nn::Tanh());
  return seq.push_back(nn::ReLU());
}

// The flags that size the model, as the user would type them (error messages).
std::string size_flags(const ModelSpec& spec) {
  std::string s;
  if (spec.kind == "cnn") s.append("--channels ").append(join(spec.channels));
  if ((spec.kind == "mlp" || spec.kind == "cnn") && !spec.hidden.empty()) {
    if (!s.empty()) s.append(1, ' ');
    s.append("--hidden ").append(join(spec.hidden));
  }
  return s;
}

}  // namespace

std::pair<int64_t, int64_t> ModelSpec::pooled_size() const {
  int64_t h = input_shape.at(1), w = input_shape.at(2);
  for (size_t b = 0; b < channels.size(); ++b) h /= 2, w /= 2;
  return {h, w};
}

std::string cnn_geometry_problem(const ModelSpec& spec) {
  if (spec.input_shape.size() != 3)
    return concat("a cnn takes images [channels, height, width], not inputs of shape ", json(spec.input_shape).dump());
  int64_t h = spec.input_shape[1], w = spec.input_shape[2];
  std::string path = hw(h, w);
  for (size_t b = 0; b < spec.channels.size(); ++b) {
    // Conv2d(3, padding 1) keeps the size; MaxPool2d(2) halves it, rounding down.
    if (h < 2 || w < 2) {
      // Halvings before the smaller side drops below 2: floor(log2(side)).
      const int fit =
          std::bit_width(static_cast<uint64_t>(std::min(spec.input_shape[1], spec.input_shape[2]))) - 1;
      return concat(spec.channels.size(), " pooling blocks (each MaxPool2d(2) halves the size) shrink ",
                    hw(spec.input_shape[1], spec.input_shape[2]), " images to nothing: ", path, " -> ",
                    hw(h / 2, w / 2), " at block ", b + 1, "; ", hw(spec.input_shape[1], spec.input_shape[2]),
                    " images fit at most ", fit, " blocks");
    }
    h /= 2;
    w /= 2;
    path += " -> " + hw(h, w);
  }
  return "";
}

nn::Sequential ModelSpec::build() const {
  nn::Sequential seq;
  int64_t in = 0;
  if (kind == "cnn") {
    int64_t c_in = input_shape.at(0);
    for (int64_t c : channels) {
      seq.push_back(nn::Conv2d(c_in, c, 3, {.padding = 1}));
      if (batchnorm) seq.push_back(nn::BatchNorm2d(c));
      push_activation(seq, activation);
      seq.push_back(nn::MaxPool2d(2));
      c_in = c;
    }
    seq.push_back(nn::Flatten());
    const auto [h, w] = pooled_size();
    in = c_in * h * w;
  } else {
    seq.push_back(nn::Flatten());
    in = in_features();
  }
  if (kind == "mlp" || kind == "cnn") {
    for (int64_t h : hidden) {
      seq.push_back(nn::Linear(in, h));
      if (batchnorm) seq.push_back(nn::BatchNorm1d(h));
      push_activation(seq, activation);
      if (dropout > 0) seq.push_back(nn::Dropout(dropout));
      in = h;
    }
  }
  seq.push_back(nn::Linear(in, num_outputs));
  return seq;
}

void validate_model_flags(const ModelFlags& f) {
  const std::string models[] = {"softmax", "logistic", "linear", "mlp", "cnn"};
  if (std::find(std::begin(models), std::end(models), f.model) == std::end(models))
    usage_error("--model ", f.model, ": unknown model; choose ", kModelNames);
  const bool stack = f.model == "mlp" || f.model == "cnn";
  if (!stack && (!f.hidden.empty() || f.batchnorm || f.dropout > 0 || !f.activation.empty()))
    usage_error("--hidden, --batchnorm, --dropout and --activation apply to --model mlp or cnn, not ", f.model);
  if (!f.activation.empty() && !is_activation(f.activation))
    usage_error("--activation ", f.activation, ": unknown activation; choose ", kActivationNames);
  if (!(f.dropout >= 0 && f.dropout < 1)) usage_error("--dropout ", f.dropout, ": must be in [0, 1)");
  parse_int_list(f.hidden, "--hidden");
  if (!f.channels.empty() && f.model != "cnn")
    usage_error("--channels applies to --model cnn (one conv block per entry), not ", f.model);
  parse_int_list(f.channels, "--channels", "16,32");
  // cnn's Dropout follows the hidden Linear layers only: without one it
  // would silently do nothing.
  if (f.model == "cnn" && f.dropout > 0 && f.hidden.empty())
    usage_error("--dropout ", f.dropout, ": --model cnn puts Dropout after its hidden Linear layers, and it has",
                " none; add --hidden SIZES (e.g. --hidden 128) or leave --dropout out");
}

void apply_model_flags(ModelSpec& spec, const ModelFlags& f) {
  spec.kind = f.model;
  spec.hidden.clear();
  spec.channels.clear();
  if (f.model == "mlp" || f.model == "cnn") {
    spec.hidden = f.hidden.empty() ? (f.model == "mlp" ? std::vector<int64_t>{256} : std::vector<int64_t>{})
                                   : parse_int_list(f.hidden, "--hidden");
    spec.batchnorm = f.batchnorm;
    spec.dropout = f.dropout;
    spec.activation = f.activation.empty() ? "relu" : f.activation;
  }
  if (f.model == "cnn") spec.channels = f.channels.empty() ? std::vector<int64_t>{16, 32} : parse_int_list(f.channels, "--channels");
  check_model_size(spec);
}

void check_model_size(const ModelSpec& spec) {
  if (spec.kind == "cnn") {
    const std::string problem = cnn_geometry_problem(spec);
    if (!problem.empty()) usage_error("--channels ", join(spec.channels), ": ", problem);
  }
  // In double: the int64 product of absurd sizes would overflow.
  double in = 1, params = 0;
  for (int64_t d : spec.input_shape) in *= static_cast<double>(d);
  if (spec.kind == "cnn") {
    double c_in = static_cast<double>(spec.input_shape[0]);
    for (int64_t c : spec.channels) {
      params += (9 * c_in + 1 + (spec.batchnorm ? 2 : 0)) * static_cast<double>(c);
      c_in = static_cast<double>(c);
    }
    const auto [h, w] = spec.pooled_size();
    in = c_in * static_cast<double>(h) * static_cast<double>(w);
  }
  const bool stack = spec.kind == "mlp" || spec.kind == "cnn";
  for (int64_t h : stack ? spec.hidden : std::vector<int64_t>{}) {
    params += (in + 1 + (spec.batchnorm ? 2 : 0)) * static_cast<double>(h);
    in = static_cast<double>(h);
  }
  params += (in + 1) * static_cast<double>(spec.num_outputs);
  constexpr double kMaxParameters = 1e9;
  if (params > kMaxParameters) {
    const std::string flags = size_flags(spec);
    usage_error(flags.empty() ? "the" : flags + ": the", " model would have ", format_double(params, 3),
                " parameters, more than 1e9; use smaller ", spec.kind == "cnn" ? "channel counts or " : "",
                "hidden sizes");
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
  // Only for cnn: the other kinds' descriptions stay as they were.
  if (kind == "cnn") j["channels"] = channels;
  // Only when not ReLU: descriptions written before --activation mean ReLU.
  if (activation != "relu") j["activation"] = activation;
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
    WICK_CHECK(s.kind == "softmax" || s.kind == "logistic" || s.kind == "linear" || s.kind == "mlp" || s.kind == "cnn", source,
               ": unknown model kind '", s.kind, "' in the model description");
    const std::vector<int64_t> none;
    s.input_shape = integer_list(j, source, "input_shape");
    s.hidden = integer_list(j, source, "hidden", &none);
    s.channels = integer_list(j, source, "channels", &none);
    s.batchnorm = j.value("batchnorm", false);
    s.dropout = j.value("dropout", 0.0);
    s.activation = j.value("activation", "relu");
    s.num_outputs = integer_value(j.at("num_outputs"), source, "num_outputs");
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
    s.binary_positive = j.contains("binary_positive") ? integer_value(j["binary_positive"], source, "binary_positive") : -1;
  } catch (const json::exception& e) {
    throw FormatError(source + ": malformed model description (" + e.what() + ")");
  }
  WICK_CHECK(!s.input_shape.empty() && s.num_outputs > 0, source, ": model description has no input shape or outputs");
  // Checked here, where the file is named, rather than failing later in
  // Linear or confusion_matrix (the file was edited or damaged).
  const bool sizes_ok = std::all_of(s.input_shape.begin(), s.input_shape.end(), [](int64_t d) { return d > 0; }) &&
                        std::all_of(s.hidden.begin(), s.hidden.end(), [](int64_t d) { return d > 0; }) &&
                        std::all_of(s.channels.begin(), s.channels.end(), [](int64_t d) { return d > 0; });
  WICK_CHECK(sizes_ok, source, ": the model description has a size that is not positive (input_shape ",
             json(s.input_shape).dump(), ", hidden ", json(s.hidden).dump(), ", channels ", json(s.channels).dump(),
             "); the file was edited or is damaged");
  WICK_CHECK(is_activation(s.activation), source, ": unknown activation '", s.activation,
             "' in the model description (wick knows ", kActivationNames, "); the file was edited or is damaged");
  if (s.kind == "cnn") {
    WICK_CHECK(!s.channels.empty(), source, ": a cnn model description without \"channels\"; the file was edited or is damaged");
    const std::string problem = cnn_geometry_problem(s);
    WICK_CHECK(problem.empty(), source, ": the cnn model description does not add up (", problem,
               "); the file was edited or is damaged");
  }
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
