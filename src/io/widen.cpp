// Lossless widening of the element types wick has no dtype for (see widen.h).
// Written by hand rather than with F16C intrinsics: loading is bound by I/O,
// and one portable path behaves the same on every machine (F16C quiets
// signaling NaNs, this keeps them as they are, as NumPy does).
#include "io/widen.h"

#include <bit>
#include <cstring>

#include "wick/error.h"

namespace wick::io_detail {
namespace {

static_assert(std::endian::native == std::endian::little, "checkpoint I/O assumes a little-endian host");

// Reads element i of a packed array of T from possibly unaligned bytes.
template <typename T>
T load_at(const uint8_t* src, size_t i) {
  T v;
  std::memcpy(&v, src + i * sizeof(T), sizeof(T));
  return v;
}

template <typename T>
void widen_int(const uint8_t* src, int64_t* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = static_cast<int64_t>(load_at<T>(src, i));
}

}  // namespace

size_t stored_size(Stored s) {
  switch (s) {
    case Stored::kSame: return 0;
    case Stored::kI8: return 1;
    case Stored::kF16:
    case Stored::kBF16:
    case Stored::kI16:
    case Stored::kU16: return 2;
    case Stored::kI32:
    case Stored::kU32: return 4;
  }
  return 0;
}

DType widened_dtype(Stored s) { return s == Stored::kF16 || s == Stored::kBF16 ? kFloat32 : kInt64; }

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);  // inf, or NaN with its payload
  } else if (exponent != 0) {
    bits = sign | ((exponent + (127 - 15)) << 23) | (mantissa << 13);  // rebias the exponent
  } else if (mantissa == 0) {
    bits = sign;  // +-0
  } else {
    // Subnormal: mantissa * 2^-24. Shift its leading 1 up to bit 10 (the
    // implicit bit of a normal half); each shift lowers the exponent by one
    // from that of the smallest normal half, 2^-14.
    const uint32_t shift = static_cast<uint32_t>(std::countl_zero(mantissa)) - 21;
    bits = sign | ((127 - 14 - shift) << 23) | (((mantissa << shift) & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(bits);
}

void widen(Stored from, const void* src_, void* dst_, size_t n) {
  const auto* src = static_cast<const uint8_t*>(src_);
  auto* f = static_cast<float*>(dst_);
  auto* i = static_cast<int64_t*>(dst_);
  switch (from) {
    case Stored::kF16:
      for (size_t k = 0; k < n; ++k) f[k] = half_to_float(load_at<uint16_t>(src, k));
      return;
    case Stored::kBF16:  // the high 16 bits of a float32
      for (size_t k = 0; k < n; ++k) f[k] = std::bit_cast<float>(static_cast<uint32_t>(load_at<uint16_t>(src, k)) << 16);
      return;
    case Stored::kI8: return widen_int<int8_t>(src, i, n);
    case Stored::kI16: return widen_int<int16_t>(src, i, n);
    case Stored::kI32: return widen_int<int32_t>(src, i, n);
    case Stored::kU16: return widen_int<uint16_t>(src, i, n);
    case Stored::kU32: return widen_int<uint32_t>(src, i, n);
    case Stored::kSame: break;
  }
  throw Error("internal: widen() called on a dtype that needs no widening");
}

}  // namespace wick::io_detail
