#include "export.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "checkpoint.h"
#include "common.h"
#include "wick/io/pytorch.h"

namespace wick::cli {

namespace {

// The shortest Python float literal that reads back as the same double
// (0.1307, not 0.13070000000000001).
std::string py_float(double v) {
  char buf[32];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (s.find_first_of(".eni") == std::string::npos) s += ".0";
  return s;
}

std::string py_floats(const std::vector<double>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + py_float(v[i]);
  return s + "]";
}

// JSON string literals (ASCII-escaped) are Python string literals too.
std::string py_strings(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + nlohmann::json(v[i]).dump(-1, ' ', true);
  return s + "]";
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s;
}

}  // namespace

std::string pytorch_code(const ModelSpec& spec, const nn::Sequential& model, const std::string& weights_path,
                         const std::string& source) {
  const bool images = spec.features.empty();
  std::ostringstream py;
  py << "# The model of " << source << " as PyTorch code, written by `wick export`.\n"
     << "# Its weights: " << weights_path << " (torch.save format: a state_dict under PyTorch's names).\n"
     << "import torch\nfrom torch import nn\n\n"
     << "WEIGHTS = " << nlohmann::json(weights_path).dump(-1, ' ', true) << "\n\n"
     // Each layer's repr is its constructor call, as PyTorch prints it.
     << "model = nn.Sequential(\n";
  for (const auto& [name, layer] : model.named_children())
    py << "    nn." << layer->name() << "(" << layer->extra_repr() << "),\n";
  py << ")\n"
     << "model.load_state_dict(torch.load(WEIGHTS, map_location=\"cpu\"))\n"
     << "model.eval()\n\n";

  // What wick fed the model and what its outputs mean.
  if (images) {
    py << "# Inputs: float32 images [N, " << shape_text(spec.input_shape) << "], pixel values / 255 (in [0, 1]),\n"
       << "# normalized per channel as in training.\n";
  } else {
    py << "# Inputs: float32 [N, " << spec.features.size() << "], the CSV columns below in this order,\n"
       << "# normalized per feature as in training.\n"
       << "FEATURES = " << py_strings(spec.features) << "\n";
  }
  const char* view = images ? "(1, -1, 1, 1)" : "(1, -1)";
  const std::vector<double> mean = spec.mean.empty() ? std::vector<double>{0.0} : spec.mean;
  const std::vector<double> std = spec.std.empty() ? std::vector<double>{1.0} : spec.std;
  py << "MEAN = torch.tensor(" << py_floats(mean) << ").view" << view << "\n"
     << "STD = torch.tensor(" << py_floats(std) << ").view" << view << "\n";
  if (spec.task == TaskKind::Regression) {
    py << "# The model predicts the standardized target; predict() undoes that.\n"
       << "TARGET = " << nlohmann::json(spec.target.empty() ? "value" : spec.target).dump(-1, ' ', true) << "\n"
       << "TARGET_MEAN = " << py_float(spec.target_mean) << "\n"
       << "TARGET_STD = " << py_float(spec.target_std) << "\n\n\n"
       << "def predict(x):\n"
       << "    \"\"\"The predicted " << "target of each row of x, as `wick predict` prints it.\"\"\"\n"
       << "    with torch.no_grad():\n"
       << "        out = model((x - MEAN) / STD)\n"
       << "    return out[:, 0] * TARGET_STD + TARGET_MEAN\n";
  } else {
    py << "CLASSES = " << py_strings(spec.class_names) << "\n\n\n"
       << "def predict(x):\n"
       << "    \"\"\"(class index, probabilities [N, " << spec.class_names.size()
       << "]) of each example, as `wick predict` prints them.\"\"\"\n"
       << "    with torch.no_grad():\n"
       << "        out = model((x - MEAN) / STD)\n";
    if (spec.task == TaskKind::Binary) {
      // One logit: the probability of the positive class (CLASSES[1]).
      py << "    p = torch.sigmoid(out[:, 0])\n"
         << "    return (p > 0.5).long(), torch.stack([1 - p, p], dim=1)\n";
    } else {
      py << "    probs = torch.softmax(out, dim=1)\n"
         << "    return probs.argmax(dim=1), probs\n";
    }
  }
  return py.str();
}

int run_export(const ExportOptions& o) {
  const std::string ext = std::filesystem::path(o.out).extension().string();
  if (ext != ".pt" && ext != ".pth")
    usage_error("export: ", o.out, ": the output is a torch.save file and must end in .pt or .pth (the checkpoint "
                "itself is already safetensors, which PyTorch reads with the safetensors package)");
  Loaded m = load_checkpoint(o.checkpoint, "cpu");
  const TensorDict state = m.model.state_dict();
  save_pytorch(state, o.out);
  int64_t params = 0;
  for (const Tensor& p : m.model.parameters()) params += p.numel();
  std::cout << pytorch_code(m.spec, m.model, o.out, o.checkpoint);
  std::cerr << "wrote " << o.out << " (" << state.size() << " tensors, " << params
            << " parameters); the PyTorch code that loads it is on stdout\n";
  return 0;
}

}  // namespace wick::cli
