#include "backend/cpu/thread_pool.h"

#include <cblas.h>
#include <immintrin.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace wick::backend::cpu {

namespace {

thread_local bool t_in_task = false;

int default_threads() {
  for (const char* var : {"WICK_NUM_THREADS", "OMP_NUM_THREADS"})
    if (const char* v = std::getenv(var)) {
      int n = std::atoi(v);
      if (n > 0) return n;
    }
  unsigned hc = std::thread::hardware_concurrency();
  return hc > 0 ? static_cast<int>(hc) : 1;
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
    stopping_ = false;
    // Workers start from the generation of now: one that reads it only after
    // the first op was posted would wait for the op after that (a hang).
    const uint64_t start = generation_.load(std::memory_order_seq_cst);
    for (int id = 1; id < size_; ++id) workers_.emplace_back([this, id, start] { loop(id, start); });
    // OpenBLAS has its own threads: keep the two pools the same size, so a
    // GEMM and an elementwise op never ask for more threads than cores.
    openblas_set_num_threads(size_);
  }

  void run(int chunks, const std::function<void(int)>& task) {
    std::unique_lock<std::mutex> run(run_mutex_, std::try_to_lock);
    if (!run.owns_lock() || chunks <= 1 || size_ <= 1) {
      for (int i = 0; i < chunks; ++i) task(i);
      return;
    }
    if (chunks > size_) chunks = size_;
    task_ = &task;
    chunks_ = chunks;
    pending_.store(chunks - 1, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lk(sleep_mutex_);
      wake_.notify_all();
    }
    t_in_task = true;
    task(0);
    t_in_task = false;
    // Workers take microseconds; yield if one was descheduled.
    for (int spins = 0; pending_.load(std::memory_order_acquire) != 0; ++spins) {
      if (spins < 4096) _mm_pause();
      else std::this_thread::yield();
    }
  }

 private:
  void stop() {
    if (workers_.empty()) return;
    {
      std::lock_guard<std::mutex> lk(sleep_mutex_);
      stopping_ = true;
      generation_.fetch_add(1, std::memory_order_seq_cst);
      wake_.notify_all();
    }
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  void loop(int id, uint64_t seen) {
    for (;;) {
      // Spin ~50 us for the next op of the same step, then sleep.
      auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
      uint64_t g;
      for (int spins = 0; (g = generation_.load(std::memory_order_acquire)) == seen; ++spins) {
        _mm_pause();
        if ((spins & 255) == 255 && std::chrono::steady_clock::now() > deadline) {
          std::unique_lock<std::mutex> lk(sleep_mutex_);
          sleepers_.fetch_add(1, std::memory_order_seq_cst);
          wake_.wait(lk, [&] { return generation_.load(std::memory_order_seq_cst) != seen; });
          sleepers_.fetch_sub(1, std::memory_order_seq_cst);
        }
      }
      seen = g;
      if (stopping_) return;
      if (id < chunks_) {
        t_in_task = true;
        (*task_)(id);
        t_in_task = false;
        pending_.fetch_sub(1, std::memory_order_acq_rel);
      }
    }
  }

  int size_ = 1;
  std::vector<std::thread> workers_;
  std::mutex run_mutex_;  // one parallel op at a time
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<int> sleepers_{0};
  const std::function<void(int)>* task_ = nullptr;
  int chunks_ = 0;
  bool stopping_ = false;
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

int num_threads() { return pool().size(); }
void set_num_threads(int n) { pool().resize(n); }
bool in_parallel_region() { return t_in_task; }
void run_chunks(int chunks, const std::function<void(int)>& task) { pool().run(chunks, task); }

}  // namespace wick::backend::cpu
