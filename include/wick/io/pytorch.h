#pragma once
// PyTorch's own checkpoint format, the files torch.save writes, so a
// state_dict moves between wick and PyTorch without the safetensors package:
//
//   # Python
//   torch.save(model.state_dict(), "model.pt")
//   torch.save({"model_state_dict": model.state_dict(), "epoch": 5}, "ckpt.pt")
//
//   // C++
//   model.load_state_dict(load_pytorch("model.pt"));
//   model.load_state_dict(load_pytorch("ckpt.pt", Device::cpu(), "model_state_dict"));
//   save_pytorch(model.state_dict(), "for_torch.pt");  // torch.load("for_torch.pt")
//
// A torch.save file (PyTorch 1.6 and later) is a zip archive of stored
// entries under one top folder: data.pkl, a pickle (protocol 2) of the object
// whose tensors are _rebuild_tensor_v2(storage, offset, size, stride, ...)
// calls with their storages as persistent ids; data/<key>, the raw
// little-endian bytes of each storage; version; and, from newer PyTorch,
// byteorder and .data/serialization_id.
//
// Loading never runs Python's pickle: a small reader understands only the
// opcodes and the few globals (OrderedDict, _rebuild_tensor_v2,
// _rebuild_parameter, the torch.*Storage classes) that state_dicts and
// plain checkpoint dicts use. Every size, stride and offset is checked
// against the bytes its storage entry really holds. A tensor that is its
// whole storage, in order (the usual case), is read straight into place;
// views of a shared storage (offsets, strides, transposes) are copied out of
// it, each into its own contiguous tensor. Any problem is a wick::FormatError naming the file, the entry or
// opcode, and the fix: for a legacy (pre-1.6, non-zip) file, a pickled whole
// nn.Module, a TorchScript archive, a big-endian file, a complex dtype, or a
// non-tensor value in a state_dict.
//
// Storages of a dtype wick lacks are widened losslessly on load: float16
// (HalfStorage) and bfloat16 (BFloat16Storage) to float32, exactly
// (subnormals, +-inf, NaN and -0 kept); int8, int16 and int32 (CharStorage,
// ShortStorage, IntStorage) to int64. A float16 checkpoint therefore loads
// into a float32 model exactly as PyTorch's load_state_dict would copy it,
// and save_pytorch writes it back as float32. Storage sizes and views are
// checked in the file's element size (2 bytes for float16).
#include <cstddef>
#include <string>

#include "wick/device.h"
#include "wick/tensor_dict.h"

namespace wick {

// Reads the state_dict in `path` onto `device`, in the file's order, with
// float16/bfloat16 tensors widened to float32 and int8/16/32 to int64.
// The file's top-level object must be a dict (or OrderedDict) of name ->
// tensor. With `key`, it must be a dict whose entry `key` is that state_dict
// (a checkpoint like {"model_state_dict": ..., "optimizer_state_dict": ...,
// "epoch": 5}); only that entry's tensors are read. A checkpoint loaded
// without a key fails with a message that lists the keys holding state_dicts.
TensorDict load_pytorch(const std::string& path, Device device = Device::cpu(), const std::string& key = "");

// Writes the tensors (detached, copied to the host, made contiguous) as an
// OrderedDict in the dict's order, which torch.load(path) returns -- also
// with weights_only=True -- and model.load_state_dict(..., strict=True)
// accepts. Dtypes: float32, float64, int64, uint8, bool. Atomic as save():
// the bytes go to "<path>.tmp.<pid>", which is fsynced and renamed over path.
// Throws wick::Error for an undefined tensor or when the file cannot be written.
void save_pytorch(const TensorDict& tensors, const std::string& path);

// The same on bytes in memory (for fuzzing and archives). `name` stands for
// the file in messages.
std::string serialize_pytorch(const TensorDict& tensors);
TensorDict parse_pytorch(const void* data, size_t size, const std::string& name = "<memory>",
                         const std::string& key = "");

}  // namespace wick
