#pragma once
// Checkpoints in the safetensors format, so a state_dict moves between wick
// and PyTorch (safetensors.torch.save_file / load_file) unchanged:
//
//   save(model.state_dict(), "model.safetensors", {{"epoch", "5"}});
//   model.load_state_dict(load("model.safetensors"));
//
// Layout: an 8-byte little-endian u64 N, N bytes of JSON
//   {"0.weight": {"dtype": "F32", "shape": [10, 784], "data_offsets": [0, 31360]},
//    ..., "__metadata__": {"epoch": "5"}}
// (padded with spaces so the data starts 8-byte aligned), then the raw
// little-endian, C-ordered data. Dtypes: F32, F64, I64, U8, BOOL.
//
// Narrower dtypes, which wick has no tensor type for, are widened losslessly
// on load: F16 and BF16 to float32 (exactly: subnormals, +-inf, NaN and -0
// kept), I8, I16, I32, U16 and U32 to int64. A float16 checkpoint therefore
// loads into a float32 model exactly as PyTorch's load_state_dict would copy
// it, and saving it back writes F32. U64 (values above INT64_MAX would not
// fit), the F8 formats and complex C64 are refused with a message saying how
// to convert them.
//
// Loading is strict: the header length is capped and checked against the file
// size before anything is read or allocated, and every entry must have a known
// dtype, a shape whose byte size matches its data_offsets, and offsets that
// tile the data section exactly (no gaps, overlaps or trailing bytes), as the
// safetensors specification requires. Any violation is a wick::FormatError
// naming the file, the tensor and the problem.
#include <cstddef>
#include <map>
#include <string>

#include "wick/device.h"
#include "wick/tensor_dict.h"

namespace wick {

// Free-form string pairs stored under "__metadata__" (safetensors allows only
// strings there).
using Metadata = std::map<std::string, std::string>;

// Writes the tensors (detached, copied to the host, listed in the dict's order)
// to `path` atomically: the bytes go to "<path>.tmp.<pid>", which is fsynced and
// renamed over `path`, and then the directory is fsynced. A crash or a failed
// write leaves the previous file untouched; a failed write leaves no temporary
// file behind, and the temporary file of a killed process is removed by the
// next save to the same path.
// Throws wick::Error when the file cannot be written, and for undefined
// tensors or the reserved name "__metadata__".
void save(const TensorDict& tensors, const std::string& path, const Metadata& metadata = {});

// Reads every tensor onto `device`, in the order the header lists them (save()
// lists the dict's order, so a state_dict round-trips in order; the reference
// Python writer lists names sorted). save() lays the bytes out widest element
// first, so every tensor is aligned to its element size in the file.
// F16/BF16 tensors load as float32 and I8/I16/I32/U16/U32 as int64 (see
// above); their sizes and offsets are checked in the file's element size.
TensorDict load(const std::string& path, Device device = Device::cpu());

// Only the "__metadata__" pairs (empty when absent); validates the header but
// does not read the tensor data.
Metadata load_metadata(const std::string& path);

// The same on bytes in memory (for fuzzing and archives).
struct SafetensorsContents {
  TensorDict tensors;
  Metadata metadata;
};
std::string serialize_safetensors(const TensorDict& tensors, const Metadata& metadata = {});
SafetensorsContents parse_safetensors(const void* data, size_t size, const std::string& name = "<memory>");

}  // namespace wick
