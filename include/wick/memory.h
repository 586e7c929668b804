#pragma once
// Caching-allocator statistics per device, as torch.cuda.memory_allocated & co.
#include <cstddef>

#include "wick/device.h"

namespace wick {

struct MemoryStats {
  size_t allocated = 0;       // bytes held by live tensors
  size_t reserved = 0;        // allocated plus blocks cached for reuse
  size_t peak_allocated = 0;
  size_t system_allocs = 0;   // calls to the system allocator (malloc / cudaMalloc)
};
MemoryStats memory_stats(Device device = Device::cpu());
// Returns cached, unused blocks to the system.
void empty_cache(Device device = Device::cpu());

}  // namespace wick
