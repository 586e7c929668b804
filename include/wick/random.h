#pragma once
// One global, seedable generator. Its stream is counter-based (Philox4x32-10),
// so a seed gives the same numbers on every backend and every run.
#include <cstdint>

namespace wick {

void manual_seed(uint64_t seed);
uint64_t initial_seed();

// The generator's whole state: seed and the position in its stream. Saved in
// checkpoints so a resumed run draws the numbers it would have drawn.
struct GeneratorState {
  uint64_t seed = 0;
  uint64_t offset = 0;
};
GeneratorState get_rng_state();
void set_rng_state(const GeneratorState& state);

namespace detail {
// Reserves `count` draws from the global stream; returns (seed, first offset).
GeneratorState reserve_random(uint64_t count);
// One Philox4x32-10 block: four 32-bit words for counter `ctr` under key `seed`.
void philox(uint64_t seed, uint64_t ctr, uint32_t out[4]);
}  // namespace detail

}  // namespace wick
