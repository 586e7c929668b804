#pragma once
// NumPy .npy files (format versions 1.0, 2.0 and 3.0), for the seed's
// ".cpu().detach().numpy()" round trip. Dtypes: float32, float64, int64, uint8
// and bool, little-endian; C or Fortran order on load.
#include <string>

#include "wick/tensor.h"

namespace wick {

// Throws wick::FormatError naming the file and the problem (truncated, bad
// magic, big-endian, unsupported dtype, size mismatch).
Tensor load_npy(const std::string& path);
// Writes a CPU copy of `t` (version 1.0, or 2.0 when the header needs it).
void save_npy(const Tensor& t, const std::string& path);

// The same on bytes in memory (used by the fuzzers and by archives).
Tensor parse_npy(const void* data, size_t size, const std::string& name = "<memory>");
std::string serialize_npy(const Tensor& t);

}  // namespace wick
