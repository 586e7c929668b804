#pragma once
// Private to src/io: the .npy preamble and header (the Python dict literal),
// split from the file I/O so that load_npy can validate a header against the
// file size before it allocates or reads any data.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/file_io.h"
#include "wick/dtype.h"
#include "wick/tensor.h"

namespace wick::npy_detail {

// magic (6) + version (2) + header length (2 or 4)
inline constexpr size_t kMaxPreamble = 12;

struct NpyHeader {
  DType dtype = kFloat32;
  Shape shape;
  bool fortran_order = false;
  int64_t numel = 0;
  size_t data_offset = 0;  // preamble + header: where the raw data starts
  size_t data_bytes = 0;   // numel * itemsize
};

// Throws FormatError "<name>: <problem>; <fix>". Every rejection goes through
// here so that all messages name the file the same way.
using io_detail::fail;  // FormatError "<file>: <problem>; <fix>"

// Checks magic and version in the first `avail` bytes (at least
// min(total_size, kMaxPreamble) of them) and returns data_offset, the size of
// preamble + header, after checking it fits in `total_size` bytes.
size_t read_preamble(const uint8_t* data, size_t avail, uint64_t total_size, const std::string& name);

// Parses and validates the header in data[0, data_offset) (data_offset from
// read_preamble). Checks that the declared shape and dtype need exactly the
// total_size - data_offset bytes that follow, so a caller may allocate
// data_bytes afterwards without trusting the file any further.
NpyHeader parse_header(const uint8_t* data, size_t data_offset, uint64_t total_size, const std::string& name);

// Preamble and header for a C-ordered array, laid out byte for byte as
// numpy's np.save writes it (version 1.0 unless the header needs 2.0, padded
// so the data starts at a multiple of 64 bytes).
std::string make_header(DType dtype, const Shape& shape);

}  // namespace wick::npy_detail
