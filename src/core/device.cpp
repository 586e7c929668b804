#include "wick/device.h"

#include <ostream>

#include <atomic>

#include "backend/backend.h"
#include "wick/error.h"
#ifdef WICK_HAS_CUDA
#include "backend/cuda/status.h"
#endif

namespace wick {

Device::Device(const std::string& spec) {
  std::string kind = spec;
  int index = -1;
  if (auto colon = spec.find(':'); colon != std::string::npos) {
    kind = spec.substr(0, colon);
    std::string num = spec.substr(colon + 1);
    bool digits = !num.empty() && num.size() < 6 &&
                  num.find_first_not_of("0123456789") == std::string::npos;
    if (!digits)
      throw Error("invalid device string '" + spec +
                  "': the index after ':' must be a non-negative integer, e.g. 'cuda:0'");
    index = std::stoi(num);
  }
  if (kind == "cpu") {
    type_ = DeviceType::CPU;
    if (index > 0)
      throw Error("invalid device string '" + spec + "': there is only one CPU device; use 'cpu'");
  } else if (kind == "cuda") {
    type_ = DeviceType::CUDA;
  } else if (kind == "mps") {
    type_ = DeviceType::MPS;
  } else {
    throw Error("invalid device string '" + spec +
                "': expected 'cpu', 'cuda', 'cuda:N' or 'mps'");
  }
  index_ = index;
}

Device Device::cuda_if_available() { return cuda::is_available() ? Device::cuda(0) : Device::cpu(); }

std::string Device::str() const {
  switch (type_) {
    case DeviceType::CPU: return "cpu";
    case DeviceType::CUDA: return index_ < 0 ? "cuda" : "cuda:" + std::to_string(index_);
    case DeviceType::MPS: return "mps";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, const Device& d) { return os << d.str(); }

void check_device_available(const Device& d) {
  if (d.is_cpu()) return;
  backend::get(d.type());  // throws "not built with ..." for missing backends
  if (d.is_cuda()) {
    int n = cuda::device_count();
    if (n == 0) {
      std::string why;
#ifdef WICK_HAS_CUDA
      why = backend::cuda::unavailable_reason();
#endif
      throw DeviceError("device '" + d.str() +
                        "' requested: wick was built with CUDA, but no CUDA device is present" +
                        (why.empty() ? std::string() : " (the CUDA runtime says: " + why + ")") +
                        "; check nvidia-smi and CUDA_VISIBLE_DEVICES, or use Device::cuda_if_available()");
    }
    if (d.normalized_index() >= n)
      throw DeviceError("device '" + d.str() + "' requested, but only " + std::to_string(n) +
                        " CUDA device(s) are present: use cuda:0 .. cuda:" + std::to_string(n - 1));
  }
}

namespace cuda {
int device_count() {
  backend::Backend* b = backend::find(DeviceType::CUDA);
  if (!b) return 0;
  return b->device_count();
}
bool is_available() { return device_count() > 0; }

namespace {
std::atomic<bool> g_allow_tf32{false};
}
void set_allow_tf32(bool allow) { g_allow_tf32.store(allow, std::memory_order_relaxed); }
bool allow_tf32() { return g_allow_tf32.load(std::memory_order_relaxed); }
}  // namespace cuda

}  // namespace wick
