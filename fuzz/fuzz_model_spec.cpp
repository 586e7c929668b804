// libFuzzer target: the model description a checkpoint carries (JSON under
// the safetensors metadata key "wick.model"), read the way `wick eval` and
// `wick predict` read it: read_spec() on a checkpoint file, then the model is
// built from it (tools/wick/model_spec.cpp is compiled into this target).
// No cap on the model's size: a description declaring absurd dimensions must
// be rejected by read_spec, not exhaust memory in build().
#include <nlohmann/json.hpp>

#include "fuzz_inputs.h"
#include "model_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wick;
  try {
    std::string text(reinterpret_cast<const char*>(data), size);
    std::string file = serialize_safetensors({}, {{cli::kSpecKey, text}});
    std::string path = fuzz::write_scratch("model.safetensors", reinterpret_cast<const uint8_t*>(file.data()), file.size());
    cli::ModelSpec spec = cli::read_spec(path);
    spec.to_json().dump();
    spec.build();
  } catch (const wick::Error&) {
  }
  return 0;
}
