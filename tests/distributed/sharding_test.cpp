// DataLoaderOptions::rank / world_size: torch's DistributedSampler in the loader.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

#include "core/expect_error.h"
#include "wick/creation.h"
#include "wick/data/dataloader.h"
#include "wick/data/tensor_dataset.h"

using namespace wick;
using wick::testing::error_message;
using wick::testing::message_has;

namespace {

data::TensorDataset indices_dataset(int64_t n) {
  Tensor idx = arange(0, static_cast<double>(n)).to(kInt64);
  return data::TensorDataset(idx.reshape({n, 1}), idx);
}

}  // namespace

// Every rank's shard is the positions rank, rank + w, ... of the epoch's
// order padded by wrapping to a multiple of w: together the shards hold every
// index once, plus the first (padding) entries of the order once more.
TEST(DataLoaderShard, ShardsCoverEveryIndexOncePlusWrappedPadding) {
  for (int64_t n : {1, 2, 7, 10, 11, 64}) {
    for (int w : {1, 2, 3, 4}) {
      for (bool shuffle : {false, true}) {
        data::TensorDataset set = indices_dataset(n);
        const data::DataLoader whole(set, {.batch_size = 3, .shuffle = shuffle, .seed = 5});
        for (int64_t epoch : {0, 1}) {
          const std::vector<int64_t> order = whole.order(epoch);
          const int64_t per_rank = (n + w - 1) / w, padding = per_rank * w - n;
          std::map<int64_t, int> count;
          for (int r = 0; r < w; ++r) {
            const data::DataLoader shard(set, {.batch_size = 3, .shuffle = shuffle, .seed = 5, .rank = r, .world_size = w});
            const std::vector<int64_t> mine = shard.order(epoch);
            ASSERT_EQ(static_cast<int64_t>(mine.size()), per_rank) << "n " << n << " w " << w;
            EXPECT_EQ(shard.examples(), per_rank);
            for (int64_t k = 0; k < per_rank; ++k) {
              EXPECT_EQ(mine[static_cast<size_t>(k)], order[static_cast<size_t>((r + k * w) % n)]);
              ++count[mine[static_cast<size_t>(k)]];
            }
          }
          for (int64_t i = 0; i < n; ++i) {
            // Padding slot j (0 <= j < padding) repeats order[j % n].
            int64_t expected = 1;
            const int64_t pos = std::find(order.begin(), order.end(), i) - order.begin();
            for (int64_t extra = pos; extra < padding; extra += n) ++expected;
            EXPECT_EQ(count[i], expected) << "index " << i << ", n " << n << ", world " << w;
          }
        }
      }
    }
  }
}

// The collectives of each step must match, so every rank needs the same
// number of batches, whether or not the last one is dropped; and the loader
// yields the shard's examples.
TEST(DataLoaderShard, EveryRankGetsTheSameNumberOfBatches) {
  data::TensorDataset set = indices_dataset(11);
  for (bool drop_last : {false, true}) {
    std::vector<int64_t> seen;
    for (int r = 0; r < 3; ++r) {
      data::DataLoader loader(set, {.batch_size = 3, .shuffle = true, .drop_last = drop_last, .seed = 9, .rank = r,
                                    .world_size = 3});
      EXPECT_EQ(loader.size(), drop_last ? 1 : 2) << "rank " << r;  // 4 examples each: 3 + 1
      const std::vector<int64_t> expect = loader.order(0);
      int64_t batches = 0;
      size_t k = 0;
      for (auto [x, y] : loader) {
        ++batches;
        for (int64_t v : y.to_vector<int64_t>()) {
          EXPECT_EQ(v, expect[k++]);
          seen.push_back(v);
        }
      }
      EXPECT_EQ(batches, loader.size());
    }
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    if (!drop_last) EXPECT_EQ(seen.size(), 11u);  // every index reached some rank
  }
}

TEST(DataLoaderShard, DefaultIsNoSharding) {
  data::TensorDataset set = indices_dataset(10);
  data::DataLoader loader(set, {.batch_size = 4});
  EXPECT_EQ(loader.examples(), 10);
  EXPECT_EQ(loader.size(), 3);
  EXPECT_EQ(loader.order(0), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(DataLoaderShard, RankOutsideTheWorldIsAnError) {
  data::TensorDataset set = indices_dataset(10);
  EXPECT_TRUE(message_has(error_message([&] { data::DataLoader l(set, {.rank = 2, .world_size = 2}); }),
                          {"DataLoader", "rank 2", "world of 2", "0 <= rank < world_size"}));
  EXPECT_TRUE(message_has(error_message([&] { data::DataLoader l(set, {.rank = 0, .world_size = 0}); }),
                          {"world_size >= 1"}));
  EXPECT_TRUE(message_has(error_message([&] { data::DataLoader l(set, {.rank = -1, .world_size = 2}); }), {"rank -1"}));
}
