#pragma once
// The caching allocator behind each CUDA device, written against two plain
// functions (raw allocate / raw free) so that it has no CUDA dependency and
// its policy is tested on any machine (tests/cuda/block_cache_test.cpp).
//
// Policy: sizes round up to classes (512 B, then 4 classes per power of two,
// at most 25% slack); a freed block goes on its class's free list and is
// handed out again for the next request of that class. With one stream per
// device, every kernel is ordered on that stream, so a block freed by the host
// can be reused at once: the next kernel that writes it runs after the last
// one that read it. A steady training step (the same sizes each iteration)
// therefore makes no raw allocation after the first step.
//
// Out of memory: free every cached block and retry once; then throw a
// wick::Error naming requested, allocated and reserved bytes. The cache stays
// consistent either way, so the caller may free tensors and go on.
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "wick/memory.h"

namespace wick::backend::cuda {

class BlockCache {
 public:
  // raw_alloc returns nullptr when the device is out of memory; it may throw
  // for any other failure. raw_free never fails.
  using RawAlloc = std::function<void*(size_t)>;
  using RawFree = std::function<void(void*)>;
  // Called before the cache's blocks are freed (e.g. synchronize the device,
  // so no queued kernel still uses them).
  using BeforeRelease = std::function<void()>;

  BlockCache(std::string device_name, RawAlloc raw_alloc, RawFree raw_free, BeforeRelease before_release = {});
  ~BlockCache();
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  void* allocate(size_t nbytes);
  // `nbytes` must be what was passed to allocate() for `ptr`; null is ignored.
  void deallocate(void* ptr, size_t nbytes);
  MemoryStats stats() const;
  // Frees every cached (unused) block; live blocks are untouched.
  void empty_cache();

  static size_t round_size(size_t nbytes);

 private:
  size_t release_cached_locked();

  std::string device_name_;
  RawAlloc raw_alloc_;
  RawFree raw_free_;
  BeforeRelease before_release_;
  mutable std::mutex mutex_;
  std::map<size_t, std::vector<void*>> free_;  // rounded size -> cached blocks
  MemoryStats stats_;
};

}  // namespace wick::backend::cuda
