// DataLoader, TensorDataset, Subset, random_split and the Dataset interface.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <numeric>
#include <set>
#include <thread>

#include "datasets/data_test_util.h"
#include "wick/data/data.h"
#include "wick/wick.h"

using namespace wick;
using namespace wick::testing;

namespace {

// inputs[i] = {i, 10 i} (float32), targets[i] = i % 3 (int64): a batch's
// inputs reveal which examples it holds.
data::TensorDataset numbered(int64_t n) {
  Tensor idx = arange(n, {.dtype = kFloat32});
  Tensor x = stack({idx, idx * 10.0}, 1);
  std::vector<int64_t> t(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) t[static_cast<size_t>(i)] = i % 3;
  return data::TensorDataset(x, from_vector(t));
}

std::vector<int64_t> ids(const Tensor& inputs) {
  std::vector<float> v = inputs.select(1, 0).contiguous().to_vector<float>();
  return std::vector<int64_t>(v.begin(), v.end());
}

std::vector<int64_t> epoch_ids(data::DataLoader& loader) {
  std::vector<int64_t> all;
  for (auto [x, y] : loader) {
    std::vector<int64_t> b = ids(x);
    all.insert(all.end(), b.begin(), b.end());
  }
  return all;
}

// A user dataset: only size() and get(); get_batch stacks.
class Squares : public data::Dataset {
 public:
  explicit Squares(int64_t n, int64_t fail_at = -1) : n_(n), fail_at_(fail_at) {}
  int64_t size() const override { return n_; }
  data::Example get(int64_t i) const override {
    check_index("Squares::get", i);
    if (i == fail_at_) throw Error("Squares: example " + std::to_string(i) + " is broken");
    return {tensor({static_cast<double>(i), static_cast<double>(i * i)}), tensor(static_cast<double>(i) * 0.5)};
  }

 private:
  int64_t n_, fail_at_;
};

}  // namespace

TEST(DataLoader, BatchShapesAndDropLast) {
  data::TensorDataset ds = numbered(10);
  data::DataLoader loader(ds, {.batch_size = 4});
  EXPECT_EQ(loader.size(), 3);
  std::vector<int64_t> sizes;
  for (auto [x, y] : loader) {
    EXPECT_EQ(x.dim(), 2);
    EXPECT_EQ(x.size(1), 2);
    EXPECT_EQ(x.dtype(), kFloat32);
    EXPECT_EQ(y.dtype(), kInt64);
    EXPECT_EQ(y.size(0), x.size(0));
    EXPECT_TRUE(x.is_contiguous());
    sizes.push_back(x.size(0));
  }
  EXPECT_EQ(sizes, (std::vector<int64_t>{4, 4, 2}));
  data::DataLoader dropping(ds, {.batch_size = 4, .drop_last = true});
  EXPECT_EQ(dropping.size(), 2);
  EXPECT_EQ(epoch_ids(dropping), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  data::DataLoader big(ds, {.batch_size = 32, .drop_last = true});
  EXPECT_EQ(big.size(), 0);
  EXPECT_TRUE(epoch_ids(big).empty());
  data::DataLoader plain(ds, {.batch_size = 3});
  EXPECT_EQ(epoch_ids(plain), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(DataLoader, TargetsFollowInputs) {
  data::TensorDataset ds = numbered(7);
  data::DataLoader loader(ds, {.batch_size = 3, .shuffle = true, .seed = 5});
  for (const data::Batch& b : loader) {
    std::vector<int64_t> i = ids(b.inputs);
    std::vector<int64_t> t = b.targets.to_vector<int64_t>();
    for (size_t k = 0; k < i.size(); ++k) EXPECT_EQ(t[k], i[k] % 3);
    std::vector<float> second = b.inputs.select(1, 1).contiguous().to_vector<float>();
    for (size_t k = 0; k < i.size(); ++k) EXPECT_EQ(second[k], 10.0f * static_cast<float>(i[k]));
  }
}

TEST(DataLoader, ShuffleIsSeededAndChangesPerEpoch) {
  data::TensorDataset ds = numbered(50);
  data::DataLoader a(ds, {.batch_size = 8, .shuffle = true, .seed = 42});
  data::DataLoader b(ds, {.batch_size = 8, .shuffle = true, .seed = 42});
  data::DataLoader c(ds, {.batch_size = 8, .shuffle = true, .seed = 43});
  std::vector<int64_t> sorted(50);
  std::iota(sorted.begin(), sorted.end(), int64_t{0});
  std::vector<std::vector<int64_t>> epochs;
  for (int e = 0; e < 3; ++e) {
    manual_seed(e);  // the global generator does not affect the order
    std::vector<int64_t> ea = epoch_ids(a), eb = epoch_ids(b), ec = epoch_ids(c);
    EXPECT_EQ(ea, eb) << "epoch " << e;
    EXPECT_NE(ea, ec) << "epoch " << e;
    EXPECT_NE(ea, sorted);
    std::vector<int64_t> s = ea;
    std::sort(s.begin(), s.end());
    EXPECT_EQ(s, sorted) << "every index exactly once in epoch " << e;
    epochs.push_back(ea);
    EXPECT_EQ(ea, a.order(e));
  }
  EXPECT_NE(epochs[0], epochs[1]);
  EXPECT_NE(epochs[1], epochs[2]);
  EXPECT_EQ(a.epoch(), 3);
  // Resuming: set_epoch replays that epoch's order.
  a.set_epoch(1);
  EXPECT_EQ(epoch_ids(a), epochs[1]);
  // A new loader with the same seed starts from epoch 0 again.
  data::DataLoader again(ds, {.batch_size = 8, .shuffle = true, .seed = 42});
  EXPECT_EQ(epoch_ids(again), epochs[0]);
}

// A dataset that counts the batches built from it.
class CountingDataset : public data::Dataset {
 public:
  explicit CountingDataset(const data::Dataset& inner) : inner_(inner) {}
  int64_t size() const override { return inner_.size(); }
  data::Example get(int64_t i) const override { return inner_.get(i); }
  data::Batch get_batch(const std::vector<int64_t>& indices) const override {
    ++batches;
    return inner_.get_batch(indices);
  }
  mutable std::atomic<int> batches{0};

 private:
  const data::Dataset& inner_;
};

// Resuming part-way through an epoch: the loader starts at batch k, with or
// without a worker, and never builds or transforms the batches before it.
TEST(DataLoader, StartBatchSkipsWithoutBuildingOrTransforming) {
  data::TensorDataset numbers = numbered(50);  // 7 batches of 8 (the last one 2)
  for (int workers : {0, 1}) {
    CountingDataset ds(numbers);
    std::atomic<int> transformed{0};
    auto count = [&transformed](const Tensor& x) {
      ++transformed;
      return x;
    };
    data::DataLoader loader(ds, {.batch_size = 8, .shuffle = true, .seed = 5, .num_workers = workers,
                                 .transform = count});
    const std::vector<int64_t> whole = loader.order(0);
    loader.set_start_batch(3);
    std::vector<int64_t> seen;
    int64_t first_position = -1;
    for (auto it = loader.begin(); it != loader.end(); ++it) {
      if (first_position < 0) first_position = it.position();
      std::vector<int64_t> b = ids(it->inputs);
      seen.insert(seen.end(), b.begin(), b.end());
    }
    EXPECT_EQ(first_position, 3) << "workers " << workers;
    EXPECT_EQ(seen, std::vector<int64_t>(whole.begin() + 24, whole.end())) << "workers " << workers;
    EXPECT_EQ(transformed.load(), 4) << "batches 3..6 only, workers " << workers;
    EXPECT_EQ(ds.batches.load(), 4) << "batches 3..6 only, workers " << workers;
    // Once: the next epoch starts at batch 0.
    EXPECT_EQ(epoch_ids(loader), loader.order(1)) << "workers " << workers;
    // size(): an epoch with nothing left.
    loader.set_start_batch(loader.size());
    EXPECT_TRUE(loader.begin() == loader.end());
  }
  data::DataLoader loader(numbers, {.batch_size = 8});
  EXPECT_TRUE(message_has(error_message([&] { loader.set_start_batch(8); }),
                          {"set_start_batch", "batch 8", "7 batches", "0..7"}));
  EXPECT_TRUE(message_has(error_message([&] { loader.set_start_batch(-1); }), {"set_start_batch", "batch -1"}));
}

TEST(DataLoader, WorkerGivesTheSameBatches) {
  ScratchDir dir;
  std::vector<uint8_t> labels(37);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<uint8_t>(i % 10);
  write_mnist(dir.str(), "train", labels);
  data::MNIST ds(dir.str(), data::Split::Train, {.keep_uint8 = true});
  data::Transform t = data::Compose({data::RandomCrop(24, 2), data::RandomHorizontalFlip(), data::Normalize({0.5}, {0.25})});
  std::vector<std::vector<float>> xs[2];
  std::vector<std::vector<int64_t>> ys[2];
  for (int workers = 0; workers <= 1; ++workers) {
    manual_seed(7);
    data::DataLoader loader(ds, {.batch_size = 8, .shuffle = true, .seed = 3, .num_workers = workers, .transform = t});
    for (int epoch = 0; epoch < 2; ++epoch)
      for (auto [x, y] : loader) {
        EXPECT_EQ(x.sizes()[2], 24);
        xs[workers].push_back(x.to_vector<float>());
        ys[workers].push_back(y.to_vector<int64_t>());
        randn({3});  // the training step's own draws, interleaved
      }
  }
  ASSERT_EQ(xs[0].size(), 10u);
  EXPECT_EQ(xs[0], xs[1]);
  EXPECT_EQ(ys[0], ys[1]);
}

TEST(DataLoader, WorkerStopsOnBreakAndForwardsErrors) {
  data::TensorDataset ds = numbered(1000);
  data::DataLoader loader(ds, {.batch_size = 10, .num_workers = 1});
  int seen = 0;
  for (auto [x, y] : loader) {
    if (++seen == 3) break;  // the worker must be joined, not left running
  }
  EXPECT_EQ(seen, 3);
  Squares broken(20, 13);
  for (int workers = 0; workers <= 1; ++workers) {
    data::DataLoader l(broken, {.batch_size = 4, .num_workers = workers});
    int batches = 0;
    std::string msg = error_message([&] {
      for (auto [x, y] : l) ++batches;
    });
    EXPECT_TRUE(message_has(msg, {"example 13 is broken"}));
    EXPECT_EQ(batches, 3) << "batches 0-2 arrive before the failing batch 3";
  }
}

// A worker slower than the loop (its core busy): the loop gathers the batches
// nobody has started itself instead of waiting, and the batches and their
// order stay exactly those of num_workers = 0.
class SlowOffMainThread : public data::Dataset {
 public:
  explicit SlowOffMainThread(int64_t n) : rows_(numbered(n)) {}
  int64_t size() const override { return rows_.size(); }
  data::Example get(int64_t i) const override { return rows_.get(i); }
  data::Batch get_batch(const std::vector<int64_t>& indices) const override {
    if (std::this_thread::get_id() != main_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    else ++on_main;
    return rows_.get_batch(indices);
  }
  mutable std::atomic<int> on_main{0};

 private:
  data::TensorDataset rows_;
  std::thread::id main_ = std::this_thread::get_id();
};

// The loop gathers a batch itself when the worker has not started it. Which
// batches that is depends on the scheduler: typically the first of each epoch,
// claimed while the new worker thread is still starting, but on a loaded
// machine the worker can win that race. So several epochs run, each a new
// worker, and the loop must have gathered some batch in one of them (it
// failed once in 1 epoch on a 2-core machine at load 5); every epoch must
// give the batches the inline loader gives.
TEST(DataLoader, SlowWorkerDoesNotHoldTheLoopUp) {
  SlowOffMainThread ds(40);
  data::DataLoader inline_loader(ds, {.batch_size = 4, .shuffle = true, .seed = 5});
  data::DataLoader worker_loader(ds, {.batch_size = 4, .shuffle = true, .seed = 5, .num_workers = 1});
  int epochs = 0;
  ds.on_main = 0;
  for (; epochs < 8 && ds.on_main.load() == 0; ++epochs) {
    std::vector<std::vector<float>> xs[2];
    for (auto [x, y] : inline_loader) xs[0].push_back(x.to_vector<float>());
    ds.on_main = 0;
    for (auto [x, y] : worker_loader) {
      xs[1].push_back(x.to_vector<float>());
      std::this_thread::sleep_for(std::chrono::milliseconds(2));  // the step: lets the worker claim some
    }
    ASSERT_EQ(xs[0].size(), 10u);
    EXPECT_EQ(xs[0], xs[1]) << "epoch " << epochs;
  }
  EXPECT_GT(ds.on_main.load(), 0) << "the loop never gathered a batch itself in " << epochs << " epochs";
}

TEST(DataLoader, UserDatasetDefaultGetBatchStacks) {
  Squares sq(5);
  data::DataLoader loader(sq, {.batch_size = 2});
  std::vector<Shape> shapes;
  for (auto [x, y] : loader) shapes.push_back(x.sizes());
  EXPECT_EQ(shapes, (std::vector<Shape>{{2, 2}, {2, 2}, {1, 2}}));
  data::Batch b = sq.get_batch({3, 4});
  EXPECT_EQ(b.inputs.to_vector<float>(), (std::vector<float>{3, 9, 4, 16}));
  EXPECT_EQ(b.targets.to_vector<float>(), (std::vector<float>{1.5f, 2.0f}));
}

TEST(DataLoader, Errors) {
  data::TensorDataset ds = numbered(4);
  EXPECT_TRUE(message_has(error_message([&] { data::DataLoader(ds, {.batch_size = 0}); }), {"batch_size", "0"}));
  EXPECT_TRUE(message_has(error_message([&] { data::DataLoader(ds, {.batch_size = -3}); }), {"batch_size", "-3"}));
  EXPECT_TRUE(message_has(error_message([&] { data::DataLoader(ds, {.num_workers = 4}); }), {"num_workers", "4"}));
  Squares empty(0);
  EXPECT_TRUE(message_has(error_message([&] { data::DataLoader(empty, {}); }), {"empty"}));
}

TEST(DataTensorDataset, GetAndErrors) {
  data::TensorDataset ds = numbered(6);
  EXPECT_EQ(ds.size(), 6);
  data::Example e = ds.get(4);
  EXPECT_EQ(e.input.to_vector<float>(), (std::vector<float>{4, 40}));
  EXPECT_EQ(e.target.item<int64_t>(), 1);
  data::Batch b = ds.get_batch({5, 0});
  EXPECT_EQ(b.inputs.to_vector<float>(), (std::vector<float>{5, 50, 0, 0}));
  EXPECT_EQ(b.targets.to_vector<int64_t>(), (std::vector<int64_t>{2, 0}));
  EXPECT_TRUE(message_has(error_message([&] { data::TensorDataset(zeros({3, 2}), zeros({4})); }),
                          {"TensorDataset", "[3, 2]", "[4]", "3 vs 4"}));
  EXPECT_TRUE(message_has(error_message([&] { data::TensorDataset(zeros({}), zeros({})); }), {"first"}));
  EXPECT_TRUE(message_has(error_message([&] { ds.get(6); }), {"TensorDataset::get", "6"}));
  EXPECT_TRUE(message_has(error_message([&] { ds.get_batch({1, 9}); }), {"TensorDataset::get_batch", "9"}));
}

TEST(DataRandomSplit, SizesDisjointAndSeeded) {
  data::TensorDataset ds = numbered(103);
  std::vector<data::Subset> parts = data::random_split(ds, {0.8, 0.1, 0.1}, 1);
  ASSERT_EQ(parts.size(), 3u);
  // floor: 82, 10, 10; the one left over goes to the first subset.
  EXPECT_EQ(parts[0].size(), 83);
  EXPECT_EQ(parts[1].size(), 10);
  EXPECT_EQ(parts[2].size(), 10);
  std::set<int64_t> seen;
  for (const data::Subset& p : parts)
    for (int64_t i : p.indices()) EXPECT_TRUE(seen.insert(i).second) << "index " << i << " in two subsets";
  EXPECT_EQ(seen.size(), 103u);
  EXPECT_EQ(data::random_split(ds, {0.8, 0.1, 0.1}, 1)[1].indices(), parts[1].indices());
  EXPECT_NE(data::random_split(ds, {0.8, 0.1, 0.1}, 2)[1].indices(), parts[1].indices());

  std::vector<data::Subset> counts = data::random_split(ds, {100, 3});
  EXPECT_EQ(counts[0].size(), 100);
  EXPECT_EQ(counts[1].size(), 3);
  // A Subset is a Dataset: its batches are the parent's examples.
  const data::Subset& s = counts[1];
  data::Batch b = s.get_batch({0, 2});
  EXPECT_EQ(ids(b.inputs), (std::vector<int64_t>{s.indices()[0], s.indices()[2]}));
  EXPECT_EQ(s.get(1).input.to_vector<float>()[0], static_cast<float>(s.indices()[1]));
  data::DataLoader loader(s, {.batch_size = 2});
  EXPECT_EQ(loader.size(), 2);
  EXPECT_EQ(epoch_ids(loader), s.indices());

  EXPECT_TRUE(message_has(error_message([&] { data::random_split(ds, {50, 50}); }), {"sum to 100", "103"}));
  EXPECT_TRUE(message_has(error_message([&] { data::random_split(ds, {0.5, 0.6}); }), {"random_split"}));
  EXPECT_TRUE(message_has(error_message([&] { data::random_split(ds, {-1, 104}); }), {"non-negative"}));
  EXPECT_TRUE(message_has(error_message([&] { data::Subset(ds, {0, 103}); }), {"Subset", "103"}));
  EXPECT_TRUE(message_has(error_message([&] { s.get(3); }), {"Subset::get", "3"}));
}

// torch.utils.data.DataLoader(range(5), batch_size=sys.maxsize) gives one
// batch of 5; (n + b - 1) / b overflowed here and gave none.
TEST(DataLoader, HugeBatchSizeGivesOneBatch) {
  data::TensorDataset ds = numbered(5);
  for (int64_t b : {std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::max() - 1, int64_t{6}}) {
    for (int workers = 0; workers <= 1; ++workers) {
      data::DataLoader loader(ds, {.batch_size = b, .num_workers = workers});
      EXPECT_EQ(loader.size(), 1) << b;
      EXPECT_EQ(epoch_ids(loader), (std::vector<int64_t>{0, 1, 2, 3, 4})) << b;
    }
    data::DataLoader dropping(ds, {.batch_size = b, .drop_last = true});
    EXPECT_EQ(dropping.size(), 0) << b;
    EXPECT_TRUE(epoch_ids(dropping).empty()) << b;
  }
  data::DataLoader two(ds, {.batch_size = 4});
  EXPECT_EQ(two.size(), 2);
}

TEST(DataLoader, TransformMustKeepTheBatchRows) {
  data::TensorDataset ds = numbered(8);
  for (int workers = 0; workers <= 1; ++workers) {
    data::DataLoader loader(ds, {.batch_size = 4, .num_workers = workers,
                                 .transform = [](const Tensor& x) { return x.slice(0, 0, 1); }});
    std::string msg = error_message([&] {
      for (auto [x, y] : loader) (void)x;
    });
    EXPECT_TRUE(message_has(msg, {"DataLoader", "transform", "[4, 2]", "[1, 2]", "4 targets", "dim 0"})) << workers;
  }
  data::DataLoader undefined(ds, {.batch_size = 4, .transform = [](const Tensor&) { return Tensor(); }});
  EXPECT_TRUE(message_has(error_message([&] { undefined.begin(); }), {"transform", "undefined"}));
  // Reshaping the rest of a row is fine.
  data::DataLoader flat(ds, {.batch_size = 4, .transform = [](const Tensor& x) { return x.reshape({4, 2, 1}); }});
  EXPECT_EQ((*flat.begin()).inputs.sizes(), (Shape{4, 2, 1}));
}

TEST(DataRandomSplit, HugeLengthsAreRejectedUpFront) {
  data::TensorDataset ds = numbered(10);
  // 2^63 cast to int64 was 0 (sizes 0, 0, 10 accepted); 1e300 made the sum negative.
  std::string msg = error_message([&] { data::random_split(ds, {9223372036854775808.0, 9223372036854775808.0, 10}); });
  EXPECT_TRUE(message_has(msg, {"random_split", "length 9.22337203685478e+18", "10 examples"}));
  msg = error_message([&] { data::random_split(ds, {1e300, 10}); });
  EXPECT_TRUE(message_has(msg, {"random_split", "length 1e+300", "10 examples"}));
  msg = error_message([&] { data::random_split(ds, {11, 0}); });
  EXPECT_TRUE(message_has(msg, {"length 11", "10 examples"}));
  msg = error_message([&] { data::random_split(ds, {std::numeric_limits<double>::infinity()}); });
  EXPECT_TRUE(message_has(msg, {"random_split", "inf"}));
  EXPECT_EQ(data::random_split(ds, {10, 0})[0].size(), 10);
}
