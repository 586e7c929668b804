// safetensors save/load: bit-exact round trips, a file written by the
// json+numpy writer in tests/interop/st_io.py (tests/data/safetensors, made by
// tests/interop/make_safetensors_fixtures.py), every rejection with its
// message, and atomic saves.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "core/expect_error.h"
#include "io/safetensors_format.h"
#include "wick/creation.h"
#include "wick/elementwise.h"
#include "wick/io/safetensors.h"
#include "wick/nn/linear.h"
#include "wick/nn/sequential.h"
#include "wick/npy.h"
#include "wick/random.h"

namespace fs = std::filesystem;
using namespace wick;

namespace {

const std::string kDataDir = std::string(WICK_TEST_DATA_DIR) + "/safetensors/";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A file image: u64 header length (default: the JSON's size), JSON, data.
std::string image(const std::string& json, const std::string& data = "", uint64_t n = UINT64_MAX) {
  if (n == UINT64_MAX) n = json.size();
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + json + data;
}

// The message of the FormatError that parse_safetensors throws on `bytes`.
std::string parse_error(const std::string& bytes, const std::string& name = "bad.safetensors") {
  try {
    parse_safetensors(bytes.data(), bytes.size(), name);
  } catch (const FormatError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw something other than wick::FormatError: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected a FormatError";
  return "";
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.sizes() != b.sizes()) return false;
  Tensor x = a.contiguous(), y = b.contiguous();
  return std::memcmp(x.raw_data(), y.raw_data(), x.numel() * element_size(x.dtype())) == 0;
}

class SafetensorsFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("wick_st_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, ec);
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  // Names of the files in the directory, to spot leftover temp files.
  std::vector<std::string> listing() const {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(dir_)) v.push_back(e.path().filename().string());
    std::sort(v.begin(), v.end());
    return v;
  }
  fs::path dir_;
};

TensorDict every_dtype() {
  manual_seed(3);
  const double inf = std::numeric_limits<double>::infinity();
  TensorDict d;
  d.insert("z.weight", randn({4, 3}));  // names not in sorted order: order must round-trip anyway
  d.insert("a.special", tensor({0.0, -0.0, inf, -inf, std::nan(""), 5e-324, 1.7976931348623157e308},
                               {.dtype = kFloat64}));
  d.insert("m.counts", from_vector<int64_t>({std::numeric_limits<int64_t>::min(), -1, 0,
                                             std::numeric_limits<int64_t>::max()}, {2, 2}));
  d.insert("pixels", from_vector<uint8_t>({0, 1, 127, 128, 255}));
  d.insert("mask", tensor({true, false, true}));
  d.insert("scalar", tensor(2.5));                           // 0-d
  d.insert("num_batches_tracked", tensor(7.0, {.dtype = kInt64}));  // 0-d int64
  d.insert("empty", zeros({0, 3}, {.dtype = kFloat64}));
  d.insert("empty_u8", empty({5, 0}, {.dtype = kUInt8}));
  return d;
}

void expect_same_dicts(const TensorDict& a, const TensorDict& b) {
  ASSERT_EQ(a.keys(), b.keys());
  for (const auto& [k, t] : a) EXPECT_TRUE(same_bytes(t, b.at(k))) << k << ": " << t.describe() << " vs " << b.at(k).describe();
}

}  // namespace

TEST_F(SafetensorsFiles, RoundTripEveryDtypeBitExactInOrder) {
  const TensorDict d = every_dtype();
  const Metadata meta{{"epoch", "5"}, {"format", "pt"}, {"note", "quote \" and \xc3\xa9"}};
  save(d, path("all.safetensors"), meta);
  const TensorDict back = load(path("all.safetensors"));
  expect_same_dicts(d, back);
  EXPECT_EQ(load_metadata(path("all.safetensors")), meta);
  EXPECT_EQ(listing(), std::vector<std::string>{"all.safetensors"});  // no temp file left behind
  // The data starts 8-byte aligned (header padded with spaces).
  const std::string bytes = read_file(path("all.safetensors"));
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
}

TEST(Safetensors, MemoryRoundTripAndNoMetadata) {
  const TensorDict d = every_dtype();
  const std::string bytes = serialize_safetensors(d);
  EXPECT_EQ(bytes.find("__metadata__"), std::string::npos);
  SafetensorsContents c = parse_safetensors(bytes.data(), bytes.size());
  expect_same_dicts(d, c.tensors);
  EXPECT_TRUE(c.metadata.empty());
  // An empty dict is a valid file too.
  const std::string none = serialize_safetensors({});
  EXPECT_TRUE(parse_safetensors(none.data(), none.size()).tensors.empty());
}

TEST(Safetensors, SavesViewsGradTensorsAsPlainContiguousData) {
  manual_seed(1);
  Tensor base = randn({3, 4}, {.requires_grad = true});
  Tensor view = base.detach().t();  // non-contiguous
  const std::string bytes = serialize_safetensors({{"w", base}, {"wt", view}});
  SafetensorsContents c = parse_safetensors(bytes.data(), bytes.size());
  EXPECT_FALSE(c.tensors.at("w").requires_grad());
  EXPECT_TRUE(same_bytes(c.tensors.at("w"), base.detach()));
  EXPECT_TRUE(same_bytes(c.tensors.at("wt"), view.contiguous()));
  EXPECT_EQ(c.tensors.at("wt").sizes(), (Shape{4, 3}));
}

// Each tensor's bytes start at a multiple of its element size (PyTorch and
// NumPy map a tensor in place only then): widest elements first, while the
// header, and so load(), keep the dict's order.
TEST(Safetensors, SavedTensorsAreAlignedAndKeepTheirOrder) {
  TensorDict d;
  d.insert("w", ones({3, 3}));                              // 36 bytes
  d.insert("mask", ones({3}, {.dtype = kBool}));            // 3 bytes
  d.insert("steps", zeros({}, {.dtype = kInt64}));          // 8 bytes
  d.insert("pixels", ones({5}, {.dtype = kUInt8}));         // 5 bytes
  d.insert("x", arange(0, 3, 1, {.dtype = kFloat64}));     // 24 bytes
  const std::string bytes = serialize_safetensors(d);
  const uint64_t n = st_detail::read_header_length(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "mem");
  const st_detail::Header h = st_detail::parse_header(bytes.data() + st_detail::kPrefixBytes, n,
                                                      bytes.size() - st_detail::kPrefixBytes - n, "mem");
  ASSERT_EQ(h.entries.size(), 5u);
  EXPECT_EQ((st_detail::kPrefixBytes + n) % 8, 0u);
  for (const st_detail::Entry& e : h.entries) EXPECT_EQ(e.begin % element_size(e.dtype), 0u) << e.name;
  EXPECT_EQ(h.names, d.keys());
  const TensorDict back = parse_safetensors(bytes.data(), bytes.size()).tensors;
  EXPECT_EQ(back.keys(), d.keys());
  for (const auto& [name, t] : d) EXPECT_TRUE(equal(back.at(name), t)) << name;
}

TEST(Safetensors, BoolBytesOtherThanOneReadAsTrue) {
  const std::string bytes = image(R"({"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})", std::string("\x00\x01\x07", 3));
  Tensor m = parse_safetensors(bytes.data(), bytes.size()).tensors.at("m");
  const auto* b = static_cast<const uint8_t*>(m.raw_data());
  EXPECT_EQ((std::vector<int>{b[0], b[1], b[2]}), (std::vector<int>{0, 1, 1}));
}

TEST(Safetensors, LoadsTheFileWrittenByThePythonWriter) {
  const std::string file = kDataDir + "python_mixed.safetensors";
  const TensorDict d = load(file);
  // The manifest lists names in data-offset order; load() returns the
  // header's order, which the reference writer sorts by name.
  std::ifstream manifest(kDataDir + "python_mixed.txt");
  std::string line;
  std::vector<std::string> names;
  while (std::getline(manifest, line))
    if (!line.empty() && line[0] != '#') names.push_back(line.substr(0, line.find(' ')));
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(d.keys(), sorted);
  for (const auto& name : names) {
    Tensor expected = load_npy(kDataDir + "python_mixed." + name + ".npy");
    EXPECT_TRUE(same_bytes(d.at(name), expected)) << name << ": " << d.at(name).describe() << " vs " << expected.describe();
  }
  EXPECT_EQ(d.at("num_batches_tracked").dim(), 0);
  EXPECT_EQ(d.at("num_batches_tracked").dtype(), kInt64);
  const Metadata meta = load_metadata(file);
  EXPECT_EQ(meta.at("epoch"), "3");
  EXPECT_EQ(meta.at("format"), "pt");
  EXPECT_EQ(meta.at("note"), "unicode \xc3\xa9 ok");
}

TEST_F(SafetensorsFiles, StateDictRoundTripIntoAFreshModel) {
  manual_seed(0);
  nn::Sequential model(nn::Flatten(), nn::Linear(784, 10));
  save(model.state_dict(), path("softmax.safetensors"));
  manual_seed(1);
  nn::Sequential other(nn::Flatten(), nn::Linear(784, 10));
  other.load_state_dict(load(path("softmax.safetensors")));
  expect_same_dicts(model.state_dict(), other.state_dict());
  EXPECT_EQ(load(path("softmax.safetensors")).keys(), (std::vector<std::string>{"1.weight", "1.bias"}));
}

// ---- dtypes wick lacks, widened on load (tests/reference/make_narrow_fixtures.py) ----

// F16/BF16 -> float32 and I8/I16/I32/U16/U32 -> int64, bit for bit what
// NumPy and PyTorch widen them to (subnormals, +-inf, NaN, -0, extremes);
// the tensors after the 5-byte I8 one sit at odd offsets.
TEST(SafetensorsNarrow, WidenedOnLoadAsNumpyAndPytorchWidenThem) {
  const std::string file = kDataDir + "narrow.safetensors";
  const TensorDict d = load(file);
  const TensorDict want = load(kDataDir + "narrow.expected.safetensors");
  EXPECT_EQ(d.keys(), (std::vector<std::string>{"i8", "f16", "bf16", "i16", "i32", "u16", "u32", "f32"}));
  ASSERT_EQ(d.size(), want.size());
  for (const auto& [name, t] : want)
    EXPECT_TRUE(same_bytes(d.at(name), t)) << name << ": " << d.at(name).describe() << " vs " << t.describe();
  EXPECT_EQ(d.at("f16").dtype(), kFloat32);
  EXPECT_EQ(d.at("bf16").dtype(), kFloat32);
  EXPECT_EQ(d.at("u32").dtype(), kInt64);
  EXPECT_EQ(d.at("f16").sizes(), (Shape{2, 5}));
  // The bytes in memory give the same dict.
  const std::string bytes = read_file(file);
  expect_same_dicts(parse_safetensors(bytes.data(), bytes.size(), file).tensors, d);
}

TEST(SafetensorsNarrow, EmptyAndZeroDimNarrowTensors) {
  const std::string bytes = image(R"({"e":{"dtype":"F16","shape":[0,3],"data_offsets":[0,0]},)"
                                  R"("s":{"dtype":"I16","shape":[],"data_offsets":[0,2]}})",
                                  std::string("\xff\xff", 2));
  const TensorDict d = parse_safetensors(bytes.data(), bytes.size()).tensors;
  EXPECT_EQ(d.at("e").sizes(), (Shape{0, 3}));
  EXPECT_EQ(d.at("e").dtype(), kFloat32);
  EXPECT_EQ(d.at("s").dim(), 0);
  EXPECT_EQ(d.at("s").item<int64_t>(), -1);
}

// A float16 checkpoint loads into a float32 nn::Linear as PyTorch's
// load_state_dict copies it, and the forward pass matches PyTorch's on the
// widened weights.
TEST(SafetensorsNarrow, Float16CheckpointIntoLinearMatchesPytorch) {
  nn::Linear linear(4, 3);
  linear.load_state_dict(load(kDataDir + "linear_f16.safetensors"));
  EXPECT_EQ(linear.state_dict().at("weight").dtype(), kFloat32);
  const TensorDict ref = load(kDataDir + "linear_f16.expected.safetensors");
  const std::vector<float> got = linear.forward(ref.at("x")).to_vector<float>();
  const std::vector<float> want = ref.at("y").to_vector<float>();
  ASSERT_EQ(got.size(), want.size());
  // Four products summed: only the summation order may differ from PyTorch.
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6f * (1 + std::fabs(want[i]))) << i;
}

// Saving is unchanged: a widened tensor is written as the float32/int64 it
// now is.
TEST_F(SafetensorsFiles, NarrowTensorsSaveBackAsF32AndI64) {
  const TensorDict d = load(kDataDir + "narrow.safetensors");
  save(d, path("widened.safetensors"));
  const std::string bytes = read_file(path("widened.safetensors"));
  EXPECT_NE(bytes.find(R"("f16":{"dtype":"F32")"), std::string::npos);
  EXPECT_NE(bytes.find(R"("i8":{"dtype":"I64")"), std::string::npos);
  EXPECT_EQ(bytes.find("F16"), std::string::npos);
  expect_same_dicts(load(path("widened.safetensors")), d);
}

// ---- malformed files: every rejection names the file, the tensor and the problem ----

TEST(SafetensorsRejects, TooShortForTheLengthPrefix) {
  EXPECT_TRUE(wick::testing::message_has(parse_error(std::string("\x05\x00\x00", 3)), {"bad.safetensors", "3 bytes", "too short"}));
  EXPECT_TRUE(wick::testing::message_has(parse_error(""), {"0 bytes", "too short"}));
}

TEST(SafetensorsRejects, HeaderLengthPastEndOfFile) {
  EXPECT_TRUE(wick::testing::message_has(parse_error(image("{}", "", 1000)),
                                   {"bad.safetensors", "header length 1000", "past the end of the file", "10 bytes"}));
}

TEST(SafetensorsRejects, HugeHeaderLength) {
  EXPECT_TRUE(wick::testing::message_has(parse_error(image("{}", "", uint64_t{1} << 62)), {"exceeds the 100000000-byte limit"}));
  EXPECT_TRUE(wick::testing::message_has(parse_error(image("{}", "", UINT64_MAX - 1)), {"exceeds"}));
}

TEST(SafetensorsRejects, InvalidJson) {
  EXPECT_TRUE(wick::testing::message_has(parse_error(image(R"({"a": {"dtype": "F32",)")), {"bad.safetensors", "not valid JSON"}));
  EXPECT_TRUE(wick::testing::message_has(parse_error(image(std::string("{}\0\0\0\0\0\0", 8))), {"NUL byte"}));
  EXPECT_TRUE(wick::testing::message_has(parse_error(image(std::string("{\"a\":1}\0{", 9))), {"NUL byte"}));
  EXPECT_TRUE(wick::testing::message_has(parse_error(image("[1, 2]")), {"must be a JSON object", "array"}));
  EXPECT_TRUE(wick::testing::message_has(parse_error(image(R"({"a": {"shape": [[[1]]]}})")), {"nests deeper"}));
  EXPECT_TRUE(wick::testing::message_has(parse_error(image(std::string(5000, '[') + std::string(5000, ']'))), {"nests deeper"}));
}

TEST(SafetensorsRejects, UnknownOrUnsupportedDtype) {
  EXPECT_TRUE(wick::testing::message_has(parse_error(image(R"({"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}})", "abcd")),
                                   {"bad.safetensors", "tensor 'w'", "unknown dtype \"F33\"", "F32, F64, I64, U8, BOOL"}));
  // Valid safetensors dtypes that cannot be widened losslessly are refused
  // by name, with the reason and the conversion to make.
  EXPECT_TRUE(wick::testing::message_has(
      parse_error(image(R"({"w":{"dtype":"U64","shape":[1],"data_offsets":[0,8]}})", "12345678")),
      {"bad.safetensors", "tensor 'w'", "dtype U64 is not supported by wick", "above 9223372036854775807 (INT64_MAX)",
       "would not fit", "torch.int64"}));
  for (const std::string f8 : {"F8_E4M3", "F8_E5M2"}) {
    const std::string refused = "dtype " + f8 + " is not supported by wick";
    EXPECT_TRUE(wick::testing::message_has(
        parse_error(image(R"({"w":{"dtype":")" + f8 + R"(","shape":[2],"data_offsets":[0,2]}})", "ab")),
        {"tensor 'w'", refused.c_str(), "8-bit float", "tensor.float()"}));
  }
  EXPECT_TRUE(wick::testing::message_has(
      parse_error(image(R"({"w":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}})", "12345678")),
      {"tensor 'w'", "dtype C64 is not supported by wick", "complex", "view_as_real"}));
  EXPECT_TRUE(wick::testing::message_has(parse_error(image(R"({"w":{"dtype":4,"shape":[1],"data_offsets":[0,4]}})", "abcd")),
                                   {"tensor 'w'", "\"dtype\" must be a string"}));
}

TEST(SafetensorsRejects, BadShapes) {
  EXPECT_TRUE(wick::testing::message_has(parse_error(image(R"({"w":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}})")),
                                   {"tensor 'w'", "\"shape\" must hold non-negative integers", "-1"}));
  EXPECT_TRUE(wick::testing::message_has(parse_error(image(R"({"w":{"dtype":"U8","shape":[2.5],"data_offsets":[0,0]}})")),
                                   {"tensor 'w'", "non-negative integers"}));
  EXPECT_TRUE(wick::testing::message_has(parse_error(image(R"({"w":{"dtype":"U8","shape":3,"data_offsets":[0,3]}})", "abc")),
                                   {"tensor 'w'", "\"shape\" must be an array"}));
  EXPECT_TRUE(wick::testing::message_has(
      parse_error(image(R"({"w":{"dtype":"F64","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})", "12345678")),
      {"tensor 'w'", "more elements than int64 can count"}));
  // Zero dims do not excuse the others: the strides of [0, 2^63-1, 2^63-1]
  // overflow, and a dim past int64 was clamped (the shape silently changed).
  EXPECT_TRUE(wick::testing::message_has(
      parse_error(image(R"({"w":{"dtype":"U8","shape":[0,9223372036854775807,9223372036854775807],"data_offsets":[0,0]}})")),
      {"tensor 'w'", "more elements than int64 can count"}));
  EXPECT_TRUE(wick::testing::message_has(
      parse_error(image(R"({"w":{"dtype":"U8","shape":[0,18446744073709551615],"data_offsets":[0,0]}})")),
      {"tensor 'w'", "more elements than int64 can count"}));
  EXPECT_TRUE(wick::testing::message_has(
      parse_error(image(R"({"w":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8]}})", "12345678")),
      {"tensor 'w'", "too large"}));
  // A zero dim makes even a huge shape empty: valid.
  const std::string ok = image(R"({"w":{"dtype":"F64","shape":[0,9223372036854775807],"data_offsets":[0,0]}})");
  EXPECT_EQ(parse_safetensors(ok.data(), ok.size()).tensors.at("w").numel(), 0);
}

TEST(SafetensorsRejects, OffsetsOutOfBounds) {
  EXPECT_TRUE(wick::testing::message_has(parse_error(image(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", "abcd")),
                                   {"tensor 'w'", "data_offsets [0, 8] run past the data section (4 bytes)"}));
  EXPECT_TRUE(wick::testing::message_has(parse_error(image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", "abcd")),
                                   {"tensor 'w'", "end before they begin"}));
  EXPECT_TRUE(wick::testing::message_has(parse_error(image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", "abcd")),
                                   {"tensor 'w'", "must be [begin, end]"}));
  EXPECT_TRUE(wick::testing::message_has(
      parse_error(image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551616]}})", "abcd")),
      {"tensor 'w'", "non-negative integers"}));
}

TEST(SafetensorsRejects, WrongSize) {
  EXPECT_TRUE(wick::testing::message_has(
      parse_error(image(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", "12345678")),
      {"bad.safetensors", "tensor 'w'", "hold 8 bytes but F32 shape [3] needs 12"}));
}

TEST(SafetensorsRejects, NarrowDtypeSizesCountTheFilesBytes) {
  // F16 is 2 bytes in the file even though it loads as 4-byte float32.
  EXPECT_TRUE(wick::testing::message_has(
      parse_error(image(R"({"w":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}})", "12345678")),
      {"bad.safetensors", "tensor 'w'", "hold 8 bytes but F16 shape [2] needs 4"}));
  EXPECT_TRUE(wick::testing::message_has(
      parse_error(image(R"({"w":{"dtype":"I8","shape":[3],"data_offsets":[0,3]}})", "abcd")),
      {"bad.safetensors", "data section has 4 bytes but the tensors cover 3"}));
  EXPECT_TRUE(wick::testing::message_has(
      parse_error(image(R"({"w":{"dtype":"U32","shape":[2],"data_offsets":[0,4]}})", "abcd")),
      {"hold 4 bytes but U32 shape [2] needs 8"}));
  // The byte count is numel times 2, not times the widened 8 (which would
  // overflow and read "too large").
  EXPECT_TRUE(wick::testing::message_has(
      parse_error(image(R"({"w":{"dtype":"I16","shape":[9223372036854775807],"data_offsets":[0,8]}})", "12345678")),
      {"tensor 'w'", "I16 shape [9223372036854775807] needs 18446744073709551614"}));
}

TEST(SafetensorsRejects, OverlapsGapsAndTrailingBytes) {
  const std::string a = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  EXPECT_TRUE(wick::testing::message_has(
      parse_error(image("{" + a + R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", "12345678")),
      {"tensor 'b'", "overlap tensor 'a' [0, 8]"}));
  EXPECT_TRUE(wick::testing::message_has(
      parse_error(image("{" + a + R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})", "0123456789abcdef")),
      {"tensor 'b'", "bytes [8, 12) belong to no tensor"}));
  EXPECT_TRUE(wick::testing::message_has(parse_error(image("{" + a + "}", "0123456789")),
                                   {"bad.safetensors", "data section has 10 bytes but the tensors cover 8"}));
  // A gap at the start, before the first tensor.
  EXPECT_TRUE(wick::testing::message_has(
      parse_error(image(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", "12345678")),
      {"tensor 'a'", "bytes [0, 4) belong to no tensor"}));
}

TEST(SafetensorsRejects, DuplicateNamesAndFields) {
  const std::string a = R"("a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]})";
  const std::string a2 = R"("a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]})";
  EXPECT_TRUE(wick::testing::message_has(parse_error(image("{" + a + "," + a2 + "}", "xy")), {"bad.safetensors", "duplicate tensor name 'a'"}));
  EXPECT_TRUE(wick::testing::message_has(
      parse_error(image(R"({"a":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}})", "x")),
      {"duplicate key \"dtype\""}));
  // Same field names in two different entries are fine.
  const std::string ok = image("{" + a + R"(,"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})", "xy");
  EXPECT_EQ(parse_safetensors(ok.data(), ok.size()).tensors.size(), 2u);
}

TEST(SafetensorsRejects, MissingOrExtraFieldsAndBadMetadata) {
  EXPECT_TRUE(wick::testing::message_has(parse_error(image(R"({"w":{"dtype":"U8","shape":[0]}})")),
                                   {"tensor 'w'", "missing field \"data_offsets\""}));
  EXPECT_TRUE(wick::testing::message_has(
      parse_error(image(R"({"w":{"dtype":"U8","shape":[0],"data_offsets":[0,0],"x":1}})")),
      {"tensor 'w'", "unexpected field \"x\""}));
  EXPECT_TRUE(wick::testing::message_has(parse_error(image(R"({"w":[1,2]})")), {"tensor 'w'", "entry must be an object"}));
  EXPECT_TRUE(wick::testing::message_has(parse_error(image(R"({"__metadata__":{"epoch":5}})")),
                                   {"\"__metadata__\" value for \"epoch\" must be a string"}));
  EXPECT_TRUE(wick::testing::message_has(parse_error(image(R"({"__metadata__":"x"})")), {"\"__metadata__\" must be an object"}));
}

TEST_F(SafetensorsFiles, TruncatedFileIsRejectedByLoad) {
  save(every_dtype(), path("full.safetensors"));
  const std::string bytes = read_file(path("full.safetensors"));
  for (size_t cut : {size_t{0}, size_t{5}, size_t{8}, size_t{40}, bytes.size() - 1}) {
    write_file(path("cut.safetensors"), bytes.substr(0, cut));
    try {
      load(path("cut.safetensors"));
      ADD_FAILURE() << "cut at " << cut << " loaded";
    } catch (const FormatError& e) {
      EXPECT_TRUE(wick::testing::message_has(e.what(), {"cut.safetensors"})) << e.what();
    }
  }
  EXPECT_TRUE(wick::testing::message_has(wick::testing::error_message([&] { load(path("missing.safetensors")); }),
                                   {"missing.safetensors", "cannot open"}));
  EXPECT_TRUE(wick::testing::message_has(wick::testing::error_message([&] { load(dir_.string()); }), {"not a regular file"}));
}

// Every truncation and many random byte corruptions of a valid file: each
// either parses or throws FormatError (parse_error fails the test on
// anything else); a crash would end the run.
TEST(SafetensorsRejects, TruncationsAndRandomCorruptionsFailCleanly) {
  const std::string good = serialize_safetensors(every_dtype(), {{"k", "v"}});
  for (size_t cut = 0; cut < good.size(); ++cut) {
    const std::string bytes = good.substr(0, cut);
    EXPECT_THROW(parse_safetensors(bytes.data(), bytes.size(), "cut"), FormatError) << cut;
  }
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&] {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
  };
  int parsed = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bytes = good;
    const int flips = 1 + static_cast<int>(next() % 4);
    for (int f = 0; f < flips; ++f) {
      // Mostly the header, where the structure is.
      const size_t at = next() % 2 ? next() % (bytes.size()) : next() % 400;
      bytes[at] = static_cast<char>(next() & 0xff);
    }
    try {
      parse_safetensors(bytes.data(), bytes.size(), "fuzz");
      ++parsed;
    } catch (const FormatError&) {
    }
  }
  EXPECT_GT(parsed, 0);  // some flips land in tensor data and must still load
}

// ---- save: refusals and atomicity ----

TEST(SafetensorsSave, RefusesUndefinedTensorsAndTheReservedName) {
  EXPECT_WICK_ERROR(serialize_safetensors({{"w", Tensor()}}), {"tensor 'w' is undefined"});
  EXPECT_WICK_ERROR(serialize_safetensors({{"__metadata__", zeros({1})}}), {"'__metadata__' is reserved"});
  EXPECT_WICK_ERROR(serialize_safetensors({{std::string("\xff\xfe"), zeros({1})}}), {"not valid UTF-8"});
}

TEST_F(SafetensorsFiles, FailedWriteKeepsTheOldFileAndLeavesNoTempFile) {
  const std::string target = path("model.safetensors");
  TensorDict small{{"w", ones({4})}};
  save(small, target);
  // A file size limit makes the second, larger write fail part-way through.
  struct rlimit old {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = signal(SIGXFSZ, SIG_IGN);
  struct rlimit lim = old;
  lim.rlim_cur = 4096;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
  std::string msg = wick::testing::error_message([&] { save({{"w", zeros({100000})}}, target); });
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, old_handler);
  EXPECT_TRUE(wick::testing::message_has(msg, {"model.safetensors", "failed"})) << msg;
  expect_same_dicts(load(target), small);
  EXPECT_EQ(listing(), std::vector<std::string>{"model.safetensors"});
}

TEST_F(SafetensorsFiles, RenameOntoADirectoryFailsCleanly) {
  fs::create_directories(path("model.safetensors"));
  EXPECT_WICK_ERROR(save({{"w", ones({2})}}, path("model.safetensors")), {"cannot rename", "model.safetensors"});
  EXPECT_EQ(listing(), std::vector<std::string>{"model.safetensors"});
  EXPECT_WICK_ERROR(save({{"w", ones({2})}}, path("no/such/dir/m.safetensors")),
                    {"cannot create the temporary file", "check that the directory exists"});
}

TEST_F(SafetensorsFiles, ReadOnlyDirectoryKeepsTheOldFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  const std::string target = path("model.safetensors");
  save({{"w", ones({2})}}, target);
  fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec);
  EXPECT_WICK_ERROR(save({{"w", zeros({2})}}, target), {"cannot create the temporary file"});
  fs::permissions(dir_, fs::perms::owner_all);
  expect_same_dicts(load(target), {{"w", ones({2})}});
  EXPECT_EQ(listing(), std::vector<std::string>{"model.safetensors"});
}

TEST_F(SafetensorsFiles, OverwritesAnExistingCheckpoint) {
  const std::string target = path("m.safetensors");
  save({{"w", ones({3})}}, target, {{"v", "1"}});
  save({{"w", zeros({2})}, {"b", ones({1})}}, target, {{"v", "2"}});
  expect_same_dicts(load(target), {{"w", zeros({2})}, {"b", ones({1})}});
  EXPECT_EQ(load_metadata(target).at("v"), "2");
  EXPECT_EQ(listing(), std::vector<std::string>{"m.safetensors"});
}
