#pragma once
// Private to src/io: the safetensors header (length prefix + JSON), split from
// the file I/O so that load() can validate the header against the file size
// before it allocates or reads any tensor data.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "io/file_io.h"
#include "io/widen.h"
#include "wick/io/safetensors.h"

namespace wick::st_detail {

// The reference implementation's cap: a header is names and shapes, never
// anywhere near this, so a larger length means a corrupt or hostile file.
inline constexpr uint64_t kMaxHeaderBytes = 100'000'000;
inline constexpr size_t kPrefixBytes = 8;

struct Entry {
  std::string name;
  DType dtype = kFloat32;  // the loaded tensor's dtype
  Shape shape;
  uint64_t begin = 0, end = 0;  // byte range within the data section
  // How the file stores the elements: F16, BF16 and the narrow integers are
  // widened to `dtype` on load; begin/end count the file's bytes.
  io_detail::Stored stored = io_detail::Stored::kSame;
};

struct Header {
  std::vector<Entry> entries;  // sorted by data offset
  std::vector<std::string> names;  // the header's order: a loaded dict keeps it
  Metadata metadata;
};

// Throws FormatError "<file>: <problem>; <fix>".
using io_detail::fail;  // FormatError "<file>: <problem>; <fix>"

// Decodes the u64 header length from the first 8 bytes and checks it against
// the cap and the total size, so the caller may read N bytes afterwards.
uint64_t read_header_length(const uint8_t* prefix, uint64_t total_size, const std::string& file);

// Parses and validates the JSON header; `data_size` is the size of the data
// section that follows it (total size - 8 - N).
Header parse_header(const char* json, size_t size, uint64_t data_size, const std::string& file);

// The 8-byte prefix and the padded JSON for `entries` (offsets filled in by
// the caller, in order).
std::string make_header(const std::vector<Entry>& entries, const Metadata& metadata);

// The tag save() writes for a wick dtype ("F32", ...).
const char* dtype_tag(DType dtype);

}  // namespace wick::st_detail
