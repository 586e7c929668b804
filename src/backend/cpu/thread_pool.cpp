#include "backend/cpu/thread_pool.h"

#include <cblas.h>
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace wick::backend::cpu {

namespace {

thread_local bool t_in_task = false;

int hardware_threads() {
  const unsigned hc = std::thread::hardware_concurrency();
  return hc > 0 ? static_cast<int>(hc) : 1;
}

// An environment variable cannot be refused with an exception at the first
// op, so one over max_threads() is capped, with a line on stderr.
int default_threads() {
  for (const char* var : {"WICK_NUM_THREADS", "OMP_NUM_THREADS"})
    if (const char* v = std::getenv(var)) {
      const long n = std::atol(v);
      if (n > max_threads()) {
        std::fprintf(stderr, "wick: %s=%s is more threads than this machine can use; using %d (4 per hardware thread)\n",
                     var, v, max_threads());
        return max_threads();
      }
      if (n > 0) return static_cast<int>(n);
    }
  return hardware_threads();
}

class Pool {
 public:
  Pool() { resize(default_threads()); }
  ~Pool() { stop(); }

  int size() const { return size_; }

  void resize(int n) {
    std::lock_guard<std::mutex> run(run_mutex_);
    stop();
    size_ = n < 1 ? 1 : n;
    stopping_.store(false, std::memory_order_seq_cst);
    // Workers start from the generation of now: one that reads it only after
    // the first op was posted would wait for the op after that (a hang).
    const uint64_t start = generation();
    for (int id = 1; id < size_; ++id) workers_.emplace_back([this, start] { loop(start); });
    // OpenBLAS has its own threads, which would spin beside these: it runs
    // single-threaded and gemm.cpp splits large products over this pool.
    openblas_set_num_threads(1);
  }

  void run(int chunks, const std::function<void(int)>& task) {
    std::unique_lock<std::mutex> run(run_mutex_, std::try_to_lock);
    if (!run.owns_lock() || chunks <= 1 || size_ <= 1) {
      for (int i = 0; i < chunks; ++i) task(i);
      return;
    }
    if (chunks > size_) chunks = size_;
    task_ = &task;
    done_.store(0, std::memory_order_relaxed);
    // Publishes the op: a new generation, its chunk count, chunk 0 next.
    const uint64_t gen = (state_.load(std::memory_order_relaxed) >> 32) + 1;
    state_.store(gen << 32 | static_cast<uint64_t>(chunks) << 16, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lk(sleep_mutex_);
      wake_.notify_all();
    }
    // Chunks are claimed, not assigned: the caller takes whatever no worker
    // has started, so a worker that is asleep or descheduled (a VM's wake-up
    // takes tens of microseconds) delays nothing; the caller only waits for
    // chunks a worker is actually running.
    t_in_task = true;
    int mine = 0;
    for (int c; (c = claim(gen)) >= 0; ++mine) task(c);
    t_in_task = false;
    done_.fetch_add(mine, std::memory_order_acq_rel);
    for (int spins = 0; done_.load(std::memory_order_acquire) != chunks; ++spins) {
      if (spins < 4096) _mm_pause();
      else std::this_thread::yield();
    }
  }

 private:
  // The next unstarted chunk of generation `gen`, or -1 when none is left
  // (or the op is over). state_ = generation << 32 | chunks << 16 | next.
  int claim(uint64_t gen) {
    uint64_t s = state_.load(std::memory_order_acquire);
    for (;;) {
      if ((s >> 32) != gen) return -1;
      const int chunks = static_cast<int>((s >> 16) & 0xFFFF), next = static_cast<int>(s & 0xFFFF);
      if (next >= chunks) return -1;
      if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel, std::memory_order_acquire)) return next;
    }
  }

  uint64_t generation() const { return state_.load(std::memory_order_acquire) >> 32; }

  void stop() {
    if (workers_.empty()) return;
    {
      std::lock_guard<std::mutex> lk(sleep_mutex_);
      stopping_.store(true, std::memory_order_seq_cst);
      // A new generation with no chunks wakes every worker.
      const uint64_t gen = (state_.load(std::memory_order_relaxed) >> 32) + 1;
      state_.store(gen << 32, std::memory_order_seq_cst);
      wake_.notify_all();
    }
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  void loop(uint64_t seen) {
    for (;;) {
      // Spin ~50 us for the next op of the same step, then sleep.
      auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
      uint64_t g;
      for (int spins = 0; (g = generation()) == seen; ++spins) {
        _mm_pause();
        if ((spins & 255) == 255 && std::chrono::steady_clock::now() > deadline) {
          std::unique_lock<std::mutex> lk(sleep_mutex_);
          sleepers_.fetch_add(1, std::memory_order_seq_cst);
          wake_.wait(lk, [&] { return generation() != seen; });
          sleepers_.fetch_sub(1, std::memory_order_seq_cst);
        }
      }
      seen = g;
      if (stopping_.load(std::memory_order_acquire)) return;
      int mine = 0;
      // task_ stays valid while a claimed chunk is unfinished: the caller
      // cannot return before done_ counts it.
      for (int c; (c = claim(g)) >= 0; ++mine) {
        t_in_task = true;
        (*task_)(c);
        t_in_task = false;
      }
      if (mine) done_.fetch_add(mine, std::memory_order_acq_rel);
    }
  }

  int size_ = 1;
  std::vector<std::thread> workers_;
  std::mutex run_mutex_;  // one parallel op at a time
  std::atomic<uint64_t> state_{0};  // generation << 32 | chunks << 16 | next chunk
  std::atomic<int> done_{0};        // chunks finished in this generation
  std::atomic<int> sleepers_{0};
  const std::function<void(int)>* task_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

int max_threads() { return std::min(1024, std::max(4, 4 * hardware_threads())); }
int num_threads() { return pool().size(); }
void set_num_threads(int n) { pool().resize(n); }
bool in_parallel_region() { return t_in_task; }
void run_chunks(int chunks, const std::function<void(int)>& task) { pool().run(chunks, task); }

}  // namespace wick::backend::cpu
