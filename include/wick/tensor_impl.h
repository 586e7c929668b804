#pragma once
// The data behind a Tensor handle. Internal: users work with wick::Tensor; this
// header is public only so that Tensor's accessors can be inline.
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "wick/device.h"
#include "wick/dtype.h"

namespace wick {

namespace autograd {
class Node;
}

// A block of device memory. Views share one Storage, and with it one version
// counter: every in-place write bumps it, so autograd can tell when a tensor it
// saved for backward was modified afterwards.
struct Storage {
  void* data = nullptr;
  size_t nbytes = 0;
  Device device;
  std::atomic<uint32_t> version{0};

  Storage(void* d, size_t n, Device dev) : data(d), nbytes(n), device(dev) {}
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();  // hands the block back to the device's caching allocator

  // Allocates `nbytes` on `device` through its caching allocator.
  static std::shared_ptr<Storage> allocate(size_t nbytes, Device device);
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  std::vector<int64_t> sizes;
  std::vector<int64_t> strides;  // in elements, as PyTorch
  int64_t offset = 0;            // in elements
  int64_t numel = 0;
  DType dtype = DType::Float32;

  // Autograd state. A leaf that requires grad has no grad_fn; a result of a
  // recorded op has grad_fn and output_nr (which output of that node it is).
  bool requires_grad = false;
  bool retains_grad = false;
  uint32_t output_nr = 0;
  std::shared_ptr<autograd::Node> grad_fn;
  std::weak_ptr<autograd::Node> grad_accumulator;  // leaves: created on first use
  std::shared_ptr<TensorImpl> grad;

  void* data() const {
    return static_cast<char*>(storage->data) + offset * static_cast<int64_t>(element_size(dtype));
  }
  Device device() const { return storage->device; }
};

}  // namespace wick
