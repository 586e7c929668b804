// The global generator: a seed and a position in a counter-based stream.
#include "wick/random.h"

#include <mutex>

#include "backend/philox.h"

namespace wick {

namespace {
std::mutex g_mutex;
GeneratorState g_state{0, 0};
}  // namespace

void manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_state = {seed, 0};
}

uint64_t initial_seed() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_state.seed;
}

GeneratorState get_rng_state() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_state;
}

void set_rng_state(const GeneratorState& state) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_state = state;
}

namespace detail {
GeneratorState reserve_random(uint64_t count) {
  std::lock_guard<std::mutex> lock(g_mutex);
  GeneratorState s = g_state;
  g_state.offset += count;
  return s;
}

void philox(uint64_t seed, uint64_t ctr, uint32_t out[4]) { backend::philox4x32(seed, ctr, out); }
}  // namespace detail

}  // namespace wick
