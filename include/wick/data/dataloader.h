#pragma once
// DataLoader: batches of a Dataset, as torch.utils.data.DataLoader.
//
//   data::DataLoader loader(train, {.batch_size = 128, .shuffle = true});
//   for (int epoch = 0; epoch < 5; ++epoch)
//     for (auto [x, y] : loader) { ... }   // x: inputs [B, ...], y: targets [B, ...]
//
// Each batch is one gather into a fresh contiguous tensor (Dataset::get_batch);
// MNIST kept as uint8 converts to float32 / 255 in that same pass.
//
// Order: each begin() starts a new epoch. Without shuffle the order is
// 0..N-1. With shuffle, epoch e uses a permutation drawn from a Philox stream
// keyed on (seed, e): the same seed gives the same orders on every run, each
// epoch a different one, and the global generator is left alone (so adding
// shuffling does not change your model's initialization or dropout masks).
//
// num_workers = 1: a background thread gathers the next batch while you train
// on the current one. The transform still runs on your thread, at the moment
// the batch is handed to you, so the random transforms draw from the global
// generator in the same order as with num_workers = 0: both settings give
// exactly the same batches. The dataset must outlive the loader.
// Sharding (data-parallel training, as torch's DistributedSampler): with
// world_size > 1 each process loads its own share of every epoch. All ranks
// draw the same epoch order (so give them the same seed), pad it by wrapping
// around to a multiple of world_size, and rank r takes positions r, r + world,
// r + 2 world, ...: ceil(N / world) examples each, so every rank gets the same
// number of batches (the collectives of each step must match), with or
// without drop_last; the padding repeats a few examples per epoch.
//
// The worker is a thread beside the backend's pool: with set_num_threads(2)
// on a 2-core machine it makes three, and on the VM measured in
// docs/PERFORMANCE.md that was slower than num_workers = 0 for every MNIST
// task. It pays when get_batch is slow (decoding, file reads) or when the
// pool has one thread and a core is free.
#include <cstdint>
#include <iterator>
#include <memory>
#include <vector>

#include "wick/data/dataset.h"
#include "wick/data/transforms.h"

namespace wick::data {

struct DataLoaderOptions {
  int64_t batch_size = 64;
  bool shuffle = false;
  // Drop the last batch when it would be smaller than batch_size.
  bool drop_last = false;
  uint64_t seed = 0;    // shuffle order (see above)
  int num_workers = 0;  // 0: batches built inline; 1: built ahead on a worker thread
  Transform transform = nullptr;  // applied to each batch's inputs
  // This process's shard: distributed::rank() and distributed::world_size().
  int rank = 0;
  int world_size = 1;  // 1: no sharding
};

namespace detail {
class EpochRun;
}

class DataLoader {
 public:
  // Throws for batch_size < 1, num_workers not 0 or 1, or an empty dataset.
  DataLoader(const Dataset& dataset, DataLoaderOptions options = {});
  DataLoader(const Dataset&& dataset, DataLoaderOptions options = {}) = delete;  // would dangle

  class Iterator {
   public:
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::input_iterator_tag;
    using reference = const Batch&;
    using pointer = const Batch*;

    Iterator() = default;
    const Batch& operator*() const { return batch_; }
    const Batch* operator->() const { return &batch_; }
    Iterator& operator++();
    bool operator==(const Iterator& other) const { return position_ == other.position_; }
    int64_t position() const { return position_; }  // index of the current batch

   private:
    friend class DataLoader;
    std::shared_ptr<detail::EpochRun> run_;
    int64_t position_ = 0;
    Batch batch_;
  };

  // Starts the next epoch (its first batch is built here).
  Iterator begin();
  Iterator end() const;

  int64_t size() const;  // batches per epoch (of this rank's shard)
  // Examples per epoch: the dataset's size, or this rank's shard, ceil(N / world_size).
  int64_t examples() const;
  const Dataset& dataset() const { return *dataset_; }
  const DataLoaderOptions& options() const { return options_; }
  // The epoch the next begin() starts (0 first); set it to resume a run.
  int64_t epoch() const { return epoch_; }
  void set_epoch(int64_t epoch) { epoch_ = epoch; }
  // The next begin() starts its epoch at batch `batch` (0 <= batch <= size()),
  // once: to resume an epoch part-way. The batches before it are neither
  // built nor transformed, so random transforms draw from the generator just
  // what the rest of the original epoch drew.
  void set_start_batch(int64_t batch);
  // The example order of epoch `epoch` (this rank's shard of it).
  std::vector<int64_t> order(int64_t epoch) const;

 private:
  const Dataset* dataset_;
  DataLoaderOptions options_;
  int64_t epoch_ = 0;
  int64_t start_batch_ = 0;
};

}  // namespace wick::data
