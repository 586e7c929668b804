// DataLoader: epoch order, inline or prefetched batches.
//
// An EpochRun owns one epoch: its order and, with num_workers = 1, a worker
// thread that gathers batches ahead into a ring of slots. Iterators share the
// run; when the last one lets go (end of loop, or `break`), the worker is told
// to stop and joined. Transforms run on the consumer's thread (see dataloader.h).
#include "wick/data/dataloader.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <numeric>
#include <thread>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace wick::data {

namespace detail {

namespace {

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

}  // namespace

// The hand-off between the worker and the training loop costs no system call
// in the steady state: each side spins briefly (a pause loop) for the other,
// and only after kSpin sleeps on the condition variable, which the other side
// then signals. A futex wake-up per batch costs tens of microseconds on a VM,
// more than gathering an MNIST batch (about 17 us): a loader that slept and
// woke for every batch cost 5 ms more per MNIST epoch than this one. (Moving
// each batch to the other core still costs; see dataloader.h.)
class EpochRun {
 public:
  // Batches are taken from `first` on (a resumed epoch).
  EpochRun(const Dataset& dataset, const DataLoaderOptions& options, std::vector<int64_t> order, int64_t batches,
           int64_t first)
      : dataset_(dataset), options_(options), order_(std::move(order)), batches_(batches), next_(first), taken_(first) {
    if (options_.num_workers == 1 && batches_ - first > 1) worker_ = std::thread([this] { work(); });
  }

  ~EpochRun() {
    stop_.store(true, std::memory_order_seq_cst);
    wake(worker_sleeping_);
    if (worker_.joinable()) worker_.join();
  }

  int64_t batches() const { return batches_; }

  // Batch k, transformed. Batches are taken in order 0, 1, 2, ...
  // With a worker, batches are claimed one at a time by whoever gets to them
  // first: when batch k is neither ready nor started (the worker is asleep or
  // descheduled, e.g. its core is busy), this thread gathers it itself rather
  // than wait, so a descheduled worker never holds the loop up.
  Batch take(int64_t k) {
    Batch b = worker_.joinable() ? take_shared(k) : gather(k);
    if (options_.transform) {
      const Shape before = b.inputs.sizes();
      b.inputs = options_.transform(b.inputs);
      // A transform that drops or adds rows would pair inputs with the wrong
      // targets (or fail later in the loss with no word about the transform).
      WICK_CHECK(b.inputs.defined() && b.inputs.dim() >= 1 && b.inputs.size(0) == b.targets.size(0),
                 "DataLoader: the transform turned inputs ", shape_str(before), " into ",
                 b.inputs.defined() ? b.inputs.describe() : "an undefined tensor", ", but the batch has ",
                 b.targets.size(0), " targets; a transform must keep dim 0 (one row per example)");
    }
    return b;
  }

 private:
  static constexpr int64_t kAhead = 2;            // batches gathered beyond the one in use
  static constexpr int64_t kSlots = kAhead + 1;   // batch k lives in slot k % kSlots
  static constexpr auto kSpin = std::chrono::microseconds(200);
  static constexpr auto kNap = std::chrono::milliseconds(5);

  struct Slot {
    std::atomic<int64_t> batch{-1};  // the batch whose result is here, stored after data/error
    Batch data;
    std::exception_ptr error;
  };

  Batch take_shared(int64_t k) {
    Slot& slot = slots_[static_cast<size_t>(k % kSlots)];
    for (;;) {
      if (slot.batch.load(std::memory_order_acquire) == k) {
        if (slot.error) std::rethrow_exception(slot.error);
        Batch b = std::move(slot.data);
        slot.data = Batch{};
        consumed(k);
        return b;
      }
      int64_t unstarted = k;
      if (next_.compare_exchange_strong(unstarted, k + 1, std::memory_order_acq_rel)) {
        Batch b = gather(k);  // nobody had started batch k: gather it here
        consumed(k);
        return b;
      }
      // The worker is gathering batch k: wait for it.
      wait_until([&] { return slot.batch.load(std::memory_order_seq_cst) == k; }, main_sleeping_);
    }
  }

  // Batch k is in the loop's hands: its slot is free and the worker may run
  // ahead to batch k + kAhead.
  void consumed(int64_t k) {
    taken_.store(k + 1, std::memory_order_seq_cst);
    wake(worker_sleeping_);
  }

  bool room() const {
    return next_.load(std::memory_order_seq_cst) < taken_.load(std::memory_order_seq_cst) + kAhead;
  }

  void work() {
    for (;;) {
      if (stop_.load(std::memory_order_acquire)) return;
      int64_t k = next_.load(std::memory_order_acquire);
      if (k >= batches_) return;
      if (!room()) {
        wait_until([&] { return stop_.load(std::memory_order_seq_cst) || room(); }, worker_sleeping_);
        continue;
      }
      if (!next_.compare_exchange_strong(k, k + 1, std::memory_order_acq_rel)) continue;  // the loop took it
      Slot& slot = slots_[static_cast<size_t>(k % kSlots)];
      try {
        slot.data = gather(k);
      } catch (...) {
        slot.error = std::current_exception();
      }
      const bool failed = static_cast<bool>(slot.error);
      slot.batch.store(k, std::memory_order_seq_cst);
      wake(main_sleeping_);
      if (failed) return;
    }
  }

  // Spins for kSpin, then sleeps until `ready()`; `sleeping` tells the other
  // side to signal. The flag is set before the last check under the mutex and
  // read after the other side's state change (flag, state and the checks all
  // seq_cst), so a change is either seen by that check or followed by a
  // notify. The sleep is still bounded (kNap) so that a missed signal could
  // only ever cost a few milliseconds, never a hang.
  template <class Ready>
  void wait_until(Ready ready, std::atomic<bool>& sleeping) {
    const auto deadline = std::chrono::steady_clock::now() + kSpin;
    for (int spins = 1; !ready(); ++spins) {
      cpu_relax();
      if (spins % 64 == 0 && std::chrono::steady_clock::now() > deadline) {
        std::unique_lock<std::mutex> lock(mutex_);
        sleeping.store(true, std::memory_order_seq_cst);
        while (!ready()) cv_.wait_for(lock, kNap);
        sleeping.store(false, std::memory_order_seq_cst);
        return;
      }
    }
  }

  void wake(const std::atomic<bool>& sleeping) {
    if (!sleeping.load(std::memory_order_seq_cst)) return;
    std::lock_guard<std::mutex> lock(mutex_);
    cv_.notify_all();
  }

  Batch gather(int64_t k) const {
    const int64_t start = k * options_.batch_size;
    // start < order_.size(), so this never adds batch_size (up to INT64_MAX) to start.
    const int64_t stop = start + std::min<int64_t>(options_.batch_size, static_cast<int64_t>(order_.size()) - start);
    std::vector<int64_t> indices(order_.begin() + start, order_.begin() + stop);
    Batch b = dataset_.get_batch(indices);
    // A user's get_batch could get this wrong; say so here, not in the loss.
    WICK_CHECK(b.inputs.defined() && b.targets.defined() && b.inputs.dim() >= 1 && b.targets.dim() >= 1 &&
                   b.inputs.size(0) == stop - start && b.targets.size(0) == stop - start,
               "DataLoader: the dataset's get_batch(", stop - start, " indices) returned inputs ",
               b.inputs.defined() ? b.inputs.describe() : "undefined", " and targets ",
               b.targets.defined() ? b.targets.describe() : "undefined", "; both need ", stop - start, " rows");
    return b;
  }

  const Dataset& dataset_;
  DataLoaderOptions options_;
  std::vector<int64_t> order_;
  int64_t batches_;
  std::array<Slot, kSlots> slots_;
  std::atomic<int64_t> next_{0};   // the first batch nobody has started
  std::atomic<int64_t> taken_{0};  // batches the loop has taken
  std::atomic<bool> stop_{false};
  std::atomic<bool> worker_sleeping_{false}, main_sleeping_{false};
  std::mutex mutex_;  // only for sleeping
  std::condition_variable cv_;
  std::thread worker_;  // last: starts after everything it uses exists
};

}  // namespace detail

DataLoader::DataLoader(const Dataset& dataset, DataLoaderOptions options)
    : dataset_(&dataset), options_(std::move(options)) {
  WICK_CHECK(options_.batch_size >= 1, "DataLoader: batch_size must be at least 1, got ", options_.batch_size);
  WICK_CHECK(options_.num_workers == 0 || options_.num_workers == 1, "DataLoader: num_workers must be 0 (batches built ",
             "inline) or 1 (built ahead on one background thread), got ", options_.num_workers);
  WICK_CHECK(dataset.size() > 0, "DataLoader: the dataset is empty (size() == 0); nothing to load");
  WICK_CHECK(options_.world_size >= 1 && options_.rank >= 0 && options_.rank < options_.world_size,
             "DataLoader: rank ", options_.rank, " is not in a world of ", options_.world_size,
             " processes; pass world_size >= 1 and 0 <= rank < world_size (distributed::rank(), ",
             "distributed::world_size())");
}

int64_t DataLoader::examples() const {
  const int64_t n = dataset_->size(), w = options_.world_size;
  return n / w + (n % w != 0 ? 1 : 0);
}

int64_t DataLoader::size() const {
  const int64_t n = examples(), b = options_.batch_size;
  // Not (n + b - 1) / b: that overflows for a batch_size near INT64_MAX.
  return n / b + (!options_.drop_last && n % b != 0 ? 1 : 0);
}

std::vector<int64_t> DataLoader::order(int64_t epoch) const {
  const int64_t n = dataset_->size();
  std::vector<int64_t> o;
  if (options_.shuffle) {
    o = detail::permutation(n, options_.seed, static_cast<uint64_t>(epoch));
  } else {
    o.resize(static_cast<size_t>(n));
    std::iota(o.begin(), o.end(), int64_t{0});
  }
  if (options_.world_size == 1) return o;
  // DistributedSampler's shard: the padded order's positions rank, rank + w, ...
  // Position i of the padded order is o[i % n] (the wrap-around padding).
  const int64_t per_rank = examples(), w = options_.world_size;
  std::vector<int64_t> shard(static_cast<size_t>(per_rank));
  for (int64_t k = 0; k < per_rank; ++k) shard[static_cast<size_t>(k)] = o[static_cast<size_t>((options_.rank + k * w) % n)];
  return shard;
}

DataLoader::Iterator DataLoader::begin() {
  // The dataset may have changed size since construction (a user's dataset).
  WICK_CHECK(dataset_->size() > 0, "DataLoader: the dataset is empty (size() == 0); nothing to load");
  Iterator it;
  const int64_t first = std::exchange(start_batch_, 0);
  it.run_ = std::make_shared<detail::EpochRun>(*dataset_, options_, order(epoch_), size(), first);
  ++epoch_;
  it.position_ = first;
  if (first < it.run_->batches()) it.batch_ = it.run_->take(first);
  else it.run_.reset();
  return it;
}

void DataLoader::set_start_batch(int64_t batch) {
  WICK_CHECK(batch >= 0 && batch <= size(), "DataLoader::set_start_batch: batch ", batch,
             " is not in the epoch, which has ", size(), " batches; pass 0..", size(), " (", size(),
             ": an epoch with nothing left)");
  start_batch_ = batch;
}

DataLoader::Iterator DataLoader::end() const {
  Iterator it;
  it.position_ = size();
  return it;
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  ++position_;
  if (run_ && position_ < run_->batches()) {
    // The last batch goes back to the caching allocator first (unless the
    // loop kept a copy), so that the next one is gathered into the same,
    // still-cached block: a [128, 784] float batch is 400 KB, two of them
    // would not fit a 512 KB L2 beside the model.
    batch_ = Batch{};
    batch_ = run_->take(position_);
  } else {
    batch_ = Batch{};
    run_.reset();  // stops and joins the worker
  }
  return *this;
}

}  // namespace wick::data
