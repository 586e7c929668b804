// libFuzzer target: a run's config.json as `wick train --resume` reads it
// (tools/wick/run_config.cpp is compiled into this target): parsed into the
// train flags, then validated as the command line's flags are. Rejections
// are wick::Error (damaged file) or cli::UsageError (a flag value out of
// range); anything else escaping, or undefined behaviour, is a finding.
#include <cstdint>
#include <string>

#include "common.h"
#include "run_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wick;
  try {
    std::string text(reinterpret_cast<const char*>(data), size);
    cli::validate_train_options(cli::read_run_config(text, "config.json").options);
  } catch (const wick::Error&) {
  } catch (const cli::UsageError&) {
  }
  return 0;
}
