#include "checkpoint.h"

#include <filesystem>

#include "train_state.h"
#include "wick/io/safetensors.h"

namespace wick::cli {

Loaded load_checkpoint(const std::string& path, const std::string& device) {
  if (!std::filesystem::exists(path)) throw Error(path + ": no such checkpoint file");
  ModelSpec spec = read_spec(path);
  nn::Sequential model = spec.build();
  try {
    model.load_state_dict(model_entries(load(path)));
  } catch (const FormatError&) {
    throw;
  } catch (const Error& e) {
    throw Error(path + ": the weights do not fit the stored model description (" + e.what() +
                "); the file was edited or is damaged");
  }
  model.to(Device(device));
  model.eval();
  return {std::move(spec), std::move(model)};
}

}  // namespace wick::cli
