// DataLoader: epoch order, inline or prefetched batches.
//
// An EpochRun owns one epoch: its order and, with num_workers = 1, a worker
// thread that gathers batches ahead into a small queue. Iterators share the
// run; when the last one lets go (end of loop, or `break`), the worker is told
// to stop and joined. Transforms run on the consumer's thread (see dataloader.h).
#include "wick/data/dataloader.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <numeric>
#include <thread>
#include <utility>

namespace wick::data {

namespace detail {

class EpochRun {
 public:
  EpochRun(const Dataset& dataset, const DataLoaderOptions& options, std::vector<int64_t> order, int64_t batches)
      : dataset_(dataset), options_(options), order_(std::move(order)), batches_(batches) {
    if (options_.num_workers == 1 && batches_ > 0) worker_ = std::thread([this] { work(); });
  }

  ~EpochRun() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
  }

  int64_t batches() const { return batches_; }

  // Batch k, transformed. Batches are taken in order 0, 1, 2, ...
  // With a worker, batches are claimed one at a time by whoever gets to them
  // first: when batch k is neither ready nor started (the worker is asleep or
  // descheduled, e.g. its core is busy), this thread gathers it itself rather
  // than wait, so a prefetch worker never makes an epoch slower than none.
  Batch take(int64_t k) {
    Batch b;
    if (!worker_.joinable()) {
      b = gather(k);
    } else {
      std::unique_lock<std::mutex> lock(mutex_);
      for (;;) {
        if (!ready_.empty() && ready_.front().first == k) {
          b = std::move(ready_.front().second);
          ready_.pop_front();
          lock.unlock();
          cv_.notify_all();
          break;
        }
        if (error_ && error_batch_ == k) std::rethrow_exception(error_);
        if (next_ == k) {  // nobody has started batch k: gather it here
          ++next_;
          lock.unlock();
          b = gather(k);
          break;
        }
        cv_.wait(lock);
      }
    }
    if (options_.transform) b.inputs = options_.transform(b.inputs);
    return b;
  }

 private:
  Batch gather(int64_t k) const {
    const int64_t start = k * options_.batch_size;
    const int64_t stop = std::min<int64_t>(start + options_.batch_size, static_cast<int64_t>(order_.size()));
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

  void work() {
    constexpr size_t kAhead = 2;  // batches ready beyond the one being used
    for (;;) {
      int64_t k;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return stop_ || ready_.size() < kAhead; });
        if (stop_ || next_ >= batches_ || error_) return;
        k = next_++;
      }
      try {
        Batch b = gather(k);
        std::lock_guard<std::mutex> lock(mutex_);
        ready_.emplace_back(k, std::move(b));  // claims are in order, so ready_ stays sorted
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        error_ = std::current_exception();
        error_batch_ = k;
        cv_.notify_all();
        return;
      }
      cv_.notify_all();
    }
  }

  const Dataset& dataset_;
  DataLoaderOptions options_;
  std::vector<int64_t> order_;
  int64_t batches_;
  std::thread worker_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::pair<int64_t, Batch>> ready_;  // gathered by the worker, in batch order
  int64_t next_ = 0;                             // the first batch nobody has started
  std::exception_ptr error_;
  int64_t error_batch_ = -1;
  bool stop_ = false;
};

}  // namespace detail

DataLoader::DataLoader(const Dataset& dataset, DataLoaderOptions options)
    : dataset_(&dataset), options_(std::move(options)) {
  WICK_CHECK(options_.batch_size >= 1, "DataLoader: batch_size must be at least 1, got ", options_.batch_size);
  WICK_CHECK(options_.num_workers == 0 || options_.num_workers == 1, "DataLoader: num_workers must be 0 (batches built ",
             "inline) or 1 (built ahead on one background thread), got ", options_.num_workers);
  WICK_CHECK(dataset.size() > 0, "DataLoader: the dataset is empty (size() == 0); nothing to load");
}

int64_t DataLoader::size() const {
  const int64_t n = dataset_->size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

std::vector<int64_t> DataLoader::order(int64_t epoch) const {
  const int64_t n = dataset_->size();
  if (options_.shuffle) return detail::permutation(n, options_.seed, static_cast<uint64_t>(epoch));
  std::vector<int64_t> o(static_cast<size_t>(n));
  std::iota(o.begin(), o.end(), int64_t{0});
  return o;
}

DataLoader::Iterator DataLoader::begin() {
  // The dataset may have changed size since construction (a user's dataset).
  WICK_CHECK(dataset_->size() > 0, "DataLoader: the dataset is empty (size() == 0); nothing to load");
  Iterator it;
  it.run_ = std::make_shared<detail::EpochRun>(*dataset_, options_, order(epoch_), size());
  ++epoch_;
  it.position_ = 0;
  if (it.run_->batches() > 0) it.batch_ = it.run_->take(0);
  else it.run_.reset();
  return it;
}

DataLoader::Iterator DataLoader::end() const {
  Iterator it;
  it.position_ = size();
  return it;
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  ++position_;
  if (run_ && position_ < run_->batches()) {
    batch_ = run_->take(position_);
  } else {
    batch_ = Batch{};
    run_.reset();  // stops and joins the worker
  }
  return *this;
}

}  // namespace wick::data
