#include "backend/backend.h"
#include "wick/memory.h"
#include "wick/tensor_impl.h"

namespace wick {

Storage::~Storage() {
  if (data) backend::get(device.type()).deallocate(data, nbytes, device.normalized_index());
}

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  backend::Backend& b = backend::get(device.type());
  void* p = b.allocate(nbytes, device.normalized_index());
  return std::make_shared<Storage>(p, nbytes, device);
}

MemoryStats memory_stats(Device device) {
  return backend::get(device.type()).memory_stats(device.normalized_index());
}

void empty_cache(Device device) { backend::get(device.type()).empty_cache(); }

}  // namespace wick
