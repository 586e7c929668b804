#pragma once
// What core may ask of the CUDA backend without CUDA headers.
#include <string>

namespace wick::backend::cuda {
// Why no device is usable (e.g. "no CUDA-capable device is detected", "CUDA
// driver version is insufficient"), as the runtime said it; empty when
// devices are present.
std::string unavailable_reason();
}  // namespace wick::backend::cuda
