#pragma once
// Many consecutive Philox4x32-10 blocks at once, for kernels that consume the
// raw 32-bit words (dropout's mask): the same words as philox4x32(seed,
// offset + b) for b in [0, blocks), 16 blocks per step with AVX-512.
#include <cstdint>

namespace wick::backend::cpu {

// out[4 * b + j] = word j of philox4x32(seed, offset + b).
void philox_blocks(uint64_t seed, uint64_t offset, int64_t blocks, uint32_t* out);

}  // namespace wick::backend::cpu
