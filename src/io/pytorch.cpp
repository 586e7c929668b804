// torch.save files (see wick/io/pytorch.h): the zip layout, choosing the
// state_dict in the unpickled object, and copying tensors out of their
// storages. The pickle itself is read by io/pickle_reader and written by
// io/pickle_writer; the zip container is io/zip_archive (libzip).
#include "wick/io/pytorch.h"


#include <cstring>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "io/file_io.h"
#include "io/pickle_reader.h"
#include "io/pickle_writer.h"
#include "io/widen.h"
#include "io/zip_archive.h"
#include "wick/creation.h"

namespace wick {
namespace {

using io_detail::fail;
using pickle::Kind;
using pickle::quoted;
using pickle::Value;
using zip_detail::ZipReader;

constexpr uint64_t kMaxPickleBytes = 1ull << 30;  // data.pkl: names and shapes, never near this
constexpr uint64_t kMaxSmallEntry = 64;           // byteorder
// Views that repeat elements of their storage (expand, overlapping strides)
// grow when copied out; their total may not exceed this plus 4x the file.
constexpr uint64_t kViewSlack = 64ull << 20;

const char* kDamagedFix = "the file is damaged or was not written by torch.save; re-save it with "
                          "torch.save(model.state_dict(), path)";

using io_detail::Stored;

// The storage classes of torch.save and what wick makes of each: its own
// dtypes as they are; float16/bfloat16 widened to float32 and int8/16/32 to
// int64, losslessly, as load_state_dict copies them into float32/int64
// parameters; complex refused (no wick dtype holds it).
struct StorageType {
  const char* storage;
  const char* dtype;  // as PyTorch names it
  size_t size;        // bytes per element in the file
  std::optional<DType> wick;
  Stored stored = Stored::kSame;
};
constexpr StorageType kStorageTypes[] = {
    {"FloatStorage", "float32", 4, kFloat32},
    {"DoubleStorage", "float64", 8, kFloat64},
    {"LongStorage", "int64", 8, kInt64},
    {"ByteStorage", "uint8", 1, kUInt8},
    {"BoolStorage", "bool", 1, kBool},
    {"HalfStorage", "float16", 2, kFloat32, Stored::kF16},
    {"BFloat16Storage", "bfloat16", 2, kFloat32, Stored::kBF16},
    {"IntStorage", "int32", 4, kInt64, Stored::kI32},
    {"ShortStorage", "int16", 2, kInt64, Stored::kI16},
    {"CharStorage", "int8", 1, kInt64, Stored::kI8},
    {"ComplexFloatStorage", "complex64", 8, std::nullopt},
    {"ComplexDoubleStorage", "complex128", 16, std::nullopt},
};

const StorageType& storage_type(const std::string& name) {
  for (const StorageType& t : kStorageTypes)
    if (name == t.storage) return t;
  throw Error("internal: storage class " + name + " passed the pickle reader's allow-list but has no dtype");
}

const char* storage_class(DType dtype) {
  for (const StorageType& t : kStorageTypes)
    if (t.wick == dtype && t.stored == Stored::kSame) return t.storage;
  throw Error(std::string("save_pytorch: dtype ") + dtype_name(dtype) + " has no torch storage class");
}

// The first bytes tell the formats torch.save files get confused with.
void check_leading_bytes(const uint8_t* head, size_t n, uint64_t size, const std::string& file) {
  if (n >= 262 && std::memcmp(head + 257, "ustar", 5) == 0)
    fail(file, "it is in PyTorch's oldest (tar) serialization format, which wick does not read",
         "re-save it with a current torch.save: torch.save(torch.load(path), path)");
  if (n >= 9 && head[8] == '{') {
    uint64_t len = 0;
    for (int i = 7; i >= 0; --i) len = len << 8 | head[i];
    if (len + 8 <= size)
      fail(file, "it looks like a safetensors file, not a torch.save file", "load it with wick::load(path)");
  }
  if (n >= 2 && head[0] == 0x80 && head[1] <= 5)
    fail(file, "it is in PyTorch's legacy serialization format (a bare pickle, written by PyTorch before 1.6 or "
               "with _use_new_zipfile_serialization=False), which wick does not read",
         "re-save it with a current torch.save: torch.save(torch.load(path), path)");
  if (n < 4 || std::memcmp(head, "PK\x03\x04", 4) != 0)
    fail(file, "not a torch.save file: it does not start with a zip header", "pass a file written by torch.save");
}

std::string key_list(const Value& dict) {
  std::string out;
  size_t shown = 0;
  for (const auto& [k, v] : dict.entries) {
    if (shown == 12) return out + ", ...";
    out += (shown++ ? ", " : "") + (k->kind == Kind::String ? quoted(k->text) : std::to_string(k->integer));
  }
  return out.empty() ? "none" : out;
}

std::string shape_text(const std::vector<int64_t>& s) { return shape_str(s); }

bool holds_tensor(const Value& dict) {
  for (const auto& [k, v] : dict.entries)
    if (v->kind == Kind::Tensor) return true;
  return false;
}

// Copies a strided view out of `src` (elements of `es` bytes) into the
// contiguous `dst`. Offsets are computed in uint64_t: a stride of a size-1
// dimension may be huge, and the wrap-around cancels exactly.
void copy_strided(const uint8_t* src, uint8_t* dst, size_t es, const std::vector<int64_t>& sizes,
                  const std::vector<int64_t>& strides, int64_t offset, int64_t numel) {
  if (sizes.empty()) {
    std::memcpy(dst, src + static_cast<uint64_t>(offset) * es, es);
    return;
  }
  const size_t nd = sizes.size();
  const int64_t inner = sizes[nd - 1];
  const auto inner_stride = static_cast<uint64_t>(strides[nd - 1]);
  std::vector<int64_t> idx(nd, 0);
  uint64_t base = static_cast<uint64_t>(offset);
  for (int64_t o = 0, outer = numel / inner; o < outer; ++o) {
    const uint8_t* s = src + base * es;
    if (inner_stride == 1) {
      std::memcpy(dst, s, static_cast<size_t>(inner) * es);
    } else {
      for (int64_t j = 0; j < inner; ++j) std::memcpy(dst + j * es, s + static_cast<uint64_t>(j) * inner_stride * es, es);
    }
    dst += static_cast<size_t>(inner) * es;
    for (size_t d = nd - 1; d-- > 0;) {
      base += static_cast<uint64_t>(strides[d]);
      if (++idx[d] < sizes[d]) break;
      base -= static_cast<uint64_t>(strides[d]) * static_cast<uint64_t>(sizes[d]);
      idx[d] = 0;
    }
  }
}

// Turns the unpickled object into tensors, reading each storage once.
class Loader {
 public:
  Loader(const ZipReader& zip, std::string prefix, const std::string& file)
      : zip_(zip), prefix_(std::move(prefix)), file_(file), budget_(4 * zip.archive_size() + kViewSlack) {}

  TensorDict state_dict(const Value& dict, const std::string& where) {
    TensorDict out;
    for (const auto& [k, v] : dict.entries) {
      if (k->kind != Kind::String)
        fail(file_, where + " has " + std::string(pickle::kind_name(k->kind)) + " key " + std::to_string(k->integer) +
                        "; a state_dict's keys are parameter names",
             "pass the key of the model's state_dict");
      if (v->kind != Kind::Tensor)
        fail(file_, where + " entry " + quoted(k->text) + " is " + pickle::kind_name(v->kind) +
                        ", not a tensor; wick loads state_dicts of tensors only",
             "drop the entry before saving, e.g. del sd[" + quoted(k->text) + "]");
      out.insert(k->text, tensor(*v, k->text));
    }
    return out;
  }

 private:
  Tensor tensor(const Value& t, const std::string& name) {
    if (auto it = tensors_.find(&t); it != tensors_.end()) return it->second;
    const Value& s = *t.storage;
    const StorageType& type = storage_type(s.text);
    if (!type.wick)  // only complex storages: wick has no complex dtype
      fail(file_, "tensor " + quoted(name) + " has dtype " + type.dtype + " (torch." + type.storage +
                      "), which wick does not support: it has no complex dtype",
           "save the real and imaginary parts as a float tensor in PyTorch: torch.view_as_real(t)");
    int64_t numel = 1, last = t.offset;  // `last`: the highest storage element the view reaches
    bool overflow = false;
    for (size_t d = 0; d < t.sizes.size(); ++d) {
      overflow |= __builtin_mul_overflow(numel, t.sizes[d], &numel);
      int64_t span = 0;
      if (t.sizes[d] > 0) overflow |= __builtin_mul_overflow(t.sizes[d] - 1, t.strides[d], &span);
      overflow |= __builtin_add_overflow(last, span, &last);
    }
    const std::string view = "tensor " + quoted(name) + " (size " + shape_text(t.sizes) + ", stride " +
                             shape_text(t.strides) + ", offset " + std::to_string(t.offset) + ")";
    if (overflow) fail(file_, view + ": its element count or extent overflows 64 bits", kDamagedFix);
    if (numel > 0 && last >= s.integer)
      fail(file_, view + " reaches element " + std::to_string(last) + " of its storage " +
                      quoted(prefix_ + "data/" + s.key) + ", which holds only " + std::to_string(s.integer) + " elements",
           kDamagedFix);
    Tensor st = storage(s, name, type);
    const DType dtype = *type.wick;
    Tensor out;
    bool contiguous = t.offset == 0 && numel == s.integer;
    for (size_t d = t.sizes.size(), expected = 1; contiguous && d-- > 0;) {
      if (t.sizes[d] != 1 && t.strides[d] != static_cast<int64_t>(expected)) contiguous = false;
      expected *= static_cast<size_t>(t.sizes[d]);
    }
    // A tensor that is its whole storage, in order, keeps it (no copy);
    // any other view, or a second tensor on the same storage, is copied out,
    // so no two loaded tensors share memory unless PyTorch's were one tensor.
    if (contiguous && numel > 0 && viewed_.insert(&s).second) {
      out = st.view(t.sizes);
    } else {
      // Counted in the file's element size: the budget bounds how often views
      // repeat storage elements, and a widened copy is at most 8x that.
      uint64_t bytes = 0;
      if (__builtin_mul_overflow(static_cast<uint64_t>(numel), type.size, &bytes) || bytes > budget_)
        fail(file_, view + ": copying the views out of their storages would take more than " +
                        std::to_string(4 * zip_.archive_size() + kViewSlack) +
                        " bytes; they repeat storage elements (expanded or overlapping strides)",
             "save contiguous copies in PyTorch: {k: v.contiguous() for k, v in sd.items()}");
      budget_ -= bytes;
      out = empty(t.sizes, {.dtype = dtype});
      if (numel > 0)  // `st` is already widened: its elements are element_size(dtype) bytes
        copy_strided(static_cast<const uint8_t*>(st.raw_data()), static_cast<uint8_t*>(out.raw_data()),
                     element_size(dtype), t.sizes, t.strides, t.offset, numel);
    }
    tensors_.emplace(&t, out);
    return out;
  }

  // The storage's entry, read whole into a 1-D tensor of its dtype.
  Tensor storage(const Value& s, const std::string& name, const StorageType& type) {
    if (auto it = storages_.find(&s); it != storages_.end()) return it->second;
    const std::string entry = prefix_ + "data/" + s.key;
    const int64_t index = zip_.locate(entry);
    if (index < 0)
      fail(file_, "the storage of tensor " + quoted(name) + ", entry " + quoted(entry) +
                      ", is missing from the zip archive", kDamagedFix);
    const uint64_t size = zip_.entry_size(index);
    uint64_t need = 0;
    if (__builtin_mul_overflow(static_cast<uint64_t>(s.integer), type.size, &need) || size != need)
      fail(file_, "the storage " + quoted(entry) + " of tensor " + quoted(name) + " has " + std::to_string(size) +
                      " bytes, but data.pkl says it holds " + std::to_string(s.integer) + " " + type.dtype +
                      " elements (" + (need == 0 && s.integer ? std::string("too many") : std::to_string(need)) + " bytes)",
           kDamagedFix);
    // Allocated only now: `size` is a real entry's, bounded by the archive
    // (the widened tensor is at most 8x it, for int8 -> int64).
    Tensor st = empty({s.integer}, {.dtype = *type.wick});
    if (size && type.stored == Stored::kSame) {
      zip_.read(index, st.raw_data(), size);
    } else if (size) {
      std::vector<uint8_t> raw(size);
      zip_.read(index, raw.data(), size);
      io_detail::widen(type.stored, raw.data(), st.raw_data(), static_cast<size_t>(s.integer));
    }
    if (*type.wick == kBool) io_detail::normalize_bools(static_cast<uint8_t*>(st.raw_data()), size);
    storages_.emplace(&s, st);
    return st;
  }

  const ZipReader& zip_;
  std::string prefix_;
  const std::string& file_;
  uint64_t budget_;
  std::unordered_map<const Value*, Tensor> storages_, tensors_;
  std::unordered_set<const Value*> viewed_;  // storages handed out as a tensor
};

// The top folder ("archive/", or any name) that holds data.pkl.
std::string find_prefix(const ZipReader& zip, const std::string& file) {
  std::string prefix;
  const std::vector<std::string> names = zip.names();
  for (const std::string& n : names) {
    const size_t slash = n.find('/');
    if (slash == std::string::npos || n.find('/', slash + 1) != std::string::npos) continue;
    const std::string leaf = n.substr(slash + 1);
    if (leaf == "constants.pkl")
      fail(file, "it is a TorchScript archive (torch.jit.save), not a torch.save file",
           "in Python: torch.save(torch.jit.load(path).state_dict(), 'model.pt')");
    if (leaf != "data.pkl") continue;
    if (!prefix.empty())
      fail(file, "the zip archive holds two data.pkl entries, " + quoted(prefix + "data.pkl") + " and " + quoted(n),
           kDamagedFix);
    prefix = n.substr(0, slash + 1);
  }
  if (prefix.empty()) {
    std::string listing;
    for (size_t i = 0; i < names.size() && i < 8; ++i) listing += (i ? ", " : "") + quoted(names[i]);
    if (names.size() > 8) listing += ", ...";
    fail(file, "the zip archive has no <folder>/data.pkl entry, so it is not a torch.save file (it holds " +
                   (listing.empty() ? std::string("no entries") : listing) + ")",
         "pass a file written by torch.save");
  }
  return prefix;
}

TensorDict read_archive(const ZipReader& zip, const std::string& file, const std::string& key) {
  const std::string prefix = find_prefix(zip, file);
  if (const int64_t bo = zip.locate(prefix + "byteorder"); bo >= 0) {
    const std::string order = zip.read_string(bo, kMaxSmallEntry);
    if (order == "big")
      fail(file, "it was saved on a big-endian machine (byteorder 'big'); wick reads little-endian data only",
           "load and re-save it with torch.save on a little-endian machine (x86-64, ARM)");
    if (order != "little") fail(file, "its byteorder entry says " + quoted(order) + ", not 'little'", kDamagedFix);
  }
  const std::string pkl = zip.read_string(zip.locate(prefix + "data.pkl"), kMaxPickleBytes);
  const pickle::Unpickled up = pickle::unpickle(reinterpret_cast<const uint8_t*>(pkl.data()), pkl.size(), file);
  const Value& root = up.root();
  Loader loader(zip, prefix, file);
  if (!key.empty()) {
    if (root.kind != Kind::Dict)
      fail(file, "the top-level object is " + std::string(pickle::kind_name(root.kind)) + ", not a dict, so it has no key " +
                     quoted(key), "load it without a key");
    const Value* v = pickle::dict_get(root, key);
    if (!v)
      fail(file, "the checkpoint has no key " + quoted(key) + "; its top-level keys are " + key_list(root),
           "pass the key that holds the model's state_dict");
    if (v->kind != Kind::Dict)
      fail(file, "checkpoint[" + quoted(key) + "] is " + pickle::kind_name(v->kind) + ", not a state_dict (a dict of tensors)",
           "pass the key that holds the model's state_dict");
    return loader.state_dict(*v, "checkpoint[" + quoted(key) + "]");
  }
  if (root.kind == Kind::Tensor)
    fail(file, "it holds a single tensor, not a state_dict", "save a dict of tensors: torch.save({'name': t}, path)");
  if (root.kind != Kind::Dict)
    fail(file, "the top-level object is " + std::string(pickle::kind_name(root.kind)) +
                   ", not a dict of tensors (a state_dict)", "save model.state_dict() with torch.save");
  if (root.entries.empty() || holds_tensor(root)) return loader.state_dict(root, "the state_dict");
  // A checkpoint dict: say which of its entries are state_dicts.
  std::string nested;
  for (const auto& [k, v] : root.entries)
    if (k->kind == Kind::String && v->kind == Kind::Dict && holds_tensor(*v))
      nested += (nested.empty() ? "" : ", ") + quoted(k->text);
  if (nested.empty())
    fail(file, "the top-level dict holds no tensors and no state_dict (its keys are " + key_list(root) + ")",
         "pass a file saved with torch.save(model.state_dict(), path)");
  fail(file, "the top-level object is a checkpoint dict, not a state_dict: the keys holding state_dicts are " + nested +
                 " (all top-level keys: " + key_list(root) + ")",
       "pass the one to load as key=, e.g. load_pytorch(path, device, \"" + nested.substr(1, nested.find('\'', 1) - 1) + "\")");
}

TensorDict to_device(TensorDict d, Device device) {
  if (!device.is_cpu())
    for (auto& [k, t] : d) t = t.to(device);
  return d;
}

std::string build(const TensorDict& tensors, const std::string& what) {
  std::vector<Tensor> hosts;
  pickle::Writer w;
  w.global("collections", "OrderedDict");
  w.empty_tuple();
  w.reduce();
  w.mark();
  auto ints = [&w](const std::vector<int64_t>& v) {
    if (v.empty()) return w.empty_tuple();
    w.mark();
    for (int64_t i : v) w.integer(i);
    w.tuple();
  };
  for (const auto& [name, t] : tensors) {
    WICK_CHECK(t.defined(), what, ": tensor '", name, "' is undefined; drop it from the dict or give it a value");
    Tensor c = t.detach().cpu().contiguous();  // detach: saving is not an op autograd records
    std::vector<int64_t> strides(c.sizes().size());
    for (size_t d = strides.size(), s = 1; d-- > 0;) {
      strides[d] = static_cast<int64_t>(s);
      s *= static_cast<size_t>(std::max<int64_t>(c.sizes()[d], 1));  // PyTorch's strides for size-0 dims too
    }
    w.string(name);
    w.global("torch._utils", "_rebuild_tensor_v2");
    w.mark();
    w.mark();  // persistent id ('storage', torch.FloatStorage, key, 'cpu', numel)
    w.string("storage");
    w.global("torch", storage_class(c.dtype()));
    w.string(std::to_string(hosts.size()));
    w.string("cpu");
    w.integer(c.numel());
    w.tuple();
    w.persistent_id();
    w.integer(0);  // storage offset
    ints(c.sizes());
    ints(strides);
    w.boolean(false);  // requires_grad: state_dict tensors are detached
    w.global("collections", "OrderedDict");  // backward hooks: none
    w.empty_tuple();
    w.reduce();
    w.tuple();
    w.reduce();
    hosts.push_back(std::move(c));
  }
  w.setitems();
  const std::string pkl = w.finish();
  static const std::string kByteOrder = "little", kVersion = "3\n";
  std::vector<zip_detail::ZipEntry> entries{{"archive/data.pkl", pkl.data(), pkl.size()},
                                            {"archive/byteorder", kByteOrder.data(), kByteOrder.size()}};
  std::vector<std::string> names;  // kept alive: entries point at them
  names.reserve(hosts.size());
  for (size_t i = 0; i < hosts.size(); ++i) {
    names.push_back("archive/data/" + std::to_string(i));
    entries.push_back({names.back(), hosts[i].raw_data(), hosts[i].numel() * element_size(hosts[i].dtype())});
  }
  entries.push_back({"archive/version", kVersion.data(), kVersion.size()});
  return zip_detail::write_zip(entries, what);
}

}  // namespace

TensorDict parse_pytorch(const void* data, size_t size, const std::string& name, const std::string& key) {
  if (data == nullptr && size > 0) fail(name, "null data pointer with a nonzero size", "pass the buffer's address");
  check_leading_bytes(static_cast<const uint8_t*>(data), std::min<size_t>(size, 512), size, name);
  const ZipReader zip = ZipReader::from_memory(data, size, name);
  return read_archive(zip, name, key);
}

TensorDict load_pytorch(const std::string& path, Device device, const std::string& key) {
  check_device_available(device);
  uint64_t file_size = 0;
  io_detail::File owned = io_detail::open_regular(path, "torch.save file", &file_size);
  uint8_t head[512];
  const size_t n = std::fread(head, 1, sizeof head, owned.get());
  check_leading_bytes(head, n, file_size, path);
  const ZipReader zip = ZipReader::from_file(owned.release(), file_size, path);
  return to_device(read_archive(zip, path, key), device);
}

std::string serialize_pytorch(const TensorDict& tensors) { return build(tensors, "serialize_pytorch"); }

void save_pytorch(const TensorDict& tensors, const std::string& path) {
  const std::string context = "save_pytorch('" + path + "')";
  const std::string bytes = build(tensors, context);
  io_detail::write_file_atomic(path, {{bytes.data(), bytes.size()}}, {.context = context});
}

}  // namespace wick
