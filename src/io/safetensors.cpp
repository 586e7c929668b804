// safetensors save/load. Loading validates the whole header against the file
// size before it allocates any tensor; saving is atomic (temp file, fsync,
// rename, fsync of the directory). F16, BF16 and narrow integer tensors are
// widened to float32/int64 as they are read (io/widen.h).
#include "wick/io/safetensors.h"


#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "io/file_io.h"
#include "io/safetensors_format.h"
#include "io/widen.h"
#include "wick/creation.h"

namespace wick {
namespace {

using st_detail::Entry;
using st_detail::fail;
using st_detail::Header;

// What save() writes: host copies of the tensors and their entries.
struct Prepared {
  std::vector<Entry> entries;
  std::vector<Tensor> hosts;  // contiguous CPU tensors, in data order (not entry order)
  std::string header;         // prefix + JSON
};

Prepared prepare(const TensorDict& tensors, const Metadata& metadata, const std::string& what) {
  Prepared p;
  for (const auto& [name, t] : tensors) {
    WICK_CHECK(name != "__metadata__", what, ": '__metadata__' is reserved by the safetensors format and cannot name a tensor; rename it");
    WICK_CHECK(t.defined(), what, ": tensor '", name, "' is undefined; drop it from the dict or give it a value");
    // detach: saving is not an op autograd should record.
    Tensor c = t.detach().cpu().contiguous();
    p.entries.push_back({name, c.dtype(), c.sizes(), 0, static_cast<uint64_t>(c.numel()) * element_size(c.dtype())});
    p.hosts.push_back(std::move(c));
  }
  std::vector<Tensor> in_entry_order = std::move(p.hosts);
  // The header lists the tensors in the dict's order; their bytes go widest
  // element first (8-byte, then 4, then 1), as the reference writer does, so
  // every tensor starts aligned to its element size: PyTorch and NumPy map a
  // tensor in place only then (an int64 after a [3, 3] float32 would not be).
  std::vector<size_t> by_width(p.entries.size());
  for (size_t i = 0; i < by_width.size(); ++i) by_width[i] = i;
  std::stable_sort(by_width.begin(), by_width.end(), [&](size_t a, size_t b) {
    return element_size(p.entries[a].dtype) > element_size(p.entries[b].dtype);
  });
  uint64_t offset = 0;
  p.hosts.clear();
  for (size_t i : by_width) {
    Entry& e = p.entries[i];
    e.end += offset;
    e.begin = offset;
    offset = e.end;
    p.hosts.push_back(std::move(in_entry_order[i]));
  }
  p.header = st_detail::make_header(p.entries, metadata);
  return p;
}

void normalize_bools(const Tensor& t) {
  if (t.dtype() == kBool) io_detail::normalize_bools(static_cast<uint8_t*>(t.raw_data()), static_cast<size_t>(t.numel()));
}

// Tensors are read in data order; the dict lists them as the header does
// (a state_dict saved by wick comes back in its own order).
TensorDict in_header_order(TensorDict by_offset, const Header& h) {
  TensorDict out;
  for (const std::string& name : h.names) out.insert(name, by_offset.at(name));
  return out;
}

// Called only once the whole header has been validated against the file
// size, so a hostile shape cannot make us allocate more than the file holds
// (8x as much for I8 widened to int64, 4x for F16, ...).
Tensor make_empty(const Entry& e) { return empty(e.shape, {.dtype = e.dtype}); }

using io_detail::File;
using io_detail::read_exact;

// Reads a narrow entry (F16, I32, ...) into its widened tensor through a
// bounded buffer, so the file's bytes are never held whole next to it.
void read_widened(File& f, const Entry& e, const Tensor& t, const std::string& path) {
  const size_t item = io_detail::stored_size(e.stored);
  const size_t out_item = element_size(t.dtype());
  constexpr size_t kChunkElements = size_t{1} << 18;
  std::vector<uint8_t> buf(std::min<size_t>(static_cast<size_t>(t.numel()), kChunkElements) * item);
  auto* dst = static_cast<uint8_t*>(t.raw_data());
  for (size_t done = 0, n = static_cast<size_t>(t.numel()); done < n;) {
    const size_t k = std::min(n - done, kChunkElements);
    read_exact(f.get(), buf.data(), k * item, path);
    io_detail::widen(e.stored, buf.data(), dst + done * out_item, k);
    done += k;
  }
}

// Opens `path` and reads and validates its header; leaves `f` at the data.
Header open_and_read_header(const std::string& path, File& f) {
  uint64_t size = 0;
  f = io_detail::open_regular(path, ".safetensors file", &size);
  uint8_t prefix[st_detail::kPrefixBytes] = {};
  read_exact(f.get(), prefix, std::min<uint64_t>(size, sizeof prefix), path);
  const uint64_t n = st_detail::read_header_length(prefix, size, path);
  std::string json(n, '\0');
  read_exact(f.get(), json.data(), n, path);
  return st_detail::parse_header(json.data(), n, size - st_detail::kPrefixBytes - n, path);
}

}  // namespace

std::string serialize_safetensors(const TensorDict& tensors, const Metadata& metadata) {
  Prepared p = prepare(tensors, metadata, "serialize_safetensors");
  std::string out = std::move(p.header);
  for (const Tensor& c : p.hosts)
    if (c.numel()) out.append(static_cast<const char*>(c.raw_data()), c.numel() * element_size(c.dtype()));
  return out;
}

SafetensorsContents parse_safetensors(const void* data, size_t size, const std::string& name) {
  if (data == nullptr && size > 0) fail(name, "null data pointer with a nonzero size", "pass the buffer's address");
  static const uint8_t zeros[st_detail::kPrefixBytes] = {};
  const auto* bytes = data ? static_cast<const uint8_t*>(data) : zeros;
  const uint64_t n = st_detail::read_header_length(bytes, size, name);
  const uint64_t data_start = st_detail::kPrefixBytes + n;
  Header h = st_detail::parse_header(reinterpret_cast<const char*>(bytes) + st_detail::kPrefixBytes, n,
                                     size - data_start, name);
  SafetensorsContents out;
  out.metadata = std::move(h.metadata);
  TensorDict by_offset;
  for (const Entry& e : h.entries) {
    Tensor t = make_empty(e);
    const uint8_t* src = bytes + data_start + e.begin;
    if (e.stored != io_detail::Stored::kSame) io_detail::widen(e.stored, src, t.raw_data(), static_cast<size_t>(t.numel()));
    else if (e.end > e.begin) std::memcpy(t.raw_data(), src, e.end - e.begin);
    normalize_bools(t);
    by_offset.insert(e.name, t);
  }
  out.tensors = in_header_order(std::move(by_offset), h);
  return out;
}

TensorDict load(const std::string& path, Device device) {
  check_device_available(device);
  File f;
  const Header h = open_and_read_header(path, f);
  // The entries tile the data section in order, so one sequential pass reads
  // every tensor straight into its storage.
  TensorDict by_offset;
  for (const Entry& e : h.entries) {
    Tensor t = make_empty(e);
    if (e.stored == io_detail::Stored::kSame) read_exact(f.get(), t.numel() ? t.raw_data() : nullptr, e.end - e.begin, path);
    else read_widened(f, e, t, path);
    normalize_bools(t);
    by_offset.insert(e.name, device.is_cpu() ? t : t.to(device));
  }
  return in_header_order(std::move(by_offset), h);
}

Metadata load_metadata(const std::string& path) {
  File f;
  return open_and_read_header(path, f).metadata;
}

void save(const TensorDict& tensors, const std::string& path, const Metadata& metadata) {
  const Prepared p = prepare(tensors, metadata, "save('" + path + "')");
  std::vector<io_detail::Piece> pieces{{p.header.data(), p.header.size()}};
  for (const Tensor& c : p.hosts)
    if (c.numel()) pieces.push_back({c.raw_data(), c.numel() * element_size(c.dtype())});
  io_detail::write_file_atomic(path, pieces, {.context = "save('" + path + "')"});
}

}  // namespace wick
