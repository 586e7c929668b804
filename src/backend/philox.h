#pragma once
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
// SC'11): a counter-based generator, so element i of a random tensor depends
// only on (seed, offset + i). That makes results independent of thread count
// and lets every backend (CPU, CUDA) draw the same numbers for the same seed.
//
// Deliberately free of std:: calls and of anything beyond <cstdint>, so that a
// CUDA build can mark these functions __host__ __device__.
#include <cstdint>

#ifndef WICK_HOST_DEVICE
#define WICK_HOST_DEVICE
#endif

namespace wick::backend {

// The Philox4x32 multipliers and key-schedule increments (Random123's).
inline constexpr uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;
inline constexpr uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;

// One Philox4x32 round: two 32x32->64 multiplies, mixing in the round key.
WICK_HOST_DEVICE inline void philox4x32_round(uint32_t ctr[4], const uint32_t key[2]) {
  const uint64_t p0 = static_cast<uint64_t>(kPhiloxM0) * ctr[0];
  const uint64_t p1 = static_cast<uint64_t>(kPhiloxM1) * ctr[2];
  const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
  const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
  const uint32_t c1 = ctr[1], c3 = ctr[3];
  ctr[0] = hi1 ^ c1 ^ key[0];
  ctr[1] = lo1;
  ctr[2] = hi0 ^ c3 ^ key[1];
  ctr[3] = lo0;
}

// The raw Random123 function philox4x32_R(10, ctr, key): the form the
// published known-answer vectors use.
WICK_HOST_DEVICE inline void philox4x32_10(const uint32_t ctr_in[4], const uint32_t key_in[2],
                                           uint32_t out[4]) {
  uint32_t ctr[4] = {ctr_in[0], ctr_in[1], ctr_in[2], ctr_in[3]};
  uint32_t key[2] = {key_in[0], key_in[1]};
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {  // the key schedule bumps the key before rounds 2..10
      key[0] += kPhiloxW0;
      key[1] += kPhiloxW1;
    }
    philox4x32_round(ctr, key);
  }
  out[0] = ctr[0];
  out[1] = ctr[1];
  out[2] = ctr[2];
  out[3] = ctr[3];
}

// wick's stream: key = {lo32(seed), hi32(seed)}, counter = {lo32(counter),
// hi32(counter), 0, 0}.
WICK_HOST_DEVICE inline void philox4x32(uint64_t seed, uint64_t counter, uint32_t out[4]) {
  const uint32_t ctr[4] = {static_cast<uint32_t>(counter), static_cast<uint32_t>(counter >> 32), 0u, 0u};
  const uint32_t key[2] = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  philox4x32_10(ctr, key, out);
}

}  // namespace wick::backend
