// .npy load/save: round trips, files written by NumPy (tests/data/npy, made by
// tests/reference/make_npy_fixtures.py), and every rejection with its message.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "io/npy_format.h"
#include "wick/creation.h"
#include "wick/error.h"
#include "wick/npy.h"
#include "wick/tensor.h"

namespace fs = std::filesystem;
using wick::DType;
using wick::Shape;
using wick::Tensor;

namespace {

const std::string kDataDir = std::string(WICK_TEST_DATA_DIR) + "/npy/";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The test's own dtype names, so it does not lean on dtype_name().
std::string name_of(DType d) {
  switch (d) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int64: return "int64";
    case DType::UInt8: return "uint8";
    case DType::Bool: return "bool";
  }
  return "?";
}

size_t item_size(DType d) { return d == DType::Float32 ? 4 : (d == DType::Float64 || d == DType::Int64) ? 8 : 1; }

// A .npy image with the given header text (no padding: the format does not
// require it) and data bytes.
std::string make_npy(const std::string& header, const std::string& data, int major = 1) {
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  const size_t len_bytes = major == 1 ? 2 : 4;
  for (size_t i = 0; i < len_bytes; ++i) out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string bytes_of(std::initializer_list<float> v) {
  return std::string(reinterpret_cast<const char*>(std::data(v)), v.size() * sizeof(float));
}

std::string raw_bytes(const Tensor& t) {
  const size_t n = static_cast<size_t>(t.numel()) * item_size(t.dtype());
  return n ? std::string(static_cast<const char*>(t.raw_data()), n) : std::string();
}

// Runs `fn`, expects a wick::FormatError whose message holds every word.
void expect_format_error(const std::function<void()>& fn, std::initializer_list<std::string> words) {
  try {
    fn();
    ADD_FAILURE() << "no exception; expected one mentioning " << *words.begin();
  } catch (const wick::FormatError& e) {
    const std::string msg = e.what();
    for (const auto& w : words) EXPECT_NE(msg.find(w), std::string::npos) << "'" << w << "' not in: " << msg;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

void expect_parse_error(const std::string& bytes, std::initializer_list<std::string> words) {
  expect_format_error([&] { wick::parse_npy(bytes.data(), bytes.size(), "bad.npy"); }, words);
  // Every message names the file.
  expect_format_error([&] { wick::parse_npy(bytes.data(), bytes.size(), "bad.npy"); }, {"bad.npy"});
}

// Fills a tensor of any dtype with varied, exactly representable values.
Tensor patterned(DType dtype, const Shape& shape) {
  Tensor t = wick::empty(shape, {.dtype = dtype});
  auto* p = static_cast<uint8_t*>(t.raw_data());
  for (int64_t i = 0; i < t.numel(); ++i) {
    switch (dtype) {
      case DType::Float32: reinterpret_cast<float*>(p)[i] = -1.25f * static_cast<float>(i) + 0.1f; break;
      case DType::Float64: reinterpret_cast<double*>(p)[i] = 1e-300 * static_cast<double>(i) - 3.5; break;
      case DType::Int64: reinterpret_cast<int64_t*>(p)[i] = (i % 2 ? -1 : 1) * (int64_t{1} << (i % 63)); break;
      case DType::UInt8: p[i] = static_cast<uint8_t>(i * 37 + 200); break;
      case DType::Bool: p[i] = static_cast<uint8_t>(i % 3 == 0); break;
    }
  }
  return t;
}

const DType kAllDtypes[] = {DType::Float32, DType::Float64, DType::Int64, DType::UInt8, DType::Bool};

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("wick_npy_test_" + std::to_string(getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

}  // namespace

// ---------------------------------------------------------------- round trips

TEST(NpyRoundTrip, EveryDtypeAndShapeInMemory) {
  const std::vector<Shape> shapes = {{}, {0}, {5}, {2, 3}, {2, 0, 3}, {1, 1, 1, 1}, {3, 1, 2}, {1000}};
  for (DType dtype : kAllDtypes) {
    for (const Shape& shape : shapes) {
      SCOPED_TRACE(name_of(dtype) + " " + testing::PrintToString(shape));
      const Tensor t = patterned(dtype, shape);
      const std::string bytes = wick::serialize_npy(t);
      const size_t nbytes = static_cast<size_t>(t.numel()) * item_size(dtype);
      // numpy's layout: version 1.0, data at a multiple of 64, header ends in '\n'.
      ASSERT_GE(bytes.size(), nbytes + 64);
      EXPECT_EQ((bytes.size() - nbytes) % 64, 0u);
      EXPECT_EQ(bytes[6], '\x01');
      EXPECT_EQ(bytes[bytes.size() - nbytes - 1], '\n');
      const Tensor back = wick::parse_npy(bytes.data(), bytes.size());
      EXPECT_EQ(back.dtype(), dtype);
      EXPECT_EQ(back.sizes(), shape);
      EXPECT_EQ(raw_bytes(back), raw_bytes(t));
    }
  }
}

TEST(NpyRoundTrip, SaveAndLoadFileAtomically) {
  TempDir dir;
  for (DType dtype : kAllDtypes) {
    const std::string path = (dir.path / ("t_" + name_of(dtype) + ".npy")).string();
    const Tensor t = patterned(dtype, {4, 3});
    wick::save_npy(t, path);
    EXPECT_FALSE(fs::exists(path + ".tmp." + std::to_string(::getpid())));
    EXPECT_EQ(read_file(path), wick::serialize_npy(t));
    const Tensor back = wick::load_npy(path);
    EXPECT_EQ(back.dtype(), dtype);
    EXPECT_EQ(back.sizes(), (Shape{4, 3}));
    EXPECT_EQ(raw_bytes(back), raw_bytes(t));
    // Overwriting replaces the old file whole.
    wick::save_npy(patterned(dtype, {2}), path);
    EXPECT_EQ(wick::load_npy(path).sizes(), (Shape{2}));
  }
}

TEST(NpyRoundTrip, SavesNonContiguousTensorInRowMajorOrder) {
  const float v[] = {1, 2, 3, 4, 5, 6};
  const Tensor t = wick::from_blob_copy(v, wick::kFloat32, {2, 3}).t();  // [3, 2] view
  const std::string bytes = wick::serialize_npy(t);
  const Tensor back = wick::parse_npy(bytes.data(), bytes.size());
  EXPECT_EQ(back.sizes(), (Shape{3, 2}));
  EXPECT_EQ(raw_bytes(back), bytes_of({1, 4, 2, 5, 3, 6}));
}

TEST(NpySave, UnwritablePathNamesPathAndErrno) {
  const Tensor t = patterned(DType::Float32, {2});
  expect_format_error([&] { wick::save_npy(t, "/nonexistent_wick_dir/x.npy"); },
                      {"/nonexistent_wick_dir/x.npy", "No such file or directory", "writable"});
}

TEST(NpySave, UndefinedTensor) {
  expect_format_error([] { wick::save_npy(Tensor(), "x.npy"); }, {"x.npy", "undefined"});
}

TEST(NpyLoad, MissingFileNamesPathAndErrno) {
  expect_format_error([] { wick::load_npy("/nonexistent_wick_dir/y.npy"); },
                      {"/nonexistent_wick_dir/y.npy", "No such file or directory"});
}

TEST(NpyLoad, DirectoryIsNotAFile) {
  TempDir dir;
  expect_format_error([&] { wick::load_npy(dir.path.string()); }, {dir.path.string(), "not a regular file"});
}

// ------------------------------------------------------ files written by NumPy

TEST(NpyFixtures, LoadsEveryValidNumpyFile) {
  std::ifstream in(kDataDir + "expected.txt");
  ASSERT_TRUE(in) << "missing fixtures: run /usr/bin/python3 tests/reference/make_npy_fixtures.py";
  std::string line;
  int files = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream ls(line);
    std::string name, dtype;
    size_t ndim = 0;
    ls >> name >> dtype >> ndim;
    SCOPED_TRACE(name);
    Shape shape(ndim);
    for (auto& d : shape) ls >> d;
    const Tensor t = wick::load_npy(kDataDir + name + ".npy");
    ++files;
    EXPECT_EQ(name_of(t.dtype()), dtype);
    EXPECT_EQ(t.sizes(), shape);
    std::vector<std::string> values;
    for (std::string v; ls >> v;) values.push_back(v);
    ASSERT_EQ(static_cast<int64_t>(values.size()), t.numel());
    const auto* p = static_cast<const uint8_t*>(t.raw_data());
    for (size_t i = 0; i < values.size(); ++i) {
      const char* s = values[i].c_str();
      // Compare bits, so -0.0 and denormals must match exactly too.
      if (t.dtype() == DType::Float32) {
        const float want = static_cast<float>(std::strtod(s, nullptr));
        EXPECT_EQ(std::memcmp(&want, p + 4 * i, 4), 0) << "element " << i << " want " << s;
      } else if (t.dtype() == DType::Float64) {
        const double want = std::strtod(s, nullptr);
        EXPECT_EQ(std::memcmp(&want, p + 8 * i, 8), 0) << "element " << i << " want " << s;
      } else if (t.dtype() == DType::Int64) {
        const int64_t want = std::strtoll(s, nullptr, 10);
        int64_t got;
        std::memcpy(&got, p + 8 * i, 8);
        EXPECT_EQ(got, want) << "element " << i;
      } else {
        EXPECT_EQ(static_cast<int>(p[i]), std::atoi(s)) << "element " << i;
      }
    }
  }
  EXPECT_EQ(files, 12);
}

TEST(NpyFixtures, SerializeMatchesNumpyByteForByte) {
  for (const char* name : {"f32_2x3", "f64_5", "i64_3x2", "u8_4", "bool_2x2", "f64_scalar", "f32_empty_0x3"}) {
    SCOPED_TRACE(name);
    const std::string path = kDataDir + name + ".npy";
    EXPECT_EQ(wick::serialize_npy(wick::load_npy(path)), read_file(path));
  }
}

TEST(NpyFixtures, RejectsBigEndianWithConversionHint) {
  const std::string path = kDataDir + "f32_bigendian.npy";
  expect_format_error([&] { wick::load_npy(path); }, {path, "big-endian", "'>f4'", "astype('<f4')"});
}

TEST(NpyFixtures, RejectsUnsupportedDtypes) {
  const std::string i32 = kDataDir + "i32.npy";
  expect_format_error([&] { wick::load_npy(i32); }, {i32, "unsupported dtype '<i4'", "astype('<i8')"});
  const std::string c64 = kDataDir + "c64.npy";
  expect_format_error([&] { wick::load_npy(c64); }, {c64, "unsupported dtype '<c8'", "real"});
}

// ------------------------------------------------------ header parsing

TEST(NpyParse, AcceptsHeaderVariants) {
  const std::string data = bytes_of({1, 2, 3, 4, 5, 6});
  const char* headers[] = {
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
      "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}",  // key order, no trailing comma
      "{ \"descr\" : \"<f4\" ,\n 'fortran_order':False,'shape':( 2 ,3 , ) }   \n",
      "{'descr': '=f4', 'fortran_order': False, 'shape': (2L, 3L)}",  // native order, Python 2 longs
      "{'descr': 'f4', 'fortran_order': False, 'shape': (2, 3)}\t\r\n",
  };
  for (const char* h : headers) {
    SCOPED_TRACE(h);
    const std::string bytes = make_npy(h, data);
    const Tensor t = wick::parse_npy(bytes.data(), bytes.size());
    EXPECT_EQ(t.dtype(), wick::kFloat32);
    EXPECT_EQ(t.sizes(), (Shape{2, 3}));
    EXPECT_EQ(raw_bytes(t), data);
  }
}

TEST(NpyParse, ScalarAndOneDimShapes) {
  std::string bytes = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': ()}", bytes_of({7}));
  EXPECT_EQ(wick::parse_npy(bytes.data(), bytes.size()).sizes(), Shape{});
  bytes = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", bytes_of({7, 8}));
  EXPECT_EQ(wick::parse_npy(bytes.data(), bytes.size()).sizes(), (Shape{2}));
}

TEST(NpyParse, Versions2And3HaveFourByteLength) {
  for (int major : {2, 3}) {
    const std::string bytes = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", bytes_of({9}), major);
    EXPECT_EQ(raw_bytes(wick::parse_npy(bytes.data(), bytes.size())), bytes_of({9}));
  }
}

TEST(NpyParse, FortranOrderBecomesCOrder) {
  // Column-major [[0, 1, 2], [3, 4, 5]] is stored 0 3 1 4 2 5.
  const std::string bytes =
      make_npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3)}", bytes_of({0, 3, 1, 4, 2, 5}));
  const Tensor t = wick::parse_npy(bytes.data(), bytes.size());
  EXPECT_EQ(t.sizes(), (Shape{2, 3}));
  EXPECT_EQ(raw_bytes(t), bytes_of({0, 1, 2, 3, 4, 5}));
  EXPECT_TRUE(t.is_contiguous());
}

TEST(NpyParse, NonzeroBoolBytesLoadAsTrue) {
  const std::string bytes = make_npy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,)}", std::string("\0\2\xff", 3));
  EXPECT_EQ(raw_bytes(wick::parse_npy(bytes.data(), bytes.size())), std::string("\0\1\1", 3));
}

TEST(NpyFormat, HeaderOver64KiBUsesVersion2) {
  // numpy switches to version 2.0 when the header does not fit a uint16.
  const Shape shape(30000, 1);
  const std::string header = wick::npy_detail::make_header(wick::kUInt8, shape);
  EXPECT_EQ(header[6], '\x02');
  EXPECT_EQ(header.size() % 64, 0u);
  EXPECT_EQ(header.back(), '\n');
  // Checked at the header level: a 30000-dim tensor is not the point here.
  const std::string bytes = header + "x";
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t offset = wick::npy_detail::read_preamble(p, bytes.size(), bytes.size(), "long.npy");
  EXPECT_EQ(offset, header.size());
  const auto h = wick::npy_detail::parse_header(p, offset, bytes.size(), "long.npy");
  EXPECT_EQ(h.shape, shape);
  EXPECT_EQ(h.data_bytes, 1u);
  EXPECT_EQ(wick::npy_detail::make_header(wick::kUInt8, {3})[6], '\x01');
}

// ------------------------------------------------------ rejections

TEST(NpyReject, BadMagic) {
  expect_parse_error("hello world, not numpy", {"not a .npy file", "magic", "np.save"});
  expect_parse_error(std::string("PK\x03\x04zipzipzipzip", 16), {"magic", ".npz"});
  expect_parse_error("", {"truncated"});
}

TEST(NpyReject, UnsupportedVersion) {
  std::string bytes = wick::serialize_npy(patterned(DType::Float32, {2}));
  bytes[6] = 4;
  expect_parse_error(bytes, {"version 4.0", "1.0"});
}

TEST(NpyReject, Truncated) {
  const std::string bytes = wick::serialize_npy(patterned(DType::Float64, {3, 2}));
  expect_parse_error(bytes.substr(0, bytes.size() - 1), {"truncated", "48 data bytes", "47 follow"});
  expect_parse_error(bytes.substr(0, 7), {"truncated"});
  expect_parse_error(bytes.substr(0, 9), {"truncated", "header length"});
  expect_parse_error(bytes.substr(0, 40), {"truncated", "header length 118 runs past the end"});
}

TEST(NpyReject, TruncatedFileOnDisk) {
  TempDir dir;
  const std::string path = (dir.path / "cut.npy").string();
  const std::string bytes = wick::serialize_npy(patterned(DType::Float32, {10}));
  std::ofstream(path, std::ios::binary) << bytes.substr(0, bytes.size() - 3);
  expect_format_error([&] { wick::load_npy(path); }, {path, "truncated", "40 data bytes", "37 follow"});
}

TEST(NpyReject, LyingShapeAndTrailingBytes) {
  expect_parse_error(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", bytes_of({1, 2})),
                     {"truncated", "(3,)", "12 data bytes", "8 follow"});
  expect_parse_error(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", bytes_of({1, 2})),
                     {"size mismatch", "4 extra trailing bytes"});
  std::string bytes = wick::serialize_npy(patterned(DType::UInt8, {2, 2}));
  expect_parse_error(bytes + "x", {"1 extra trailing bytes"});
}

TEST(NpyReject, HugeDimsBeforeAllocating) {
  const std::string h = "{'descr': '<f8', 'fortran_order': False, 'shape': ";
  expect_parse_error(make_npy(h + "(9223372036854775807, 2)}", ""), {"int64", "corrupt"});
  expect_parse_error(make_npy(h + "(4611686018427387904,)}", ""), {"bytes than int64"});
  expect_parse_error(make_npy(h + "(99999999999999999999999,)}", ""), {"does not fit in int64"});
  expect_parse_error(make_npy(h + "(0, 4294967296, 4294967296)}", ""), {"int64"});
  // Plausible but far larger than the file: rejected by the size check, so
  // nothing near 8 TB is allocated.
  expect_parse_error(make_npy(h + "(1000000000000,)}", bytes_of({1, 2})), {"truncated", "8000000000000 data bytes"});
  expect_parse_error(make_npy(h + "(-1,)}", ""), {"negative dimension -1"});
}

TEST(NpyReject, UnsupportedDescrs) {
  const std::string tail = "', 'fortran_order': False, 'shape': (1,)}";
  expect_parse_error(make_npy("{'descr': '>f8" + tail, std::string(8, '\0')), {"big-endian", "astype('<f8')"});
  expect_parse_error(make_npy("{'descr': '<i4" + tail, std::string(4, '\0')), {"'<i4'", "astype('<i8')"});
  expect_parse_error(make_npy("{'descr': '<f2" + tail, std::string(2, '\0')), {"'<f2'", "astype('<f4')"});
  expect_parse_error(make_npy("{'descr': '|i1" + tail, std::string(1, '\0')), {"'|i1'", "uint8 '|u1'"});
  expect_parse_error(make_npy("{'descr': '<U3" + tail, std::string(12, '\0')), {"'<U3'", "numeric"});
  expect_parse_error(
      make_npy("{'descr': [('a', '<f4'), ('b', '<i8')], 'fortran_order': False, 'shape': (1,)}", std::string(12, '\0')),
      {"structured", "('a', '<f4')"});
}

TEST(NpyReject, MalformedHeaders) {
  const std::string d = bytes_of({1});
  expect_parse_error(make_npy("{'descr': '<f4', 'shape': (1,)}", d), {"lacks the key 'fortran_order'"});
  expect_parse_error(make_npy("{'descr': '<f4', 'fortran_order': False}", d), {"lacks the key 'shape'"});
  expect_parse_error(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", d),
                     {"unexpected key 'x'"});
  expect_parse_error(make_npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", d),
                     {"duplicate key 'descr'"});
  expect_parse_error(make_npy("{'descr': '<f4', 'fortran_order': 'no', 'shape': (1,)}", d), {"True or False"});
  expect_parse_error(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': [1]}", d), {"tuple"});
  expect_parse_error(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} junk", d), {"after the header"});
  expect_parse_error(make_npy("{'descr': '<f4}", d), {"malformed header", "unterminated string"});
  expect_parse_error(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (,)}", d), {"integer"});
  expect_parse_error(make_npy("{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}", d), {"expected ',' or '}'"});
  expect_parse_error(make_npy("", d), {"expected '{'"});
}

TEST(NpyReject, NullBuffer) {
  expect_format_error([] { wick::parse_npy(nullptr, 10, "buf"); }, {"buf", "null"});
}
