// The CUDA caching allocator's policy (backend/cuda/block_cache.h), tested on
// the host with a fake device of limited memory: reuse, statistics, no raw
// allocation in a steady loop, and out-of-memory (free the cache, retry once,
// then an error naming requested / allocated / reserved bytes).
#include "backend/cuda/block_cache.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "core/expect_error.h"

namespace {

using wick::backend::cuda::BlockCache;

// A fake device with `capacity` bytes.
struct FakeDevice {
  size_t capacity, used = 0;
  int allocs = 0, frees = 0, syncs = 0;
  std::map<void*, size_t> live;
  BlockCache make() {
    return BlockCache(
        "cuda:0",
        [this](size_t n) -> void* {
          if (used + n > capacity) return nullptr;
          used += n;
          ++allocs;
          void* p = std::malloc(n);
          live[p] = n;
          return p;
        },
        [this](void* p) {
          ++frees;
          used -= live.at(p);
          live.erase(p);
          std::free(p);
        },
        [this] { ++syncs; });
  }
};

TEST(CudaBlockCache, RoundsToClassesWithAtMostAQuarterSlack) {
  EXPECT_EQ(BlockCache::round_size(0), 512u);
  EXPECT_EQ(BlockCache::round_size(1), 512u);
  EXPECT_EQ(BlockCache::round_size(512), 512u);
  EXPECT_EQ(BlockCache::round_size(513), 640u);
  EXPECT_EQ(BlockCache::round_size(1024), 1024u);
  EXPECT_EQ(BlockCache::round_size(1025), 1280u);
  for (size_t n : {600u, 3000u, 100000u, 12345678u}) {
    const size_t r = BlockCache::round_size(n);
    EXPECT_GE(r, n);
    EXPECT_LE(r, n + n / 4 + 1) << n;
  }
}

TEST(CudaBlockCache, SteadyLoopReusesBlocksAndTracksStats) {
  FakeDevice dev{1 << 24};
  BlockCache cache = dev.make();
  for (int step = 0; step < 10; ++step) {
    void* a = cache.allocate(4000);
    void* b = cache.allocate(100000);
    void* c = cache.allocate(4000);
    EXPECT_NE(a, c);
    cache.deallocate(a, 4000);
    cache.deallocate(b, 100000);
    cache.deallocate(c, 4000);
  }
  EXPECT_EQ(dev.allocs, 3);  // first step only
  const wick::MemoryStats s = cache.stats();
  EXPECT_EQ(s.allocated, 0u);
  EXPECT_EQ(s.system_allocs, 3u);
  EXPECT_EQ(s.reserved, 2 * BlockCache::round_size(4000) + BlockCache::round_size(100000));
  EXPECT_EQ(s.peak_allocated, s.reserved);
  cache.empty_cache();
  EXPECT_EQ(cache.stats().reserved, 0u);
  EXPECT_EQ(dev.frees, 3);
  EXPECT_EQ(dev.syncs, 1);  // the device is synchronized before blocks are freed
  EXPECT_TRUE(dev.live.empty());
}

TEST(CudaBlockCache, OutOfMemoryFreesTheCacheAndRetriesOnce) {
  FakeDevice dev{10000};
  BlockCache cache = dev.make();
  void* a = cache.allocate(6000);  // rounds to 6144
  cache.deallocate(a, 6000);       // cached, still reserved
  void* b = cache.allocate(7000);  // does not fit beside the cached block: cache freed, retried
  EXPECT_NE(b, nullptr);
  EXPECT_EQ(dev.frees, 1);
  EXPECT_EQ(cache.stats().reserved, BlockCache::round_size(7000));
  cache.deallocate(b, 7000);
  cache.empty_cache();
}

TEST(CudaBlockCache, OutOfMemoryErrorNamesTheBytesAndLeavesTheCacheUsable) {
  FakeDevice dev{12000};  // 4000 -> 4096 and 9000 -> 10240 do not fit together
  BlockCache cache = dev.make();
  void* a = cache.allocate(4000);
  EXPECT_WICK_ERROR(cache.allocate(9000), {"cuda:0", "out of memory", "9000 bytes", "allocated", "reserved", "batch size"});
  const std::string msg = wick::testing::error_message([&] { cache.allocate(9000); });
  EXPECT_NE(msg.find(std::to_string(BlockCache::round_size(4000)) + " bytes"), std::string::npos) << msg;
  EXPECT_EQ(cache.stats().allocated, BlockCache::round_size(4000));
  cache.deallocate(a, 4000);
  void* b = cache.allocate(9000);  // after freeing, the same request succeeds
  EXPECT_NE(b, nullptr);
  cache.deallocate(b, 9000);
  cache.empty_cache();
  EXPECT_TRUE(dev.live.empty());
}

}  // namespace
