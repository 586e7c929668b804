// The .npy preamble and header. Format reference: numpy's NEP 1
// ("A simple file format for NumPy arrays"), versions 1.0, 2.0 and 3.0.
#include "io/npy_format.h"

#include <cstring>
#include <limits>
#include <string_view>

#include "wick/error.h"

namespace wick::npy_detail {
namespace {

constexpr uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr size_t kAlign = 64;             // numpy aligns the data to 64 bytes
constexpr size_t kGrowthAxisDigits = 21;  // numpy's spare room for the first dim
constexpr const char* kResave = "re-save the array with np.save(path, arr)";

// Python-style shape, as the user would see it in NumPy: (), (5,), (2, 3).
std::string shape_repr(const Shape& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

// Bytes as a Python bytes literal would show them, for bad-magic messages.
std::string show_bytes(const uint8_t* p, size_t n) {
  static const char* hex = "0123456789abcdef";
  std::string s = "b'";
  for (size_t i = 0; i < n; ++i) {
    if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\'' && p[i] != '\\') {
      s += static_cast<char>(p[i]);
    } else {
      s += "\\x";
      s += hex[p[i] >> 4];
      s += hex[p[i] & 15];
    }
  }
  return s + "'";
}

const char* descr_of(DType dtype) {
  switch (dtype) {
    case DType::Float32: return "<f4";
    case DType::Float64: return "<f8";
    case DType::Int64: return "<i8";
    case DType::UInt8: return "|u1";
    case DType::Bool: return "|b1";
  }
  return "?";
}

// A value of the header dict. Only the forms a plain array's header uses are
// parsed; anything else (a structured dtype's list, ...) is kept as text so
// the error can quote it.
struct Value {
  enum Kind { Str, Bool, Tuple, Other } kind = Other;
  std::string str;  // Str, or the raw text of Other
  bool flag = false;
  Shape dims;
};

class DictParser {
 public:
  DictParser(std::string_view text, const std::string& name) : s_(text), name_(name) {}

  [[noreturn]] void syntax(const std::string& what) const {
    std::string at(s_.substr(pos_, 20));
    fail(name_,
         "malformed header dict (" + what + " at offset " + std::to_string(pos_) + ", near \"" + at + "\")",
         std::string("the header is corrupt or not written by numpy; ") + kResave);
  }

  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[pos_]; }
  void expect(char c) {
    skip_ws();
    if (peek() != c) syntax(std::string("expected '") + c + "'");
    ++pos_;
  }

  std::string parse_string() {
    const char quote = s_[pos_++];
    std::string out;
    while (!at_end() && s_[pos_] != quote) {
      // Escapes never occur in a plain array's header; keep the escaped char.
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
      out += s_[pos_++];
    }
    if (at_end()) syntax("unterminated string");
    ++pos_;
    return out;
  }

  int64_t parse_dim() {
    skip_ws();
    const bool negative = peek() == '-';
    if (negative) ++pos_;
    if (peek() < '0' || peek() > '9') syntax("expected an integer in the shape");
    int64_t v = 0;
    while (peek() >= '0' && peek() <= '9') {
      if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s_[pos_] - '0', &v))
        fail(name_, "shape dimension " + std::string(s_.substr(pos_, 24)) + "... does not fit in int64",
             std::string("the header is corrupt; ") + kResave);
      ++pos_;
    }
    if (peek() == 'L' || peek() == 'l') ++pos_;  // Python 2 wrote longs as 3L
    if (negative)
      fail(name_, "shape has a negative dimension -" + std::to_string(v),
           std::string("the header is corrupt; ") + kResave);
    return v;
  }

  Shape parse_tuple() {
    ++pos_;  // '('
    Shape dims;
    skip_ws();
    if (peek() == ')') {
      ++pos_;
      return dims;
    }
    while (true) {
      dims.push_back(parse_dim());
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        skip_ws();
        if (peek() == ')') break;
      } else if (peek() != ')') {
        syntax("expected ',' or ')' in the shape");
      } else {
        break;
      }
    }
    ++pos_;  // ')'
    return dims;
  }

  // Skips a value we do not interpret, brackets and strings balanced.
  std::string skip_other() {
    const size_t start = pos_;
    int depth = 0;
    while (!at_end()) {
      const char c = s_[pos_];
      if (c == '\'' || c == '"') {
        parse_string();
        continue;
      }
      if (depth == 0 && (c == ',' || c == '}')) break;
      if (c == '(' || c == '[' || c == '{') ++depth;
      if (c == ')' || c == ']' || c == '}') --depth;
      ++pos_;
    }
    if (start == pos_) syntax("expected a value");
    return std::string(s_.substr(start, pos_ - start));
  }

  Value parse_value() {
    skip_ws();
    Value v;
    const char c = peek();
    if (c == '\'' || c == '"') {
      v.kind = Value::Str;
      v.str = parse_string();
    } else if (s_.substr(pos_, 4) == "True") {
      v.kind = Value::Bool, v.flag = true, pos_ += 4;
    } else if (s_.substr(pos_, 5) == "False") {
      v.kind = Value::Bool, v.flag = false, pos_ += 5;
    } else if (c == '(') {
      v.kind = Value::Tuple;
      v.dims = parse_tuple();
    } else {
      v.str = skip_other();
    }
    return v;
  }

  std::string parse_key() {
    skip_ws();
    if (peek() != '\'' && peek() != '"') syntax("expected a quoted key");
    return parse_string();
  }

  size_t pos() const { return pos_; }

 private:
  std::string_view s_;
  size_t pos_ = 0;
  const std::string& name_;
};

// Maps a numpy descr to one of our dtypes, or explains how to convert.
DType parse_descr(const Value& v, const std::string& name) {
  if (v.kind != Value::Str)
    fail(name, "structured or sub-array dtype " + v.str + " is not supported",
         "save each field as a plain array: np.save(path, np.ascontiguousarray(arr['field']))");
  const std::string& d = v.str;
  char order = '=';
  std::string type = d;
  if (!d.empty() && (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=')) {
    order = d[0];
    type = d.substr(1);
  }
  DType dtype = kFloat32;
  bool known = true;
  if (type == "f4") dtype = kFloat32;
  else if (type == "f8") dtype = kFloat64;
  else if (type == "i8") dtype = kInt64;
  else if (type == "u1") dtype = kUInt8;
  else if (type == "b1") dtype = kBool;
  else known = false;

  // What to convert an unsupported array to, by its numpy kind letter.
  const char kind = type.empty() ? '?' : type[0];
  std::string target = "'<f4'";
  if (kind == 'i' || kind == 'u') target = "'<i8'";
  if (kind == 'b') target = "'|b1'";
  if (kind == 'f' && type != "f2") target = "'<f8'";
  if (known) target = "'<" + type + "'";

  // '=' is native order and this host is little-endian (npy.cpp asserts it).
  // Byte order means nothing for one-byte types, so '>u1' is fine too.
  if (known && order == '>' && element_size(dtype) > 1)
    fail(name, "big-endian data ('" + d + "') is not supported",
         "convert it in NumPy to little-endian: np.save(path, arr.astype(" + target + "))");
  if (!known) {
    std::string fix = "convert it in NumPy: np.save(path, arr.astype(" + target + "))";
    if (kind == 'c') fix = "save the real and imaginary parts as two float arrays: np.save(re_path, arr.real.astype('<f8')) "
            "and np.save(im_path, arr.imag.astype('<f8'))";
    if (kind == 'U' || kind == 'S' || kind == 'O' || kind == 'V')
      fix = "only numeric arrays can be loaded; encode the values as numbers first";
    fail(name,
         "unsupported dtype '" + d +
             "' (wick reads float32 '<f4', float64 '<f8', int64 '<i8', uint8 '|u1' and bool '|b1')",
         fix);
  }
  return dtype;
}

uint32_t read_le(const uint8_t* p, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}

}  // namespace


size_t read_preamble(const uint8_t* data, size_t avail, uint64_t total_size, const std::string& name) {
  const size_t have = std::min<uint64_t>(std::min<uint64_t>(avail, total_size), kMaxPreamble);
  const size_t magic_have = std::min<size_t>(have, sizeof(kMagic));
  if (std::memcmp(data, kMagic, magic_have) != 0) {
    std::string fix = "check the path; .npy files start with b'\\x93NUMPY' and are written by np.save";
    if (have >= 2 && data[0] == 'P' && data[1] == 'K')
      fix = "this looks like a .npz (zip) archive: extract the arrays with np.load(path) and np.save each one";
    fail(name, "not a .npy file: bad magic " + show_bytes(data, magic_have) + " (expected b'\\x93NUMPY')", fix);
  }
  if (have < 8)
    fail(name, "truncated: the file is only " + std::to_string(total_size) + " bytes, shorter than the .npy preamble",
         "the file was cut off; copy it again or " + std::string(kResave));
  const unsigned major = data[6], minor = data[7];
  if (major < 1 || major > 3 || minor != 0)
    fail(name, "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                   " (wick reads 1.0, 2.0 and 3.0)",
         "write it with a numpy that produces these: np.lib.format.write_array(f, arr, version=(1, 0))");
  const size_t len_bytes = major == 1 ? 2 : 4;
  const size_t preamble = 8 + len_bytes;
  if (have < preamble)
    fail(name, "truncated: the file ends inside the header length field (" + std::to_string(total_size) + " bytes)",
         "the file was cut off; copy it again or " + std::string(kResave));
  const uint64_t header_len = read_le(data + 8, len_bytes);
  if (header_len > total_size - preamble)
    fail(name, "truncated: the header length " + std::to_string(header_len) + " runs past the end of the file (" +
                   std::to_string(total_size) + " bytes)",
         "the file was cut off or its header is corrupt; copy it again or " + std::string(kResave));
  return preamble + static_cast<size_t>(header_len);
}

NpyHeader parse_header(const uint8_t* data, size_t data_offset, uint64_t total_size, const std::string& name) {
  const size_t preamble = data[6] == 1 ? 10 : 12;
  // Version 3.0 headers are UTF-8 rather than latin-1; the keys and the
  // descrs we accept are ASCII either way, so both are parsed as bytes.
  std::string_view text(reinterpret_cast<const char*>(data) + preamble, data_offset - preamble);
  DictParser p(text, name);

  bool seen_descr = false, seen_order = false, seen_shape = false;
  NpyHeader h;
  p.expect('{');
  while (true) {
    p.skip_ws();
    if (p.peek() == '}') break;
    const std::string key = p.parse_key();
    p.expect(':');
    const Value v = p.parse_value();
    bool* seen = nullptr;
    if (key == "descr") {
      seen = &seen_descr;
      h.dtype = parse_descr(v, name);
    } else if (key == "fortran_order") {
      seen = &seen_order;
      if (v.kind != Value::Bool) p.syntax("'fortran_order' must be True or False");
      h.fortran_order = v.flag;
    } else if (key == "shape") {
      seen = &seen_shape;
      if (v.kind != Value::Tuple) p.syntax("'shape' must be a tuple of integers");
      h.shape = v.dims;
    } else {
      fail(name, "unexpected key '" + key + "' in the header (expected 'descr', 'fortran_order', 'shape')",
           std::string("the file was not written by np.save; ") + kResave);
    }
    if (*seen) p.syntax("duplicate key '" + key + "'");
    *seen = true;
    p.skip_ws();
    if (p.peek() == ',') {
      p.expect(',');
    } else if (p.peek() != '}') {
      p.syntax("expected ',' or '}'");
    }
  }
  p.expect('}');
  p.skip_ws();
  if (!p.at_end()) p.syntax("unexpected text after the header dict");
  if (!seen_descr || !seen_order || !seen_shape)
    fail(name,
         std::string("the header lacks the key '") + (!seen_descr ? "descr" : !seen_order ? "fortran_order" : "shape") +
             "'",
         std::string("the file was not written by np.save; ") + kResave);

  // Size checks, before anyone allocates: zero dims are skipped in the
  // overflow check only to keep (0, 2**62, 2**62) rejected as well (its
  // strides would overflow), so every dim product must fit.
  const size_t item = element_size(h.dtype);
  int64_t bound = 1, numel = 1, bytes = 0;
  for (int64_t d : h.shape) {
    if (__builtin_mul_overflow(bound, std::max<int64_t>(d, 1), &bound))
      fail(name, "shape " + shape_repr(h.shape) + " has more elements than int64 can count",
           std::string("the header is corrupt; ") + kResave);
    numel *= d;
  }
  if (__builtin_mul_overflow(bound, static_cast<int64_t>(item), &bytes))
    fail(name, "shape " + shape_repr(h.shape) + " of " + dtype_name(h.dtype) + " needs more bytes than int64 can count",
         std::string("the header is corrupt; ") + kResave);
  bytes = numel * static_cast<int64_t>(item);
  const uint64_t remaining = total_size - data_offset;
  const std::string what = "shape " + shape_repr(h.shape) + " of " + dtype_name(h.dtype) + " needs " +
                           std::to_string(bytes) + " data bytes but " + std::to_string(remaining) +
                           " follow the header";
  if (static_cast<uint64_t>(bytes) > remaining)
    fail(name, "truncated: " + what,
         "the file was cut off (or its header declares the wrong shape); copy it again or " + std::string(kResave));
  if (static_cast<uint64_t>(bytes) < remaining)
    fail(name, "size mismatch: " + what + " (" + std::to_string(remaining - bytes) + " extra trailing bytes)",
         "the header's shape does not match the data, or other data was appended; " + std::string(kResave));
  h.numel = numel;
  h.data_offset = data_offset;
  h.data_bytes = static_cast<size_t>(bytes);
  return h;
}

std::string make_header(DType dtype, const Shape& shape) {
  // Same text as numpy writes: keys sorted, a trailing ", ", spare spaces
  // after the dict so the first dim can grow in place, then padding to 64.
  std::string dict = std::string("{'descr': '") + descr_of(dtype) + "', 'fortran_order': False, 'shape': " +
                     shape_repr(shape) + ", }";
  if (!shape.empty()) {
    const size_t digits = std::to_string(shape[0]).size();
    if (digits < kGrowthAxisDigits) dict.append(kGrowthAxisDigits - digits, ' ');
  }
  const size_t hlen = dict.size() + 1;  // + the final '\n'
  uint8_t major = 1;
  size_t preamble = 10;
  size_t pad = kAlign - (preamble + hlen) % kAlign;
  if (hlen + pad > std::numeric_limits<uint16_t>::max()) {
    major = 2;
    preamble = 12;
    pad = kAlign - (preamble + hlen) % kAlign;
  }
  const uint64_t header_len = hlen + pad;
  if (header_len > std::numeric_limits<uint32_t>::max())
    throw FormatError("save_npy: shape " + shape_repr(shape) + " needs a header longer than .npy allows");

  std::string out(reinterpret_cast<const char*>(kMagic), sizeof(kMagic));
  out += static_cast<char>(major);
  out += '\0';
  for (size_t i = 0; i < preamble - 8; ++i) out += static_cast<char>((header_len >> (8 * i)) & 0xff);
  out += dict;
  out.append(pad, ' ');
  out += '\n';
  return out;
}

}  // namespace wick::npy_detail
