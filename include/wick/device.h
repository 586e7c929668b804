#pragma once
// Device: a small value type {type, index}, as torch::Device.
#include <cstdint>
#include <string>

namespace wick {

enum class DeviceType : uint8_t { CPU, CUDA, MPS };

class Device {
 public:
  // Default: the CPU.
  constexpr Device() = default;
  constexpr Device(DeviceType type, int index = -1) : type_(type), index_(index) {}
  // Parses "cpu", "cuda", "cuda:1", "mps". Throws wick::Error naming the string
  // on anything else. Parsing never checks availability: that happens when a
  // tensor is first placed on the device, with its own message.
  Device(const std::string& spec);  // NOLINT: implicit, as torch::Device("cuda")
  Device(const char* spec) : Device(std::string(spec)) {}  // NOLINT

  static constexpr Device cpu() { return Device(DeviceType::CPU); }
  static Device cuda(int index = 0) { return Device(DeviceType::CUDA, index); }
  // "cuda" when a CUDA device is present and this build has the backend, else "cpu".
  static Device cuda_if_available();

  constexpr DeviceType type() const { return type_; }
  // -1 means "the current device of that type" (always 0 here).
  constexpr int index() const { return index_; }
  constexpr bool is_cpu() const { return type_ == DeviceType::CPU; }
  constexpr bool is_cuda() const { return type_ == DeviceType::CUDA; }
  std::string str() const;

  // cuda and cuda:0 are the same device.
  friend bool operator==(const Device& a, const Device& b) {
    return a.type_ == b.type_ && (a.type_ == DeviceType::CPU || a.normalized_index() == b.normalized_index());
  }
  friend bool operator!=(const Device& a, const Device& b) { return !(a == b); }

  constexpr int normalized_index() const { return index_ < 0 ? 0 : index_; }

 private:
  DeviceType type_ = DeviceType::CPU;
  int index_ = -1;
};

std::ostream& operator<<(std::ostream& os, const Device& d);

// Throws DeviceError when `d` cannot hold tensors in this build or on this
// machine: three distinct messages for "not built with CUDA", "built, but no
// such device" and "MPS exists only on Apple Silicon builds".
void check_device_available(const Device& d);

namespace cuda {
// True when this build has the CUDA backend and at least one GPU is visible.
bool is_available();
int device_count();
// As torch.backends.cuda.matmul.allow_tf32: off by default, so float32 matrix
// products on the GPU round as float32 does on the CPU. On, cuBLAS may use
// TF32 tensor cores (about 10 mantissa bits per input; faster, less exact).
void set_allow_tf32(bool allow);
bool allow_tf32();
}  // namespace cuda

}  // namespace wick
