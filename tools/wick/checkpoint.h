#pragma once
// A checkpoint written by `wick train`, read back as the model it describes:
// what eval, predict and export start from.
#include <string>

#include "model_spec.h"
#include "wick/nn/sequential.h"

namespace wick::cli {

struct Loaded {
  ModelSpec spec;
  nn::Sequential model;
};

// Builds the model from the stored description, loads the weights (a
// last.safetensors also holds training state: only the model's entries are
// taken), moves it to `device` and sets eval mode. wick::Error naming the
// file when it is missing, has no description, or its weights do not fit.
Loaded load_checkpoint(const std::string& path, const std::string& device);

}  // namespace wick::cli
