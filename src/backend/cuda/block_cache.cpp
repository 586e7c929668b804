#include "backend/cuda/block_cache.h"

#include <bit>
#include <cstdio>

#include "wick/error.h"

namespace wick::backend::cuda {

namespace {
std::string mib(size_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%zu bytes (%.1f MiB)", bytes, static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}
}  // namespace

BlockCache::BlockCache(std::string device_name, RawAlloc raw_alloc, RawFree raw_free, BeforeRelease before_release)
    : device_name_(std::move(device_name)),
      raw_alloc_(std::move(raw_alloc)),
      raw_free_(std::move(raw_free)),
      before_release_(std::move(before_release)) {}

BlockCache::~BlockCache() {
  // Static destruction order: the CUDA runtime may already be torn down, so
  // cached blocks are left to the driver, which frees them with the context.
}

size_t BlockCache::round_size(size_t nbytes) {
  constexpr size_t kMin = 512;  // cudaMalloc aligns to 256; 512 keeps tiny tensors in one class
  if (nbytes <= kMin) return kMin;
  // Four classes per power of two: 2^k * {1, 1.25, 1.5, 1.75}.
  const size_t top = std::bit_floor(nbytes);
  const size_t quarter = top / 4;
  return (nbytes + quarter - 1) / quarter * quarter;
}

void* BlockCache::allocate(size_t nbytes) {
  const size_t size = round_size(nbytes);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = free_.find(size);
  void* p = nullptr;
  if (it != free_.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
  } else {
    p = raw_alloc_(size);
    if (p == nullptr) {
      // Out of memory: give every cached block back and try once more.
      release_cached_locked();
      p = raw_alloc_(size);
    }
    if (p == nullptr)
      throw Error(device_name_ + ": out of memory: tried to allocate " + mib(nbytes) + "; " + mib(stats_.allocated) +
                  " allocated by tensors, " + mib(stats_.reserved) +
                  " reserved by wick's caching allocator (the cache was freed and the allocation retried). "
                  "Reduce the batch size, free tensors you no longer need, or use another device");
    stats_.reserved += size;
    ++stats_.system_allocs;
  }
  stats_.allocated += size;
  if (stats_.allocated > stats_.peak_allocated) stats_.peak_allocated = stats_.allocated;
  return p;
}

void BlockCache::deallocate(void* ptr, size_t nbytes) {
  if (ptr == nullptr) return;
  const size_t size = round_size(nbytes);
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.allocated -= size;
  free_[size].push_back(ptr);
}

MemoryStats BlockCache::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void BlockCache::empty_cache() {
  std::lock_guard<std::mutex> lock(mutex_);
  release_cached_locked();
}

size_t BlockCache::release_cached_locked() {
  bool any = false;
  for (auto& [size, list] : free_) any = any || !list.empty();
  if (!any) return 0;
  if (before_release_) before_release_();
  size_t freed = 0;
  for (auto& [size, list] : free_) {
    for (void* p : list) {
      raw_free_(p);
      stats_.reserved -= size;
      freed += size;
    }
    list.clear();
  }
  return freed;
}

}  // namespace wick::backend::cuda
