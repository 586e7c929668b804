// torch.save files: the fixtures PyTorch wrote (tests/data/pytorch, made by
// tests/reference/make_pt_fixtures.py) against the values PyTorch exported
// next to them, round trips through save_pytorch, and every rejection with
// its message. Malformed archives are built here with the library's own zip
// writer and pickle writer, so each one is broken in exactly one place.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/expect_error.h"
#include "io/pickle_writer.h"
#include "io/zip_archive.h"
#include "wick/creation.h"
#include "wick/io/pytorch.h"
#include "wick/io/safetensors.h"
#include "wick/random.h"

namespace fs = std::filesystem;
using namespace wick;
using wick::testing::message_has;

namespace {

const std::string kDir = std::string(WICK_TEST_DATA_DIR) + "/pytorch/";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.sizes() != b.sizes()) return false;
  Tensor x = a.contiguous(), y = b.contiguous();
  return std::memcmp(x.raw_data(), y.raw_data(), x.numel() * element_size(x.dtype())) == 0;
}

// Compares a loaded dict with <expected>.expected.safetensors: the same
// names in the order PyTorch listed them, the same dtypes, shapes and bytes.
void expect_matches(const TensorDict& got, const std::string& expected) {
  const std::string path = kDir + expected + ".expected.safetensors";
  const TensorDict want = load(path);
  std::vector<std::string> order;
  std::stringstream names(load_metadata(path).at("order"));
  for (std::string n; std::getline(names, n, ',');) order.push_back(n);
  ASSERT_EQ(got.keys(), order);
  for (const auto& [k, t] : want) {
    EXPECT_TRUE(same_bytes(got.at(k), t)) << k << ": " << got.at(k).describe() << " vs " << t.describe();
    EXPECT_TRUE(got.at(k).is_contiguous()) << k;
  }
}

// The message of the FormatError that parse_pytorch throws on `bytes`.
std::string parse_error(const std::string& bytes, const std::string& key = "") {
  try {
    parse_pytorch(bytes.data(), bytes.size(), "bad.pt", key);
  } catch (const FormatError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw something other than wick::FormatError: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected a FormatError";
  return "";
}

std::string load_error(const std::string& fixture, const std::string& key = "") {
  try {
    load_pytorch(kDir + fixture, Device::cpu(), key);
  } catch (const FormatError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a FormatError";
  return "";
}

using Entries = std::vector<std::pair<std::string, std::string>>;

std::string archive(const Entries& entries) {
  std::vector<zip_detail::ZipEntry> z;
  for (const auto& [name, data] : entries) z.push_back({name, data.data(), data.size()});
  return zip_detail::write_zip(z, "test");
}

std::string floats(std::initializer_list<float> v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), std::data(v), s.size());
  return s;
}

void ints(pickle::Writer& w, const std::vector<int64_t>& v) {
  if (v.empty()) return w.empty_tuple();
  w.mark();
  for (int64_t i : v) w.integer(i);
  w.tuple();
}

// data.pkl of OrderedDict {"w": _rebuild_tensor_v2(storage '0' of `numel`
// `storage_class` elements, offset, sizes, strides, False, OrderedDict())}.
std::string tensor_pickle(int64_t offset, const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides,
                          int64_t numel, const std::string& storage_class = "FloatStorage") {
  pickle::Writer w;
  w.global("collections", "OrderedDict");
  w.empty_tuple();
  w.reduce();
  w.mark();
  w.string("w");
  w.global("torch._utils", "_rebuild_tensor_v2");
  w.mark();
  w.mark();
  w.string("storage");
  w.global("torch", storage_class);
  w.string("0");
  w.string("cpu");
  w.integer(numel);
  w.tuple();
  w.persistent_id();
  w.integer(offset);
  ints(w, sizes);
  ints(w, strides);
  w.boolean(false);
  w.global("collections", "OrderedDict");
  w.empty_tuple();
  w.reduce();
  w.tuple();
  w.reduce();
  w.setitems();
  return w.finish();
}

// A torch.save archive of one float32 storage of `data` and `pkl`.
std::string one_tensor(const std::string& pkl, const std::string& data) {
  return archive({{"archive/data.pkl", pkl}, {"archive/data/0", data}, {"archive/version", "3\n"}});
}

TensorDict every_dtype() {
  manual_seed(3);
  const double inf = std::numeric_limits<double>::infinity();
  TensorDict d;
  d.insert("z.weight", randn({4, 3}));  // not sorted: the order must round-trip
  d.insert("a.special", tensor({0.0, -0.0, inf, -inf, std::nan(""), 5e-324}, {.dtype = kFloat64}));
  d.insert("m.counts", from_vector<int64_t>({std::numeric_limits<int64_t>::min(), -1, 0,
                                             std::numeric_limits<int64_t>::max(), 1 << 20, 70000},
                                            {3, 2}));
  d.insert("pixels", from_vector<uint8_t>({0, 1, 127, 128, 255}));
  d.insert("mask", tensor({true, false, true}));
  d.insert("scalar", tensor(2.5));
  d.insert("num_batches_tracked", tensor(7.0, {.dtype = kInt64}));
  d.insert("empty", zeros({0, 3}, {.dtype = kFloat64}));
  return d;
}

void expect_same_dicts(const TensorDict& a, const TensorDict& b) {
  ASSERT_EQ(a.keys(), b.keys());
  for (const auto& [k, t] : a) EXPECT_TRUE(same_bytes(t, b.at(k))) << k;
}

}  // namespace

// ---- files PyTorch wrote ----

TEST(PytorchFixtures, MlpWithBatchNorm) {
  const TensorDict sd = load_pytorch(kDir + "mlp.pt");
  expect_matches(sd, "mlp");
  EXPECT_EQ(sd.at("1.num_batches_tracked").dtype(), kInt64);
  EXPECT_EQ(sd.at("1.num_batches_tracked").dim(), 0);
  EXPECT_EQ(sd.at("1.num_batches_tracked").item<int64_t>(), 3);
}

TEST(PytorchFixtures, EveryDtypeZeroDimAndEmptyInAPlainDict) {
  expect_matches(load_pytorch(kDir + "dtypes.pt"), "dtypes");
}

TEST(PytorchFixtures, ViewsOfOneStorageAreCopiedOut) {
  const TensorDict sd = load_pytorch(kDir + "views.pt");
  expect_matches(sd, "views");
  EXPECT_EQ(sd.at("transposed").sizes(), (Shape{6, 4}));
  EXPECT_EQ(sd.at("column").to_vector<float>(), (std::vector<float>{2, 8, 14, 20}));
}

TEST(PytorchFixtures, TwoTensorsSharingAStorageWithOffsets) {
  expect_matches(load_pytorch(kDir + "shared.pt"), "shared");
}

TEST(PytorchFixtures, ParametersRebuiltWithRebuildParameter) {
  expect_matches(load_pytorch(kDir + "parameters.pt"), "parameters");
}

TEST(PytorchFixtures, CheckpointDictWithKey) {
  expect_matches(load_pytorch(kDir + "checkpoint.pt", Device::cpu(), "model_state_dict"), "checkpoint");
}

TEST(PytorchFixtures, BytesAndFileGiveTheSameDict) {
  const std::string bytes = read_file(kDir + "checkpoint.pt");
  expect_same_dicts(parse_pytorch(bytes.data(), bytes.size(), "checkpoint.pt", "model_state_dict"),
                    load_pytorch(kDir + "checkpoint.pt", Device::cpu(), "model_state_dict"));
}

// Dtypes wick lacks are widened as PyTorch's .float() / .long() widen them
// (the expected files hold exactly those): float16 subnormals, +-inf, NaN,
// -0 and 65504; bfloat16; int8/16/32 extremes.
TEST(PytorchFixtures, HalfWidenedToFloat32) {
  const TensorDict sd = load_pytorch(kDir + "half.pt");
  expect_matches(sd, "half");
  EXPECT_EQ(sd.at("h").dtype(), kFloat32);
}

// Also through views: a transposed float16 tensor and an offset int8 slice
// share their storages with other tensors, so they are copied out of the
// widened storage (checked against it in the file's element counts).
TEST(PytorchFixtures, NarrowDtypesAndTheirViewsWidened) {
  const TensorDict sd = load_pytorch(kDir + "narrow.pt");
  expect_matches(sd, "narrow");
  EXPECT_EQ(sd.at("bf16").dtype(), kFloat32);
  EXPECT_EQ(sd.at("i8").dtype(), kInt64);
  EXPECT_EQ(sd.at("grid16_t").sizes(), (Shape{4, 3}));
  EXPECT_EQ(sd.at("i8_tail").to_vector<int64_t>(), (std::vector<int64_t>{0, -1, 5}));
  const std::string bytes = read_file(kDir + "narrow.pt");
  expect_same_dicts(parse_pytorch(bytes.data(), bytes.size(), "narrow.pt"), sd);
}

TEST(PytorchFixtures, CheckpointWithoutKeyListsTheStateDictKeys) {
  EXPECT_TRUE(message_has(load_error("checkpoint.pt"),
                          {"checkpoint.pt", "checkpoint dict", "'model_state_dict'", "key=", "'epoch'"}));
}

TEST(PytorchFixtures, WrongKeyListsTheKeys) {
  EXPECT_TRUE(message_has(load_error("checkpoint.pt", "model"),
                          {"checkpoint.pt", "no key 'model'", "'model_state_dict'", "'optimizer_state_dict'"}));
  EXPECT_TRUE(message_has(load_error("checkpoint.pt", "epoch"), {"checkpoint['epoch'] is an int", "not a state_dict"}));
  // The optimizer's state_dict holds no tensors at its top level.
  EXPECT_TRUE(message_has(load_error("checkpoint.pt", "optimizer_state_dict"), {"entry 'state'", "not a tensor"}));
}

TEST(PytorchFixtures, RefusedFilesSayWhy) {
  EXPECT_TRUE(message_has(load_error("legacy.pt"), {"legacy.pt", "legacy serialization format", "re-save"}));
  EXPECT_TRUE(
      message_has(load_error("module.pt"), {"module.pt", "'torch.nn.modules.linear.Linear'", "model.state_dict()"}));
  EXPECT_TRUE(message_has(load_error("complex.pt"),
                          {"complex.pt", "tensor 'z'", "complex64", "torch.ComplexFloatStorage", "no complex dtype",
                           "torch.view_as_real(t)"}));
  EXPECT_TRUE(message_has(load_error("extra_state.pt"), {"extra_state.pt", "'_extra_state'", "is a str, not a tensor"}));
  EXPECT_TRUE(message_has(load_error("tensor.pt"), {"tensor.pt", "single tensor"}));
  EXPECT_TRUE(message_has(load_error("mlp.expected.safetensors"), {"safetensors", "wick::load"}));
  EXPECT_TRUE(message_has(load_error("does-not-exist.pt"), {"does-not-exist.pt", "cannot open"}));
}

// ---- save_pytorch ----

TEST(PytorchSave, MemoryRoundTripEveryDtypeInOrder) {
  const TensorDict d = every_dtype();
  const std::string bytes = serialize_pytorch(d);
  expect_same_dicts(parse_pytorch(bytes.data(), bytes.size()), d);
  EXPECT_EQ(serialize_pytorch(d), bytes);  // deterministic
}

TEST(PytorchSave, FileRoundTripOfViewsAndGradTensors) {
  const std::string path = (fs::temp_directory_path() / ("wick_pt_" + std::to_string(::getpid()) + ".pt")).string();
  Tensor base = arange(12, {.dtype = kFloat32}).reshape({3, 4});
  TensorDict d;
  d.insert("t", base.t());
  d.insert("row", base[1]);
  d.insert("grad", randn({2, 2}).requires_grad_());
  save_pytorch(d, path);
  const TensorDict back = load_pytorch(path);
  fs::remove(path);
  ASSERT_EQ(back.keys(), d.keys());
  for (const auto& [k, t] : d) EXPECT_TRUE(same_bytes(back.at(k), t.detach())) << k;
  EXPECT_FALSE(back.at("grad").requires_grad());
}

TEST(PytorchSave, RefusesUndefinedTensorsAndUnwritablePaths) {
  TensorDict d;
  d.insert("w", Tensor());
  EXPECT_WICK_ERROR(save_pytorch(d, "/tmp/x.pt"), {"save_pytorch", "'w'", "undefined"});
  EXPECT_WICK_ERROR(save_pytorch(every_dtype(), "/nonexistent-dir/x.pt"), {"save_pytorch", "/nonexistent-dir/x.pt"});
}

// ---- malformed input ----

TEST(PytorchRejects, NotAZipOrTruncated) {
  EXPECT_TRUE(message_has(parse_error("hello"), {"bad.pt", "zip header"}));
  EXPECT_TRUE(message_has(parse_error(""), {"bad.pt", "zip header"}));
  const std::string good = serialize_pytorch(every_dtype());
  for (size_t n : {good.size() / 2, good.size() - 10, size_t{40}})
    EXPECT_TRUE(message_has(parse_error(good.substr(0, n)), {"bad.pt", "zip archive"})) << n;
}

TEST(PytorchRejects, EveryTruncationAndCorruptionFailsCleanly) {
  TensorDict d;
  d.insert("w", randn({2, 3}));
  d.insert("n", tensor(3.0, {.dtype = kInt64}));
  const std::string good = serialize_pytorch(d);
  for (size_t n = 0; n < good.size(); ++n) {
    try {
      parse_pytorch(good.data(), n, "cut.pt");
      ADD_FAILURE() << "a cut at " << n << " parsed";
    } catch (const FormatError&) {
    }
  }
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    try {
      parse_pytorch(bad.data(), bad.size(), "flip.pt");  // may parse: a flip in padding or a name
    } catch (const Error&) {
    }
  }
}

TEST(PytorchRejects, MissingEntries) {
  EXPECT_TRUE(message_has(parse_error(archive({{"archive/version", "3\n"}})),
                          {"bad.pt", "no <folder>/data.pkl", "'archive/version'"}));
  const std::string pkl = tensor_pickle(0, {2}, {1}, 2);
  EXPECT_TRUE(message_has(parse_error(archive({{"archive/data.pkl", pkl}})),
                          {"bad.pt", "tensor 'w'", "'archive/data/0'", "missing"}));
  EXPECT_TRUE(message_has(parse_error(archive({{"archive/data.pkl", pkl}, {"archive/constants.pkl", pkl}})),
                          {"bad.pt", "TorchScript"}));
}

TEST(PytorchRejects, StorageSmallerThanItsTensors) {
  // The entry holds 1 float where data.pkl promises 2.
  EXPECT_TRUE(message_has(parse_error(one_tensor(tensor_pickle(0, {2}, {1}, 2), floats({1}))),
                          {"bad.pt", "'archive/data/0'", "has 4 bytes", "2 float32 elements (8 bytes)"}));
  // A view past the end of its storage: offset, size and stride each.
  const std::string four = floats({1, 2, 3, 4});
  EXPECT_TRUE(message_has(parse_error(one_tensor(tensor_pickle(1, {2, 2}, {2, 1}, 4), four)),
                          {"bad.pt", "tensor 'w'", "offset 1", "reaches element 4", "only 4 elements"}));
  EXPECT_TRUE(message_has(parse_error(one_tensor(tensor_pickle(0, {5}, {1}, 4), four)), {"reaches element 4"}));
  EXPECT_TRUE(message_has(parse_error(one_tensor(tensor_pickle(0, {2, 2}, {3, 1}, 4), four)), {"reaches element 4"}));
  // Sizes whose product or extent overflows, and negative values.
  EXPECT_TRUE(message_has(parse_error(one_tensor(tensor_pickle(0, {int64_t{1} << 62, 8}, {1, 1}, 4), four)),
                          {"overflows 64 bits"}));
  EXPECT_TRUE(message_has(parse_error(one_tensor(tensor_pickle(-1, {1}, {1}, 4), four)), {"offset is negative"}));
  EXPECT_TRUE(message_has(parse_error(one_tensor(tensor_pickle(0, {2}, {-1}, 4), four)), {"negative"}));
  // A broadcast view of one element may not blow up when copied out.
  EXPECT_TRUE(message_has(parse_error(one_tensor(tensor_pickle(0, {int64_t{1} << 40}, {0}, 4), four)),
                          {"tensor 'w'", "more than", "contiguous"}));
  // ... also when its byte size wraps around 64 bits (2^62 float32 elements).
  EXPECT_TRUE(message_has(parse_error(one_tensor(tensor_pickle(0, {int64_t{1} << 62}, {0}, 4), four)),
                          {"tensor 'w'", "more than"}));
  // The same views, in bounds, load.
  const TensorDict ok = parse_pytorch(one_tensor(tensor_pickle(1, {3}, {1}, 4), four).data(),
                                      one_tensor(tensor_pickle(1, {3}, {1}, 4), four).size());
  EXPECT_EQ(ok.at("w").to_vector<float>(), (std::vector<float>{2, 3, 4}));
}

// Narrow storages are sized and bounds-checked in the file's element size:
// 2 bytes for float16, 4 for int32, whatever they widen to.
TEST(PytorchRejects, NarrowStoragesCheckedInTheFilesElementSize) {
  const std::string four = floats({1, 2, 3, 4});  // 16 bytes: 8 halves or 4 int32
  EXPECT_TRUE(message_has(parse_error(one_tensor(tensor_pickle(0, {4}, {1}, 4, "HalfStorage"), four)),
                          {"bad.pt", "has 16 bytes", "4 float16 elements (8 bytes)"}));
  EXPECT_TRUE(message_has(parse_error(one_tensor(tensor_pickle(0, {5}, {1}, 4, "IntStorage"), four)),
                          {"tensor 'w'", "reaches element 4", "only 4 elements"}));
  EXPECT_TRUE(message_has(parse_error(one_tensor(tensor_pickle(0, {8}, {1}, 8, "IntStorage"), four)),
                          {"has 16 bytes", "8 int32 elements (32 bytes)"}));
  // A broadcast int8 view is budgeted in int8 bytes, and refused when huge.
  EXPECT_TRUE(message_has(parse_error(one_tensor(tensor_pickle(0, {int64_t{1} << 62}, {0}, 16, "CharStorage"), four)),
                          {"tensor 'w'", "more than"}));
  // In bounds they load, widened; a strided view of halves is copied out of
  // the widened storage. 0x3c00 = 1.0, 0xc000 = -2.0, 0x0001 = 2^-24.
  const uint16_t halves[] = {0x3c00, 0xc000, 0x0001, 0x7c00, 0x8000, 0x3800, 0x0000, 0x7bff};
  const std::string h(reinterpret_cast<const char*>(halves), sizeof halves);
  const std::string strided = one_tensor(tensor_pickle(1, {2, 2}, {1, 4}, 8, "HalfStorage"), h);
  const TensorDict d = parse_pytorch(strided.data(), strided.size());
  EXPECT_EQ(d.at("w").dtype(), kFloat32);
  EXPECT_EQ(d.at("w").to_vector<float>(), (std::vector<float>{-2.0f, 0.5f, 0x1p-24f, 0.0f}));
  const int32_t i32[] = {-2147483647 - 1, 2147483647, -7, 0};
  const std::string ints32(reinterpret_cast<const char*>(i32), sizeof i32);
  const std::string whole = one_tensor(tensor_pickle(0, {2, 2}, {2, 1}, 4, "IntStorage"), ints32);
  const TensorDict e = parse_pytorch(whole.data(), whole.size());
  EXPECT_EQ(e.at("w").dtype(), kInt64);
  EXPECT_EQ(e.at("w").to_vector<int64_t>(), (std::vector<int64_t>{-2147483648LL, 2147483647, -7, 0}));
}

TEST(PytorchRejects, UnknownGlobalsAndOpcodes) {
  pickle::Writer w;  // {"x": os.system}
  w.global("collections", "OrderedDict");
  w.empty_tuple();
  w.reduce();
  w.mark();
  w.string("x");
  w.global("os", "system");
  w.setitems();
  EXPECT_TRUE(message_has(parse_error(one_tensor(w.finish(), "")),
                          {"bad.pt", "data.pkl", "opcode GLOBAL", "'os.system'", "does not load"}));
  const std::string proto = "\x80\x02";
  EXPECT_TRUE(message_has(parse_error(one_tensor(proto + "\xff", "")),
                          {"bad.pt", "data.pkl", "at byte 2", "unknown pickle opcode 0xff"}));
  EXPECT_TRUE(message_has(parse_error(one_tensor(proto + "c__main__\nNet\n)\x81.", "")),
                          {"'__main__.Net'", "whole nn.Module", "state_dict()"}));
  EXPECT_TRUE(message_has(parse_error(one_tensor(proto + "}\x81.", "")), {"opcode NEWOBJ", "not used by torch.save"}));
  EXPECT_TRUE(message_has(parse_error(one_tensor(proto + "h\x05.", "")), {"opcode BINGET", "memo entry 5"}));
  EXPECT_TRUE(
      message_has(parse_error(one_tensor(proto + "X\xff\xff\xff\x7f", "")), {"opcode BINUNICODE", "truncated"}));
  EXPECT_TRUE(message_has(parse_error(one_tensor(proto + "}", "")), {"ends before its STOP"}));
  EXPECT_TRUE(message_has(parse_error(one_tensor(proto + "s.", "")), {"opcode SETITEM", "stack is empty"}));
  EXPECT_TRUE(message_has(parse_error(one_tensor(proto + "]K\x01K\x02s.", "")), {"must be a dict, not a list"}));
  EXPECT_TRUE(message_has(parse_error(one_tensor(proto + "](K\x01"
                                                         "e.",
                                                 "")),
                          {"the top-level object is a list"}));
  std::string deep = proto;  // 100k nested MARKs
  deep.append(100000, '(');
  EXPECT_TRUE(message_has(parse_error(one_tensor(deep, "")), {"nested MARKs"}));
}

TEST(PytorchRejects, BigEndianAndUnsupportedDtypes) {
  const std::string pkl = tensor_pickle(0, {1}, {1}, 1);
  EXPECT_TRUE(message_has(
      parse_error(archive({{"archive/data.pkl", pkl}, {"archive/byteorder", "big"}, {"archive/data/0", floats({1})}})),
      {"bad.pt", "big-endian"}));
  EXPECT_TRUE(message_has(parse_error(one_tensor(tensor_pickle(0, {1}, {1}, 1, "ComplexDoubleStorage"), floats({1}))),
                          {"bad.pt", "tensor 'w'", "complex128", "torch.ComplexDoubleStorage", "no complex dtype"}));
  EXPECT_TRUE(message_has(parse_error(one_tensor(tensor_pickle(0, {1}, {1}, 1, "QInt8Storage"), "x")),
                          {"'torch.QInt8Storage'"}));
  // Newer PyTorch's extra entries are accepted.
  const TensorDict d = parse_pytorch(archive({{"m/data.pkl", pkl},
                                              {"m/byteorder", "little"},
                                              {"m/data/0", floats({7})},
                                              {"m/.data/serialization_id", "123"},
                                              {"m/version", "3\n"}})
                                         .data(),
                                     archive({{"m/data.pkl", pkl},
                                              {"m/byteorder", "little"},
                                              {"m/data/0", floats({7})},
                                              {"m/.data/serialization_id", "123"},
                                              {"m/version", "3\n"}})
                                         .size());
  EXPECT_EQ(d.at("w").to_vector<float>(), (std::vector<float>{7}));
}
