#pragma once
// Private to src/io: element types that checkpoint files may hold but wick has
// no tensor dtype for, and their lossless widening on load (float16 and
// bfloat16 to float32; 8/16/32-bit integers to int64). PyTorch's
// load_state_dict converts the same way when it copies a float16 checkpoint
// into float32 parameters, so such files load into a wick model unchanged.
// Files are little-endian and so is the host (the readers static_assert it).
#include <cstddef>
#include <cstdint>

#include "wick/dtype.h"

namespace wick::io_detail {

// How a tensor's elements are stored in the file. kSame: as the wick dtype
// itself (no conversion).
enum class Stored : uint8_t { kSame, kF16, kBF16, kI8, kI16, kI32, kU16, kU32 };

// Bytes per element in the file (kSame: 0, use element_size of the dtype).
size_t stored_size(Stored s);

// The wick dtype a stored type widens to: kFloat32 or kInt64.
DType widened_dtype(Stored s);

// IEEE 754 binary16 -> binary32, exact: subnormals become normal floats,
// +-0, +-inf keep their sign, and a NaN keeps its sign and payload (the 10
// mantissa bits shifted up, quiet bit untouched, as NumPy converts; PyTorch
// and F16C hardware set the quiet bit of a signaling NaN instead).
float half_to_float(uint16_t bits);

// Converts `n` little-endian elements of type `from` at `src` (any
// alignment) into `dst`, an array of n widened_dtype(from) elements.
void widen(Stored from, const void* src, void* dst, size_t n);

}  // namespace wick::io_detail
