// The lossless widening of checkpoint dtypes wick has no tensor type for
// (src/io/widen.h), against NumPy: every float16 bit pattern, converted by
// numpy's astype(np.float32) (tests/data/safetensors/half_to_float.npy,
// written by tests/reference/make_narrow_fixtures.py).
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "io/widen.h"
#include "wick/npy.h"

using namespace wick;
using io_detail::Stored;

namespace {

const std::string kDataDir = std::string(WICK_TEST_DATA_DIR) + "/safetensors/";

uint32_t bits(float f) { return std::bit_cast<uint32_t>(f); }

// NumPy's float32 of every half, indexed by the half's bits.
std::vector<float> numpy_halves() {
  const Tensor t = load_npy(kDataDir + "half_to_float.npy");
  EXPECT_EQ(t.numel(), 65536);
  return t.to_vector<float>();
}

}  // namespace

// Exact bits for all 65536 halves, NaNs included: NumPy keeps a NaN's sign
// and payload (mantissa << 13) without setting the quiet bit, and so does
// half_to_float, so even signaling NaNs compare bit for bit. (PyTorch and
// F16C hardware would set the quiet bit of the 1022 signaling NaNs; wick
// follows NumPy so the result does not depend on the machine.)
TEST(HalfToFloat, EveryBitPatternMatchesNumpyExactly) {
  const std::vector<float> want = numpy_halves();
  ASSERT_EQ(want.size(), 65536u);
  int mismatches = 0;
  for (uint32_t h = 0; h < 65536; ++h) {
    const float got = io_detail::half_to_float(static_cast<uint16_t>(h));
    if (bits(got) != bits(want[h]) && ++mismatches <= 10)
      ADD_FAILURE() << "half 0x" << std::hex << h << ": got 0x" << bits(got) << ", NumPy 0x" << bits(want[h]);
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(HalfToFloat, SpecialValues) {
  EXPECT_EQ(io_detail::half_to_float(0x0001), 0x1p-24f);  // smallest subnormal
  EXPECT_EQ(io_detail::half_to_float(0x03ff), 0x3ffp-24f);  // largest subnormal
  EXPECT_EQ(io_detail::half_to_float(0x0400), 0x1p-14f);  // smallest normal
  EXPECT_EQ(io_detail::half_to_float(0x7bff), 65504.0f);
  EXPECT_EQ(bits(io_detail::half_to_float(0x8000)), 0x80000000u);  // -0
  EXPECT_EQ(io_detail::half_to_float(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(io_detail::half_to_float(0xfc00), -std::numeric_limits<float>::infinity());
  EXPECT_EQ(bits(io_detail::half_to_float(0x7e00)), 0x7fc00000u);  // the quiet NaN
}

// widen() on a misaligned buffer of every half gives half_to_float's bits.
TEST(NarrowWiden, Float16BufferMatchesTheScalarConversion) {
  std::vector<uint8_t> raw(1 + 2 * 65536);
  for (uint32_t h = 0; h < 65536; ++h) {
    const auto v = static_cast<uint16_t>(h);
    std::memcpy(raw.data() + 1 + 2 * h, &v, 2);
  }
  std::vector<float> out(65536);
  io_detail::widen(Stored::kF16, raw.data() + 1, out.data(), out.size());
  const std::vector<float> want = numpy_halves();
  for (uint32_t h = 0; h < 65536; ++h) ASSERT_EQ(bits(out[h]), bits(want[h])) << "half 0x" << std::hex << h;
}

TEST(NarrowWiden, Bfloat16AndIntegerExtremes) {
  const uint16_t bf[] = {0x3f80, 0xc000, 0x0001, 0x7f80, 0xff80, 0x8000};
  std::vector<float> f(6);
  io_detail::widen(Stored::kBF16, bf, f.data(), 6);
  EXPECT_EQ(f[0], 1.0f);
  EXPECT_EQ(f[1], -2.0f);
  EXPECT_EQ(bits(f[2]), 0x00010000u);  // a float32 subnormal, exact
  EXPECT_EQ(f[3], std::numeric_limits<float>::infinity());
  EXPECT_EQ(f[4], -std::numeric_limits<float>::infinity());
  EXPECT_EQ(bits(f[5]), 0x80000000u);

  std::vector<int64_t> out(3);
  const int8_t i8[] = {-128, 127, -1};
  io_detail::widen(Stored::kI8, i8, out.data(), 3);
  EXPECT_EQ(out, (std::vector<int64_t>{-128, 127, -1}));
  const uint16_t u16[] = {0, 65535, 32768};
  io_detail::widen(Stored::kU16, u16, out.data(), 3);
  EXPECT_EQ(out, (std::vector<int64_t>{0, 65535, 32768}));
  const uint32_t u32[] = {0, 4294967295u, 2147483648u};
  io_detail::widen(Stored::kU32, u32, out.data(), 3);
  EXPECT_EQ(out, (std::vector<int64_t>{0, 4294967295, 2147483648}));
  const int32_t i32[] = {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max(), -7};
  io_detail::widen(Stored::kI32, i32, out.data(), 3);
  EXPECT_EQ(out, (std::vector<int64_t>{-2147483648LL, 2147483647, -7}));
  const int16_t i16[] = {-32768, 32767, -1};
  io_detail::widen(Stored::kI16, i16, out.data(), 3);
  EXPECT_EQ(out, (std::vector<int64_t>{-32768, 32767, -1}));
  EXPECT_EQ(io_detail::stored_size(Stored::kF16), 2u);
  EXPECT_EQ(io_detail::widened_dtype(Stored::kF16), kFloat32);
  EXPECT_EQ(io_detail::widened_dtype(Stored::kU32), kInt64);
}
