#pragma once
// `wick export CHECKPOINT OUT.pt`: a trained model handed to PyTorch. The
// weights go to OUT.pt in torch.save's format (a state_dict under PyTorch's
// key names, which plain torch.load reads: no extra package), and stdout gets
// the Python that builds the same nn.Sequential, loads them and feeds it the
// way wick trained it (input scaling, normalization, the output's meaning).
#include <string>

#include "model_spec.h"
#include "wick/nn/sequential.h"

namespace wick::cli {

struct ExportOptions {
  std::string checkpoint, out;
};
int run_export(const ExportOptions& o);

// The Python program for `model` (built from `spec`) whose weights are in
// `weights_path` (written into the code as given).
std::string pytorch_code(const ModelSpec& spec, const nn::Sequential& model, const std::string& weights_path,
                         const std::string& source);

}  // namespace wick::cli
