#pragma once
// The CPU caching allocator: 64-byte aligned blocks rounded up to size
// classes, kept on per-class free lists when released, so a steady training
// step (same tensor sizes every iteration) makes no system calls.
#include <cstddef>
#include <mutex>
#include <vector>

#include "wick/memory.h"

namespace wick::backend::cpu {

class CachingAllocator {
 public:
  static constexpr size_t kAlignment = 64;

  CachingAllocator() = default;
  ~CachingAllocator();
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  // Never returns null (a 0-byte request gets a 64-byte block); throws
  // wick::Error when the system is out of memory.
  void* allocate(size_t nbytes);
  // `nbytes` must be what was passed to allocate() for `ptr`; null is ignored.
  void deallocate(void* ptr, size_t nbytes);
  MemoryStats stats() const;
  void empty_cache();

  // Size-class arithmetic, exposed for tests.
  static size_t class_size(size_t nbytes);
  static int class_index(size_t nbytes);
  static size_t size_of_class(int index);

 private:
  static constexpr int kNumClasses = 8 + 4 * 56;
  mutable std::mutex mutex_;
  std::vector<void*> free_[kNumClasses];
  MemoryStats stats_;
};

}  // namespace wick::backend::cpu
