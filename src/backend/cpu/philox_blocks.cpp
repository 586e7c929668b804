// philox_blocks: Philox4x32-10 (backend/philox.h) on 16 counters per vector.
//
// Why: dropout draws one 32-bit word per element; one scalar block (10 rounds
// of two 32x32->64 multiplies) per 4 elements made Dropout(0.2) on the MLP's
// 128 x 256 activations 29 us of a ~750 us step; with this, 10 us (8192
// blocks: 12.5 us with one group of 16 in flight, 7.7 us with four).
// The lanes hold 16 consecutive counters; a round is the scalar one written
// on vectors (the 64-bit products of the even and the odd lanes, recombined),
// so the words are the scalar function's, bit for bit (Philox tests in
// tests/backend/cpu_backend_test.cpp).
#include "backend/cpu/philox_blocks.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "backend/philox.h"

namespace wick::backend::cpu {

namespace {

#if defined(__AVX512F__)
// The intrinsics below are the zero-masked forms with every lane
// selected: the same instructions, but GCC 12's unmasked versions merge into
// an "undefined" vector that trips -Wmaybe-uninitialized in its own header.
constexpr __mmask8 kAll8 = 0xFF;
constexpr __mmask16 kAll16 = 0xFFFF;

// hi and lo 32 bits of m * c for each 32-bit lane of c.
inline void mul_hi_lo(__m512i c, __m512i m, __m512i& hi, __m512i& lo) {
  const __m512i even = _mm512_maskz_mul_epu32(kAll8, c, m);  // lanes 0, 2, ...: 64-bit products
  const __m512i odd = _mm512_maskz_mul_epu32(kAll8, _mm512_maskz_srli_epi64(kAll8, c, 32), m);  // 1, 3, ...
  hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_maskz_srli_epi64(kAll8, even, 32), odd);
  lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_maskz_slli_epi64(kAll8, odd, 32));
}

// 16 counters from `offset`, as the four word vectors of a round's state:
// the low word of offset + lane, its high word plus the carry where the low
// word wrapped, and two zero words.
struct State {
  __m512i c0, c1, c2, c3;
};

State counters(uint64_t offset) {
  const __m512i lo_base = _mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(offset)));
  const __m512i c0 = _mm512_add_epi32(lo_base, _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  const __mmask16 carry = _mm512_cmplt_epu32_mask(c0, lo_base);
  const __m512i hi_base = _mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(offset >> 32)));
  return {c0, _mm512_mask_add_epi32(hi_base, carry, hi_base, _mm512_set1_epi32(1)), _mm512_setzero_si512(),
          _mm512_setzero_si512()};
}

// Lane b of c_j is word j of block b: stored block-major, out[4 b + j].
void store_blocks(const State& s, uint32_t* out) {
  const __m512i t0 = _mm512_maskz_unpacklo_epi32(kAll16, s.c0, s.c1);
  const __m512i t1 = _mm512_maskz_unpackhi_epi32(kAll16, s.c0, s.c1);
  const __m512i t2 = _mm512_maskz_unpacklo_epi32(kAll16, s.c2, s.c3);
  const __m512i t3 = _mm512_maskz_unpackhi_epi32(kAll16, s.c2, s.c3);
  // Per 128-bit lane L: r0 = block 4L, r1 = 4L + 1, r2 = 4L + 2, r3 = 4L + 3.
  const __m512i r0 = _mm512_maskz_unpacklo_epi64(kAll8, t0, t2), r1 = _mm512_maskz_unpackhi_epi64(kAll8, t0, t2);
  const __m512i r2 = _mm512_maskz_unpacklo_epi64(kAll8, t1, t3), r3 = _mm512_maskz_unpackhi_epi64(kAll8, t1, t3);
  const __m512i s0 = _mm512_maskz_shuffle_i32x4(kAll16, r0, r1, 0x44);
  const __m512i s1 = _mm512_maskz_shuffle_i32x4(kAll16, r2, r3, 0x44);
  const __m512i s2 = _mm512_maskz_shuffle_i32x4(kAll16, r0, r1, 0xEE);
  const __m512i s3 = _mm512_maskz_shuffle_i32x4(kAll16, r2, r3, 0xEE);
  _mm512_storeu_si512(out, _mm512_maskz_shuffle_i32x4(kAll16, s0, s1, 0x88));       // blocks 0-3
  _mm512_storeu_si512(out + 16, _mm512_maskz_shuffle_i32x4(kAll16, s0, s1, 0xDD));  // blocks 4-7
  _mm512_storeu_si512(out + 32, _mm512_maskz_shuffle_i32x4(kAll16, s2, s3, 0x88));  // blocks 8-11
  _mm512_storeu_si512(out + 48, _mm512_maskz_shuffle_i32x4(kAll16, s2, s3, 0xDD));  // blocks 12-15
}

// Blocks offset .. offset + 16 G - 1 into out[0 .. 64 G - 1]. G independent
// groups of 16 per round: one group's round is a chain of dependent
// multiplies (~10 cycles), so several in flight keep the multiplier busy.
template <int G>
void block_groups(uint64_t seed, uint64_t offset, uint32_t* out) {
  State s[G];
  for (int q = 0; q < G; ++q) s[q] = counters(offset + 16 * static_cast<uint64_t>(q));
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(kPhiloxM0));
  const __m512i m1 = _mm512_set1_epi32(static_cast<int>(kPhiloxM1));
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += kPhiloxW0;
      k1 += kPhiloxW1;
    }
    const __m512i key0 = _mm512_set1_epi32(static_cast<int>(k0)), key1 = _mm512_set1_epi32(static_cast<int>(k1));
    for (int q = 0; q < G; ++q) {
      __m512i hi0, lo0, hi1, lo1;
      mul_hi_lo(s[q].c0, m0, hi0, lo0);
      mul_hi_lo(s[q].c2, m1, hi1, lo1);
      s[q] = {_mm512_xor_si512(_mm512_xor_si512(hi1, s[q].c1), key0), lo1,
              _mm512_xor_si512(_mm512_xor_si512(hi0, s[q].c3), key1), lo0};
    }
  }
  for (int q = 0; q < G; ++q) store_blocks(s[q], out + 64 * q);
}
#endif

}  // namespace

void philox_blocks(uint64_t seed, uint64_t offset, int64_t blocks, uint32_t* out) {
  int64_t b = 0;
#if defined(__AVX512F__)
  for (; b + 64 <= blocks; b += 64) block_groups<4>(seed, offset + static_cast<uint64_t>(b), out + 4 * b);
  for (; b + 16 <= blocks; b += 16) block_groups<1>(seed, offset + static_cast<uint64_t>(b), out + 4 * b);
#endif
  for (; b < blocks; ++b) philox4x32(seed, offset + static_cast<uint64_t>(b), out + 4 * b);
}

}  // namespace wick::backend::cpu
