#include "backend/backend.h"

#include "wick/error.h"

namespace wick::backend {

namespace {
Backend* g_backends[3] = {nullptr, nullptr, nullptr};
}

void register_backend(DeviceType type, Backend* b) { g_backends[static_cast<int>(type)] = b; }

#ifdef WICK_HAS_CUDA
Backend* cuda_backend();  // backend/cuda/cuda_backend.cpp
#endif

Backend* find(DeviceType type) {
  if (type == DeviceType::CPU) return cpu_backend();
#ifdef WICK_HAS_CUDA
  // Called, not registered from a static initializer: the linker keeps it,
  // and the CUDA runtime is touched only when CUDA is first asked about.
  if (type == DeviceType::CUDA) return cuda_backend();
#endif
  return g_backends[static_cast<int>(type)];
}

Backend& get(DeviceType type) {
  if (Backend* b = find(type)) return *b;
  switch (type) {
    case DeviceType::CUDA:
      throw DeviceError(
          "device 'cuda' requested, but wick was not built with CUDA: rebuild with "
          "-DWICK_CUDA=ON on a machine with the CUDA toolkit, or use Device::cuda_if_available()");
    case DeviceType::MPS:
      throw DeviceError(
          "device 'mps' requested, but the MPS backend exists only on Apple Silicon builds; "
          "use 'cpu' (or 'cuda' on an NVIDIA machine)");
    default:
      throw DeviceError("no backend for this device type");
  }
}

}  // namespace wick::backend
