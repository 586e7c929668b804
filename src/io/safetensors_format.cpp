// The safetensors header: parsed with nlohmann-json under a callback that
// bounds nesting and rejects duplicate keys (nlohmann would silently keep the
// last one), then validated entry by entry and against the data section.
#include "io/safetensors_format.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

namespace wick::st_detail {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian host");

using Json = nlohmann::ordered_json;  // keeps header order: ties among empty tensors load in file order

constexpr const char* kMetadataKey = "__metadata__";

using io_detail::Stored;

struct DTypeTag {
  const char* tag;
  DType dtype;  // what the tensor loads as
  Stored stored = Stored::kSame;
};
// The first five are wick's own dtypes, the only ones save() writes; the
// rest are widened losslessly on load, as load_state_dict would copy them
// into float32/int64 parameters.
constexpr std::array<DTypeTag, 12> kTags{{{"F32", kFloat32},
                                          {"F64", kFloat64},
                                          {"I64", kInt64},
                                          {"U8", kUInt8},
                                          {"BOOL", kBool},
                                          {"F16", kFloat32, Stored::kF16},
                                          {"BF16", kFloat32, Stored::kBF16},
                                          {"I8", kInt64, Stored::kI8},
                                          {"I16", kInt64, Stored::kI16},
                                          {"I32", kInt64, Stored::kI32},
                                          {"U16", kInt64, Stored::kU16},
                                          {"U32", kInt64, Stored::kU32}}};

constexpr const char* kLoadable = "F32, F64, I64, U8, BOOL, or F16, BF16, I8, I16, I32, U16, U32 (widened to F32/I64)";

// Valid safetensors dtypes that wick cannot load without losing values:
// named apart from typos so the message can say why and how to convert.
struct Refused {
  const char* tag;
  const char* why;
  const char* fix;
};
constexpr const char* kToFloat = "convert it before saving, e.g. tensor.float() in PyTorch";
constexpr std::array<Refused, 8> kRefused{{
    {"U64", "wick's widest integer dtype is int64, and uint64 values above 9223372036854775807 (INT64_MAX) would not fit",
     "convert it before saving, e.g. tensor.to(torch.int64) in PyTorch or array.astype(np.int64) in NumPy, "
     "once you know every value fits"},
    {"F8_E4M3", "wick has no 8-bit float dtype", kToFloat},
    {"F8_E5M2", "wick has no 8-bit float dtype", kToFloat},
    {"F8_E8M0", "wick has no 8-bit float dtype", kToFloat},
    {"F6_E2M3", "wick has no 6-bit float dtype", kToFloat},
    {"F6_E3M2", "wick has no 6-bit float dtype", kToFloat},
    {"F4", "wick has no 4-bit float dtype", kToFloat},
    {"C64", "wick has no complex dtype",
     "save the real and imaginary parts as a float tensor, e.g. torch.view_as_real(tensor) in PyTorch"},
}};

std::string where(const std::string& tensor) { return tensor.empty() ? "header" : "tensor '" + tensor + "'"; }

[[noreturn]] void bad(const std::string& file, const std::string& tensor, const std::string& problem,
                      const std::string& fix) {
  fail(file, where(tensor) + ": " + problem, fix);
}

DTypeTag parse_dtype(const Json& v, const std::string& file, const std::string& tensor) {
  if (!v.is_string()) bad(file, tensor, "\"dtype\" must be a string, got " + v.dump(), "write e.g. \"F32\"");
  const std::string& s = v.get_ref<const std::string&>();
  for (const DTypeTag& t : kTags)
    if (s == t.tag) return t;
  for (const Refused& r : kRefused)
    if (s == r.tag)
      bad(file, tensor, "dtype " + s + " is not supported by wick: " + r.why, r.fix);
  bad(file, tensor, "unknown dtype \"" + s + "\"", std::string("use one of ") + kLoadable);
}

uint64_t parse_uint(const Json& v, const std::string& file, const std::string& tensor, const char* what) {
  if (!v.is_number_unsigned())
    bad(file, tensor, std::string(what) + " must hold non-negative integers, got " + v.dump(),
        "check the file was written by a safetensors writer");
  return v.get<uint64_t>();
}

// Checks one tensor entry and returns it with its byte size verified.
Entry parse_entry(const std::string& name, const Json& v, uint64_t data_size, const std::string& file) {
  if (!v.is_object()) bad(file, name, "entry must be an object, got " + v.dump(), "check the writer");
  for (const auto& [key, unused] : v.items())
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      bad(file, name, "unexpected field \"" + key + "\"", "entries hold only dtype, shape and data_offsets");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!v.contains(key)) bad(file, name, std::string("missing field \"") + key + "\"", "check the writer");

  Entry e;
  e.name = name;
  const DTypeTag tag = parse_dtype(v["dtype"], file, name);
  e.dtype = tag.dtype;
  e.stored = tag.stored;

  const Json& shape = v["shape"];
  if (!shape.is_array()) bad(file, name, "\"shape\" must be an array, got " + shape.dump(), "write e.g. [10, 784]");
  // Every dim product must fit int64, zero dims counted as 1 (as the npy
  // reader): a tensor of shape [0, 2^63-1, 2^63-1] would have strides that
  // overflow, and clamping a dim would silently change the shape.
  uint64_t numel = 1;
  int64_t bound = 1;
  for (const Json& d : shape) {
    const uint64_t n = parse_uint(d, file, name, "\"shape\"");
    if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
        __builtin_mul_overflow(bound, std::max<int64_t>(static_cast<int64_t>(n), 1), &bound))
      bad(file, name, "shape " + shape.dump() + " has more elements than int64 can count", "the header is corrupt");
    numel *= n;
    e.shape.push_back(static_cast<int64_t>(n));
  }

  const Json& off = v["data_offsets"];
  if (!off.is_array() || off.size() != 2)
    bad(file, name, "\"data_offsets\" must be [begin, end], got " + off.dump(), "check the writer");
  e.begin = parse_uint(off[0], file, name, "\"data_offsets\"");
  e.end = parse_uint(off[1], file, name, "\"data_offsets\"");
  if (e.begin > e.end)
    bad(file, name, "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "] end before they begin",
        "the header is corrupt");
  if (e.end > data_size)
    bad(file, name,
        "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "] run past the data section (" +
            std::to_string(data_size) + " bytes)",
        "the file is truncated or its header is corrupt");
  // The file's element size (2 for F16), not the widened tensor's.
  const size_t item = e.stored == Stored::kSame ? element_size(e.dtype) : io_detail::stored_size(e.stored);
  if (numel > std::numeric_limits<uint64_t>::max() / item)
    bad(file, name, "shape " + shape.dump() + " is too large", "the header is corrupt");
  const uint64_t nbytes = numel * item;
  if (e.end - e.begin != nbytes)
    bad(file, name,
        "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "] hold " +
            std::to_string(e.end - e.begin) + " bytes but " + tag.tag + " shape " + shape.dump() +
            " needs " + std::to_string(nbytes),
        "the header is corrupt");
  return e;
}

Metadata parse_metadata(const Json& v, const std::string& file) {
  Metadata m;
  if (v.is_null()) return m;
  if (!v.is_object())
    fail(file, "\"__metadata__\" must be an object of strings, got " + v.dump(), "store metadata as {str: str}");
  for (const auto& [key, value] : v.items()) {
    if (!value.is_string())
      fail(file, "\"__metadata__\" value for \"" + key + "\" must be a string, got " + value.dump(),
           "store numbers as strings, e.g. {\"epoch\": \"5\"}");
    m.emplace(key, value.get<std::string>());
  }
  return m;
}

}  // namespace


const char* dtype_tag(DType dtype) {
  for (const DTypeTag& t : kTags)
    if (t.dtype == dtype && t.stored == Stored::kSame) return t.tag;
  return "?";
}

uint64_t read_header_length(const uint8_t* prefix, uint64_t total_size, const std::string& file) {
  if (total_size < kPrefixBytes)
    fail(file, "file is " + std::to_string(total_size) + " bytes, too short for the 8-byte header length",
         "the file is truncated or is not a safetensors file");
  uint64_t n = 0;
  std::memcpy(&n, prefix, sizeof n);
  if (n > kMaxHeaderBytes)
    fail(file, "header length " + std::to_string(n) + " exceeds the " + std::to_string(kMaxHeaderBytes) + "-byte limit",
         "the file is corrupt or is not a safetensors file");
  if (n > total_size - kPrefixBytes)
    fail(file,
         "header length " + std::to_string(n) + " runs past the end of the file (" + std::to_string(total_size) +
             " bytes)",
         "the file is truncated or is not a safetensors file");
  if (n < 2) fail(file, "header length " + std::to_string(n) + " is too small for a JSON object", "the file is corrupt");
  return n;
}

Header parse_header(const char* json, size_t size, uint64_t data_size, const std::string& file) {
  // Keys seen per nesting depth (1: tensor names, 2: fields of one entry or
  // metadata keys); the callback runs before the parser nests any deeper.
  std::array<std::set<std::string>, 4> seen;
  auto check = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) {
      if (depth >= 3) fail(file, "header nests deeper than name -> entry -> [numbers]", "the header is corrupt");
      if (event == Json::parse_event_t::object_start) seen[static_cast<size_t>(depth) + 1].clear();
    } else if (event == Json::parse_event_t::key && depth >= 1 && depth <= 2) {
      const std::string& key = parsed.get_ref<const std::string&>();
      if (!seen[static_cast<size_t>(depth)].insert(key).second)
        fail(file, depth == 1 ? "duplicate tensor name '" + key + "'" : "duplicate key \"" + key + "\" in an entry",
             "every name may appear once; the file is corrupt");
    }
    return true;
  };
  // nlohmann treats a NUL byte as the end of input, which would let
  // "{...}\0<anything>" through; raw NULs are never valid JSON.
  if (const void* nul = std::memchr(json, '\0', size))
    fail(file,
         "header is not valid JSON: NUL byte at offset " +
             std::to_string(static_cast<const char*>(nul) - json + kPrefixBytes),
         "the file is corrupt or is not a safetensors file");
  Json root;
  try {
    root = Json::parse(json, json + size, check, /*allow_exceptions=*/true, /*ignore_comments=*/false);
  } catch (const Json::exception& e) {
    fail(file, std::string("header is not valid JSON (") + e.what() + ")",
         "the file is corrupt or is not a safetensors file");
  }
  if (!root.is_object())
    fail(file, "header must be a JSON object, got " + std::string(root.type_name()), "the file is corrupt");

  Header h;
  for (const auto& [name, value] : root.items()) {
    if (name == kMetadataKey) h.metadata = parse_metadata(value, file);
    else h.entries.push_back(parse_entry(name, value, data_size, file));
  }
  for (const Entry& e : h.entries) h.names.push_back(e.name);

  // The data section must be tiled exactly, in offset order. stable_sort
  // keeps header order among equal offsets (empty tensors).
  std::stable_sort(h.entries.begin(), h.entries.end(),
                   [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  uint64_t expected = 0;
  const Entry* prev = nullptr;
  for (const Entry& e : h.entries) {
    if (e.begin < expected)
      bad(file, e.name,
          "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "] overlap tensor '" + prev->name +
              "' [" + std::to_string(prev->begin) + ", " + std::to_string(prev->end) + "]",
          "the header is corrupt");
    if (e.begin > expected)
      bad(file, e.name,
          "data_offsets begin at " + std::to_string(e.begin) + " but the previous tensor ends at " +
              std::to_string(expected) + ": bytes [" + std::to_string(expected) + ", " + std::to_string(e.begin) +
              ") belong to no tensor",
          "the header is corrupt");
    expected = e.end;
    prev = &e;
  }
  if (expected != data_size)
    fail(file,
         "the data section has " + std::to_string(data_size) + " bytes but the tensors cover " +
             std::to_string(expected),
         "the file has trailing bytes or its header is corrupt");
  return h;
}

std::string make_header(const std::vector<Entry>& entries, const Metadata& metadata) {
  Json root = Json::object();
  if (!metadata.empty()) {
    Json m = Json::object();
    for (const auto& [k, v] : metadata) m[k] = v;
    root[kMetadataKey] = std::move(m);
  }
  for (const Entry& e : entries)
    root[e.name] = Json{{"dtype", dtype_tag(e.dtype)}, {"shape", e.shape}, {"data_offsets", {e.begin, e.end}}};
  // Invalid UTF-8 in a name or metadata value is an error, not a corrupt file.
  std::string json;
  try {
    json = root.dump(-1, ' ', false, Json::error_handler_t::strict);
  } catch (const Json::exception& e) {
    throw Error(std::string("save: a tensor name or metadata string is not valid UTF-8 (") + e.what() + ")");
  }
  // Spaces up to a multiple of 8, as the reference writer does, so the data
  // starts aligned for readers that map the file.
  json.append((8 - json.size() % 8) % 8, ' ');
  std::string out(kPrefixBytes, '\0');
  const uint64_t n = json.size();
  std::memcpy(out.data(), &n, sizeof n);
  return out + json;
}

}  // namespace wick::st_detail
