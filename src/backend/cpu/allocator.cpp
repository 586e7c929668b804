#include "backend/cpu/allocator.h"

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "wick/error.h"

// Under AddressSanitizer a cached block is poisoned while it sits on a free
// list: a tensor used after its storage was released would otherwise read a
// block ASan thinks is live (it never reached free()), and go unnoticed.
#if defined(__SANITIZE_ADDRESS__)
#define WICK_ASAN_POISONING 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WICK_ASAN_POISONING 1
#endif
#endif
#ifdef WICK_ASAN_POISONING
#include <sanitizer/asan_interface.h>
#define WICK_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define WICK_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define WICK_POISON(p, n) ((void)(p), (void)(n))
#define WICK_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace wick::backend::cpu {

// Small requests round up to a multiple of 64 bytes (classes 64..512). Above
// that, each power-of-two interval (2^(k-1), 2^k] has four classes, so a
// block wastes at most 25% of its size while distinct sizes still share lists.
size_t CachingAllocator::class_size(size_t nbytes) {
  if (nbytes <= 512) return nbytes == 0 ? 64 : (nbytes + 63) / 64 * 64;
  const int k = std::bit_width(nbytes - 1);  // 2^(k-1) < nbytes <= 2^k
  const size_t step = size_t{1} << (k - 3);
  return (nbytes + step - 1) / step * step;
}

int CachingAllocator::class_index(size_t nbytes) {
  if (nbytes <= 512) return nbytes == 0 ? 0 : static_cast<int>((nbytes + 63) / 64 - 1);
  const int k = std::bit_width(nbytes - 1);
  const size_t step = size_t{1} << (k - 3);
  const size_t units = (nbytes + step - 1) / step;  // 5..8
  return 8 + (k - 10) * 4 + static_cast<int>(units - 5);
}

size_t CachingAllocator::size_of_class(int index) {
  if (index < 8) return static_cast<size_t>(index + 1) * 64;
  const int k = 10 + (index - 8) / 4;
  return static_cast<size_t>(5 + (index - 8) % 4) << (k - 3);
}

CachingAllocator::~CachingAllocator() { empty_cache(); }

// Blocks get the kernel's default pages: no MADV_HUGEPAGE. Asking for
// transparent huge pages made every fresh large block about 3x slower to
// touch on the AVX2 development VM (Debian's THP "madvise" mode: the fault
// path compacts memory for a 2 MiB page): both MNIST splits into float32,
// `wick_train_bench --load-only float`, 1 thread, 0.58-0.84 s advised and
// 0.17-0.22 s not (2 threads: 0.29-0.43 and 0.10-0.23 s), alternating runs;
// a plain C program writing 219 MB, 0.72-0.98 s and 0.20-0.37 s. The
// training epoch was the same either way (docs/PERFORMANCE.md).

void* CachingAllocator::allocate(size_t nbytes) {
  const size_t size = class_size(nbytes);
  const int idx = class_index(nbytes);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.allocated += size;
    if (stats_.allocated > stats_.peak_allocated) stats_.peak_allocated = stats_.allocated;
    std::vector<void*>& list = free_[idx];
    if (!list.empty()) {
      void* p = list.back();
      list.pop_back();
      WICK_UNPOISON(p, size);
      return p;
    }
    stats_.reserved += size;
    ++stats_.system_allocs;
  }
  // The system call happens outside the lock; the stats already count it.
  void* p = std::aligned_alloc(kAlignment, size);
  if (p == nullptr) {
    empty_cache();  // give cached blocks back and try once more
    p = std::aligned_alloc(kAlignment, size);
  }
  if (p == nullptr) {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.allocated -= size;
    stats_.reserved -= size;
    throw Error("cpu: out of memory allocating " + std::to_string(nbytes) +
                " bytes; reduce the batch size or free tensors you no longer need");
  }
  return p;
}

void CachingAllocator::deallocate(void* ptr, size_t nbytes) {
  if (ptr == nullptr) return;
  const size_t size = class_size(nbytes);
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.allocated -= size;
  WICK_POISON(ptr, size);
  free_[class_index(nbytes)].push_back(ptr);
}

MemoryStats CachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void CachingAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (int i = 0; i < kNumClasses; ++i) {
    for (void* p : free_[i]) {
      WICK_UNPOISON(p, size_of_class(i));
      std::free(p);
      stats_.reserved -= size_of_class(i);
    }
    free_[i].clear();
  }
}

}  // namespace wick::backend::cpu
