// libFuzzer target: see run_pytorch in fuzz_inputs.h for how an input is read.
#include "fuzz_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    wick::fuzz::run_pytorch(data, size);
  } catch (const wick::Error&) {
    // Rejected with a message: the expected outcome for a bad input.
  }
  return 0;
}
