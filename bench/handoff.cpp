// What handing a batch to another core costs on this machine: one thread
// writes a buffer the size of a training batch, the other reads it, and the
// read is timed against reading a buffer the reader wrote itself.
//
//   handoff [KB ...]      default 100 (an MNIST uint8 batch) and 400 (float)
//
// First it times one cache line's round trip between the two cores (a flag
// bounced back and forth): the latency every hand-over pays at least once.
//
// Why: a prefetching DataLoader (or a batch gathered by two threads) hands
// each batch across cores; docs/PERFORMANCE.md ("Two threads") uses these
// numbers to explain why that did not pay on the 2-core VM.
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

void fill(std::vector<float>& buf, int round) {
  for (size_t j = 0; j < buf.size(); ++j) buf[j] = static_cast<float>(round + j);
}

double timed_sum(const std::vector<float>& buf, float& sink) {
  const auto t0 = Clock::now();
  // 16 independent sums, so the loop runs at load speed, not add latency.
  float acc[16] = {};
  for (size_t j = 0; j + 16 <= buf.size(); j += 16)
    for (int k = 0; k < 16; ++k) acc[k] += buf[j + k];
  for (float a : acc) sink += a;
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

// Median round trip of one cache line: core 0 writes a flag, core 1 answers.
void ping_pong() {
  constexpr int kRounds = 20000, kBatch = 100;
  alignas(64) std::atomic<int> flag{0};
  std::thread other([&] {
    pin(1);
    for (int i = 0; i < kRounds * kBatch; ++i) {
      while (flag.load(std::memory_order_acquire) != 2 * i + 1) {
      }
      flag.store(2 * i + 2, std::memory_order_release);
    }
  });
  pin(0);
  std::vector<double> per_trip;
  for (int r = 0; r < kRounds; ++r) {
    const auto t0 = Clock::now();
    for (int i = r * kBatch; i < (r + 1) * kBatch; ++i) {
      flag.store(2 * i + 1, std::memory_order_release);
      while (flag.load(std::memory_order_acquire) != 2 * i + 2) {
      }
    }
    per_trip.push_back(std::chrono::duration<double>(Clock::now() - t0).count() / kBatch);
  }
  other.join();
  std::printf("cache line round trip between the cores: %.0f ns (median of %d x %d)\n", median(per_trip) * 1e9,
              kRounds, kBatch);
}

void measure(size_t kb) {
  const size_t n = kb * 1024 / sizeof(float);
  const int rounds = 2000;
  std::vector<float> buf(n);
  std::atomic<int> turn{0};  // 0: the writer's turn, 1: the reader's
  std::vector<double> across, local;
  float sink = 0;
  std::thread writer([&] {
    pin(1);
    for (int r = 0; r < rounds; ++r) {
      while (turn.load(std::memory_order_acquire) != 0) {
      }
      fill(buf, r);
      turn.store(1, std::memory_order_release);
    }
  });
  pin(0);
  for (int r = 0; r < rounds; ++r) {
    while (turn.load(std::memory_order_acquire) != 1) {
    }
    across.push_back(timed_sum(buf, sink));  // written by core 1
    fill(buf, r);
    local.push_back(timed_sum(buf, sink));   // written by this core
    turn.store(0, std::memory_order_release);
  }
  writer.join();
  const double a = median(across), l = median(local);
  std::printf("%5zu KB: read after the other core wrote it %6.1f us (%5.1f GB/s); after this core wrote it %6.1f us "
              "(%5.1f GB/s); the hand-over adds %.1f us%s\n",
              kb, a * 1e6, kb * 1024 / a / 1e9, l * 1e6, kb * 1024 / l / 1e9, (a - l) * 1e6, sink == 0.5f ? " " : "");
}

}  // namespace

int main(int argc, char** argv) {
  if (std::thread::hardware_concurrency() < 2) {
    std::fprintf(stderr, "handoff: needs two cores\n");
    return 2;
  }
  std::vector<size_t> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(static_cast<size_t>(std::atoi(argv[i])));
  if (sizes.empty()) sizes = {100, 400};
  ping_pong();
  for (size_t kb : sizes) measure(kb);
  return 0;
}
