// One model, several threads, inference at once: the guarantee documented in
// docs/CONCURRENCY.md. Each thread runs the shared model in eval mode under its
// own NoGradGuard, many times, and every output must equal, bit for bit, what
// the same call gave on one thread before the threads started. The model is
// an MLP with BatchNorm1d (eval: running statistics, read only) and Dropout
// (eval: identity), wide enough that its elementwise ops and reductions are
// split over the CPU thread pool: one thread's op takes the pool while the
// others run theirs inline.
//
// scripts/test.sh also builds this binary alone with ThreadSanitizer
// (scripts/sanitize.sh --thread), where any unsynchronized access between
// the threads, in wick or in the pool, fails the run even when the values
// come out right.
#include <gtest/gtest.h>
#include <wick/wick.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace wick {
namespace {

constexpr int kThreads = 4;
constexpr int kIterations = 8;
// 512 x 256 activations: above the pool's grain for cheap elementwise ops
// (32768 elements), so those ops really run on the pool.
constexpr int64_t kBatch = 512, kIn = 64, kHidden = 256, kOut = 10;

nn::Sequential make_model() {
  manual_seed(7);
  nn::Sequential model(nn::Linear(kIn, kHidden), nn::BatchNorm1d(kHidden), nn::ReLU(), nn::Dropout(0.5),
                       nn::Linear(kHidden, kHidden), nn::GELU(), nn::Linear(kHidden, kOut));
  // A few training-mode passes give BatchNorm running statistics that differ
  // from their initial 0 and 1, so eval really reads them.
  NoGradGuard no_grad;
  model.train();
  for (int i = 0; i < 3; ++i) model(randn({kBatch, kIn}) * 2.0 + 0.5);
  model.eval();
  return model;
}

// The whole eval-mode pipeline a predictor runs: logits, probabilities, the
// predicted class.
std::vector<Tensor> infer(nn::Sequential& model, const Tensor& x) {
  Tensor logits = model(x);
  Tensor probs = nn::functional::softmax(logits, 1);
  auto [values, predicted] = probs.max(1);
  return {logits, probs, predicted};
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes() || a.dtype() != b.dtype()) return false;
  Tensor ca = a.contiguous(), cb = b.contiguous();
  return std::memcmp(ca.raw_data(), cb.raw_data(), static_cast<size_t>(ca.numel()) * element_size(ca.dtype())) == 0;
}

TEST(ConcurrentInference, FourThreadsMatchSingleThreadBitForBit) {
  nn::Sequential model = make_model();
  std::vector<Tensor> inputs;
  std::vector<std::vector<Tensor>> expected;
  {
    NoGradGuard no_grad;
    for (int t = 0; t < kThreads; ++t) {
      inputs.push_back(randn({kBatch, kIn}));
      expected.push_back(infer(model, inputs.back()));
    }
  }
  // The test must be able to fail: different inputs give different outputs.
  ASSERT_FALSE(bitwise_equal(expected[0][0], expected[1][0]));

  std::atomic<int> mismatches{0}, grad_leaks{0}, started{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      NoGradGuard no_grad;
      started.fetch_add(1);
      while (started.load() < kThreads) std::this_thread::yield();  // start together
      for (int i = 0; i < kIterations; ++i) {
        // Rotate inputs so every thread also computes the others' batches.
        const int k = (t + i) % kThreads;
        std::vector<Tensor> got = infer(model, inputs[k]);
        for (size_t j = 0; j < got.size(); ++j) {
          if (!bitwise_equal(got[j], expected[k][j])) mismatches.fetch_add(1);
          if (got[j].requires_grad()) grad_leaks.fetch_add(1);
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0) << "outputs differ from the single-threaded run";
  EXPECT_EQ(grad_leaks.load(), 0) << "an output recorded autograd history under NoGradGuard";
}

// Grad mode belongs to the thread: a NoGradGuard held by other threads must
// not switch recording off here, nor this thread's setting leak to them.
TEST(ConcurrentInference, GradModeIsPerThread) {
  nn::Sequential model = make_model();
  Tensor x = randn({8, kIn});
  std::atomic<bool> guard_held{false}, checked{false};
  std::atomic<int> worker_saw_grad{-1};
  std::thread worker([&] {
    NoGradGuard no_grad;
    guard_held.store(true);
    while (!checked.load()) std::this_thread::yield();
    worker_saw_grad.store(is_grad_enabled() ? 1 : 0);
  });
  while (!guard_held.load()) std::this_thread::yield();
  EXPECT_TRUE(is_grad_enabled());
  Tensor y = model(x);  // parameters require grad and this thread records
  EXPECT_TRUE(y.requires_grad());
  {
    NoGradGuard mine;
    checked.store(true);
    worker.join();
  }
  EXPECT_EQ(worker_saw_grad.load(), 0);
  EXPECT_TRUE(is_grad_enabled());
}

// Separate models in separate threads may train at once: each thread's
// forward, backward (its own graph) and optimizer step touch only its own
// tensors; what they share (the allocator, the thread pool, the op sequence
// counter) is synchronized. Each thread's weights must end bit-identical to
// training the same model alone. (No Dropout here: random ops draw from the
// one global generator, so their numbers would depend on the interleaving.)
TEST(ConcurrentTraining, SeparateModelsInSeparateThreadsMatchSequential) {
  constexpr int kSteps = 5;
  auto build = [](uint64_t seed) {
    manual_seed(seed);
    return nn::Sequential(nn::Linear(kIn, kHidden), nn::BatchNorm1d(kHidden), nn::ReLU(), nn::Linear(kHidden, kOut));
  };
  auto train = [](nn::Sequential& model, const Tensor& x, const Tensor& y) {
    model.train();
    optim::SGD opt(model.parameters(), {.lr = 0.05, .momentum = 0.9});
    for (int s = 0; s < kSteps; ++s) {
      Tensor loss = nn::functional::cross_entropy(model(x), y);
      opt.zero_grad();
      loss.backward();
      opt.step();
    }
  };
  std::vector<nn::Sequential> alone, together;
  std::vector<Tensor> xs, ys;
  for (int t = 0; t < kThreads; ++t) {
    alone.push_back(build(100 + t));
    together.push_back(build(100 + t));
    xs.push_back(randn({kBatch, kIn}));
    ys.push_back(randint(0, kOut, {kBatch}));
  }
  for (int t = 0; t < kThreads; ++t) train(alone[t], xs[t], ys[t]);

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back([&, t] { train(together[t], xs[t], ys[t]); });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    std::vector<Tensor> a = alone[t].parameters(), b = together[t].parameters();
    ASSERT_EQ(a.size(), b.size());
    for (size_t j = 0; j < a.size(); ++j) EXPECT_TRUE(bitwise_equal(a[j], b[j])) << "model " << t << " parameter " << j;
  }
  // Training moved the weights: the comparison is not between initial values.
  EXPECT_FALSE(bitwise_equal(alone[0].parameters()[0], build(100).parameters()[0]));
}

// DataLoader's num_workers = 1 gathers batches on a background thread: the
// hand-over between it and the training thread, and stopping it mid-epoch,
// must be race-free, and the batches those of num_workers = 0.
TEST(ConcurrentData, LoaderWorkerThreadGivesTheInlineBatches) {
  data::TensorDataset ds(randn({1000, 8}), randint(0, 3, {1000}));
  data::DataLoader inline_loader(ds, {.batch_size = 64, .shuffle = true, .seed = 5, .num_workers = 0});
  data::DataLoader worker_loader(ds, {.batch_size = 64, .shuffle = true, .seed = 5, .num_workers = 1});
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::vector<data::Batch> expected;
    for (auto b : inline_loader) expected.push_back(b);
    size_t i = 0;
    for (auto b : worker_loader) {
      ASSERT_LT(i, expected.size());
      EXPECT_TRUE(bitwise_equal(b.inputs, expected[i].inputs)) << "epoch " << epoch << " batch " << i;
      EXPECT_TRUE(bitwise_equal(b.targets, expected[i].targets)) << "epoch " << epoch << " batch " << i;
      ++i;
    }
    EXPECT_EQ(i, expected.size());
  }
  // Leaving an epoch early stops the worker while it may be mid-batch.
  for (int k = 0; k < 3; ++k) {
    int n = 0;
    for (auto b : worker_loader)
      if (++n == 2) break;
    EXPECT_EQ(n, 2);
  }
}

// Both sleeping paths of the hand-over: a loop slower than the worker (the
// worker runs out of room and sleeps past its spin) and a worker slower than
// the loop (the loop waits for a batch the worker has started, then sleeps),
// and an error thrown on the worker thread reaching the loop.
class SlowRows : public data::Dataset {
 public:
  SlowRows(int64_t n, int64_t fail_row) : rows_(arange(0, n).to(kFloat32).unsqueeze(1), arange(0, n)), fail_row_(fail_row) {}
  int64_t size() const override { return rows_.size(); }
  data::Example get(int64_t i) const override { return rows_.get(i); }
  data::Batch get_batch(const std::vector<int64_t>& indices) const override {
    if (std::this_thread::get_id() != main_) std::this_thread::sleep_for(std::chrono::microseconds(slow_worker_us));
    for (int64_t i : indices)
      if (i == fail_row_) throw std::runtime_error("row " + std::to_string(i) + " is unreadable");
    return rows_.get_batch(indices);
  }
  int slow_worker_us = 0;

 private:
  data::TensorDataset rows_;
  int64_t fail_row_;
  std::thread::id main_ = std::this_thread::get_id();
};

TEST(ConcurrentData, LoaderHandOverSleepsAndWakesOnBothSides) {
  SlowRows ds(200, /*fail_row=*/-1);
  for (int slow_worker : {0, 1}) {
    ds.slow_worker_us = slow_worker ? 2000 : 0;
    data::DataLoader loader(ds, {.batch_size = 10, .num_workers = 1});
    std::vector<float> seen;
    for (auto [x, y] : loader) {
      if (!slow_worker) std::this_thread::sleep_for(std::chrono::microseconds(1000));  // past the 200 us spin
      for (float v : x.to_vector<float>()) seen.push_back(v);
    }
    ASSERT_EQ(seen.size(), 200u) << "slow worker " << slow_worker;
    for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], static_cast<float>(i)) << "slow worker " << slow_worker;
  }
  // Row 55 is in batch 5: batches 0-4 arrive, then the worker's error.
  SlowRows bad(200, /*fail_row=*/55);
  data::DataLoader loader(bad, {.batch_size = 10, .num_workers = 1});
  int batches = 0;
  try {
    for (auto b : loader) {
      (void)b;
      ++batches;
      std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
    ADD_FAILURE() << "the unreadable row did not stop the epoch";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("row 55 is unreadable"), std::string::npos) << e.what();
  }
  EXPECT_EQ(batches, 5);
}

}  // namespace
}  // namespace wick
