// Catalogue rows (docs/ERRORS.md): malformed files of every kind wick reads.
// Each is rejected with a wick::FormatError (or Error for a missing file)
// naming the file and the problem, before anything large is allocated.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "errors/catalogue.h"
#include "wick/data/cifar10.h"
#include "wick/data/csv.h"
#include "wick/data/mnist.h"
#include "wick/io/pytorch.h"
#include "wick/io/safetensors.h"
#include "wick/npy.h"

namespace wick::errors_test {

namespace fs = std::filesystem;

const std::string& scratch() {
  static const std::string dir = [] {
    std::string t = (fs::temp_directory_path() / "wick-errors-XXXXXX").string();
    if (!::mkdtemp(t.data())) std::abort();
    static std::string keep = t;
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(keep, ec);
    });
    return t;
  }();
  return dir;
}

std::string write_bytes(const std::string& name, const std::string& bytes) {
  std::string path = scratch() + "/" + name;
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  return path;
}

namespace {

std::string be32(uint32_t v) {
  return {char(v >> 24), char(v >> 16 & 0xff), char(v >> 8 & 0xff), char(v & 0xff)};
}
std::string idx(std::vector<uint32_t> dims, size_t payload) {
  std::string s = {0, 0, 8, char(dims.size())};
  for (uint32_t d : dims) s += be32(d);
  return s + std::string(payload, '\x01');
}
std::string le64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = char(v >> (8 * i) & 0xff);
  return s;
}
// A .npy file with `header_dict` as its header (padded as NumPy does).
std::string npy(const std::string& header_dict, const std::string& payload) {
  std::string h = header_dict;
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  return std::string("\x93NUMPY\x01\x00", 8) + char(h.size() & 0xff) + char(h.size() >> 8) + h + payload;
}
std::string st(const std::string& json, const std::string& data) { return le64(json.size()) + json + data; }
// The bytes of a gzip stream of `text` (stored, uncompressed deflate block),
// built by hand so the test needs no zlib.
std::string gzip_stored(const std::string& text) {
  std::string s = {'\x1f', '\x8b', 8, 0, 0, 0, 0, 0, 0, 3};
  s += '\x01';
  uint16_t n = static_cast<uint16_t>(text.size());
  s += char(n & 0xff);
  s += char(n >> 8);
  s += char(~n & 0xff);
  s += char((~n >> 8) & 0xff);
  s += text;
  uint32_t crc = 0xffffffffu;  // CRC-32 (IEEE), bitwise
  for (unsigned char c : text) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = crc & 1 ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
  }
  crc ^= 0xffffffffu;
  for (int i = 0; i < 4; ++i) s += char(crc >> (8 * i) & 0xff);
  for (int i = 0; i < 4; ++i) s += char(text.size() >> (8 * i) & 0xff);
  return s;
}
std::string mnist_dir(const std::string& tag, const std::string& labels, const std::string& images) {
  write_bytes(tag + "/t10k-labels-idx1-ubyte", labels);
  write_bytes(tag + "/t10k-images-idx3-ubyte", images);
  return scratch() + "/" + tag;
}
std::string cifar_record(int label) { return std::string(1, char(label)) + std::string(3072, '\x07'); }
data::CSV csv(const std::string& name, const std::string& text, data::Task task = data::Task::Auto) {
  return data::CSV(write_bytes(name, text), {.target = "y", .task = task});
}

std::vector<Row> rows() {
  using K = Kind;
  return {
      // ---- IDX (MNIST, Fashion-MNIST), plain and gzip ----
      {"idx_truncated", K::FormatError,
       [] { data::read_idx(write_bytes("trunc-idx3", idx({3, 4, 4}, 40)), 3); },
       {"trunc-idx3", "size disagrees", "[3, 4, 4]", "truncated"}},
      {"idx_trailing_bytes", K::FormatError,
       [] { data::read_idx(write_bytes("long-idx1", idx({3}, 5)), 1); },
       {"long-idx1", "size disagrees", "trailing bytes"}},
      {"idx_shorter_than_magic", K::FormatError,
       [] { data::read_idx(write_bytes("tiny-idx", std::string("\0\0", 2)), 0); },
       {"tiny-idx", "not an IDX file", "magic"}},
      {"idx_wrong_magic", K::FormatError,
       [] { data::read_idx(write_bytes("magic-idx", std::string("\0\0\x0d\x03", 4) + be32(1) + be32(1) + be32(1) + "x"), 3); },
       {"magic-idx", "wrong IDX magic number", "0x00000D03", "0x00000803"}},
      {"idx_labels_file_given_as_images", K::FormatError,
       [] { data::read_idx(write_bytes("labels-as-images", idx({3}, 3)), 3); },
       {"wrong IDX magic number", "0x00000801", "images file"}},
      {"idx_header_truncated", K::FormatError,
       [] { data::read_idx(write_bytes("hdr-idx", std::string("\0\0\x08\x03", 4) + be32(2)), 3); },
       {"truncated IDX header", "16 bytes"}},
      {"idx_zero_dim", K::FormatError,
       [] { data::read_idx(write_bytes("zero-idx", idx({3, 0, 4}, 0)), 3); },
       {"dimension 1 of size 0"}},
      {"idx_huge_dims", K::FormatError,
       [] { data::read_idx(write_bytes("huge-idx", idx({60000, 0xFFFFFFF0u, 0xFFFFFFF0u}, 16)), 3); },
       {"huge-idx", "absurdly large"}},
      // 2^20 * 2^20 * 2^24 is 0 in 64 bits: a 16-byte file once "matched" it.
      {"idx_dims_product_wraps_64_bits", K::FormatError,
       [] { data::read_idx(write_bytes("wrap-idx", idx({1u << 20, 1u << 20, 1u << 24}, 0)), 3); },
       {"wrap-idx", "absurdly large"}},
      {"idx_path_is_a_folder", K::Error,
       [] {
         fs::create_directories(scratch() + "/idx-folder");
         data::read_idx(scratch() + "/idx-folder");
       },
       {"idx-folder", "not a regular file"}},
      {"idx_gzip_truncated", K::FormatError,
       [] {
         std::string gz = gzip_stored(idx({3}, 3));
         data::read_idx(write_bytes("cut-idx1.gz", gz.substr(0, gz.size() - 6)), 1);
       },
       {"cut-idx1.gz", "corrupt or truncated gzip"}},
      {"idx_gzip_bad_crc", K::FormatError,
       [] {
         std::string gz = gzip_stored(idx({3}, 3));
         gz[gz.size() - 8] ^= 0x5a;
         data::read_idx(write_bytes("crc-idx1.gz", gz), 1);
       },
       {"crc-idx1.gz", "corrupt or truncated gzip"}},
      {"mnist_count_mismatch", K::FormatError,
       [] { data::MNIST(mnist_dir("mnist-count", idx({3}, 3), idx({2, 4, 4}, 32)), data::Split::Test); },
       {"holds 2 images", "3 labels", "different sets"}},
      {"mnist_label_out_of_range", K::FormatError,
       [] {
         std::string labels = idx({2}, 0) + std::string("\x01\x0c", 2);
         data::MNIST(mnist_dir("mnist-label", labels, idx({2, 4, 4}, 32)), data::Split::Test);
       },
       {"label 12 at index 1", "0..9"}},
      {"mnist_missing_folder", K::Error,
       [] { data::MNIST(scratch() + "/no-such-folder", data::Split::Test); },
       {"no-such-folder", "does not exist", "wick data fetch mnist"}},
      {"mnist_missing_file", K::Error,
       [] {
         write_bytes("mnist-half/t10k-labels-idx1-ubyte", idx({1}, 1));
         data::MNIST(scratch() + "/mnist-half", data::Split::Test);
       },
       {"t10k-images-idx3-ubyte", "not found", "wick data fetch"}},
      {"mnist_root_is_a_file", K::Error,
       [] { data::MNIST(write_bytes("mnist-file", "x"), data::Split::Test); },
       {"mnist-file", "exists but is not a folder", "wick data fetch mnist"}},
      // ---- CIFAR-10 ----
      {"cifar10_partial_record", K::FormatError,
       [] {
         write_bytes("cifar-part/test_batch.bin", cifar_record(1) + cifar_record(2).substr(0, 100));
         data::CIFAR10(scratch() + "/cifar-part", data::Split::Test);
       },
       {"test_batch.bin", "3173 bytes", "3073-byte", "truncated"}},
      {"cifar10_empty_file", K::FormatError,
       [] {
         write_bytes("cifar-empty/test_batch.bin", "");
         data::CIFAR10(scratch() + "/cifar-empty", data::Split::Test);
       },
       {"test_batch.bin", "the file is empty", "0 bytes"}},
      {"cifar10_label_out_of_range", K::FormatError,
       [] {
         write_bytes("cifar-label/test_batch.bin", cifar_record(3) + cifar_record(57));
         data::CIFAR10(scratch() + "/cifar-label", data::Split::Test);
       },
       {"record 1 has label 57", "0..9", "CIFAR-100"}},
      {"cifar10_meta_is_a_folder", K::Error,
       [] {
         write_bytes("cifar-meta/test_batch.bin", cifar_record(1));
         fs::create_directories(scratch() + "/cifar-meta/batches.meta.txt");
         data::CIFAR10(scratch() + "/cifar-meta", data::Split::Test);
       },
       {"batches.meta.txt", "not a regular file"}},
      // ---- CSV ----
      {"csv_unknown_target_column", K::Error, [] { csv("no-y.csv", "a,b\n1,2\n"); },
       {"no-y.csv", "no target column 'y'", "the columns are a, b"}},
      {"csv_ragged_row", K::FormatError, [] { csv("ragged.csv", "a,b,y\n1,2,3\n4,5\n"); },
       {"ragged.csv", "line 3"}},
      {"csv_non_numeric_feature", K::FormatError, [] { csv("text.csv", "a,b,y\n1,2,3\n4,five,6\n"); },
       {"text.csv", "line 3", "five"}},
      {"csv_empty_file", K::FormatError, [] { csv("empty.csv", ""); }, {"empty.csv", "empty file"}},
      {"csv_header_only_empty_dataset", K::FormatError, [] { csv("header.csv", "a,b,y\n"); },
       {"header.csv", "no data rows"}},
      {"csv_duplicate_column", K::FormatError, [] { csv("dup.csv", "a,a,y\n1,2,3\n"); },
       {"dup.csv", "'a' appears twice"}},
      {"csv_regression_target_not_numeric", K::FormatError,
       [] { csv("label.csv", "a,y\n1,cat\n2,dog\n", data::Task::Regression); }, {"label.csv", "cat"}},
      {"csv_missing_file", K::Error, [] { data::CSV(scratch() + "/no-such-dir/x.csv", {.target = "y"}); },
       {"x.csv", "no such file"}},
      {"csv_path_is_a_folder", K::Error,
       [] {
         fs::create_directories(scratch() + "/csv-folder");
         data::CSV(scratch() + "/csv-folder", {.target = "y"});
       },
       {"csv-folder", "not a regular file"}},
      {"csv_number_past_float32", K::FormatError, [] { csv("big.csv", "a,b,y\n1,1e39,cat\n3,4,dog\n"); },
       {"big.csv line 2", "column 'b'", "'1e39'", "out of float32 range"}},
      {"csv_missing_target_among_numbers", K::FormatError, [] { csv("gap.csv", "a,y\n1,1.5\n2,2.5\n3,nan\n"); },
       {"gap.csv line 4", "column 'y'", "missing target value 'nan'", "task=Classification"}},
      {"csv_repeated_class_name", K::Error,
       [] {
         data::CSV(write_bytes("classes.csv", "a,y\n1,cat\n"), {.target = "y", .class_names = {"cat", "cat", "bird"}});
       },
       {"classes.csv", ".class_names", "'cat' twice"}},
      // ---- .npy ----
      {"npy_wrong_magic", K::FormatError,
       [] { std::string b = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", std::string(4, '\0'));
            b[1] = 'X'; parse_npy(b.data(), b.size(), "magic.npy"); },
       {"magic.npy", "magic"}},
      {"npy_truncated_data", K::FormatError,
       [] { std::string b = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (10,), }", std::string(12, '\0'));
            parse_npy(b.data(), b.size(), "short.npy"); },
       {"short.npy", "40"}},
      {"npy_truncated_header", K::FormatError,
       [] { std::string b = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", "");
            parse_npy(b.data(), 30, "cut.npy"); },
       {"cut.npy"}},
      {"npy_huge_shape", K::FormatError,
       [] { std::string b = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }", "");
            parse_npy(b.data(), b.size(), "huge.npy"); },
       {"huge.npy"}},
      {"npy_big_endian", K::FormatError,
       [] { std::string b = npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", std::string(4, '\0'));
            parse_npy(b.data(), b.size(), "big.npy"); },
       {"big.npy", ">f4"}},
      {"npy_unsupported_dtype", K::FormatError,
       [] { std::string b = npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", std::string(8, '\0'));
            parse_npy(b.data(), b.size(), "complex.npy"); },
       {"complex.npy", "<c8"}},
      {"npy_missing_file", K::Error, [] { load_npy(scratch() + "/absent.npy"); }, {"absent.npy"}},
      // ---- safetensors ----
      {"safetensors_shorter_than_prefix", K::FormatError,
       [] { parse_safetensors("abc", 3, "tiny.safetensors"); }, {"tiny.safetensors"}},
      {"safetensors_header_past_eof", K::FormatError,
       [] { std::string b = le64(100) + "{}"; parse_safetensors(b.data(), b.size(), "short.safetensors"); },
       {"short.safetensors", "100"}},
      {"safetensors_huge_header_length", K::FormatError,
       [] { std::string b = le64(uint64_t{1} << 62) + "{}"; parse_safetensors(b.data(), b.size(), "huge-hdr.safetensors"); },
       {"huge-hdr.safetensors"}},
      {"safetensors_invalid_json", K::FormatError,
       [] { std::string b = st("{\"w\": ", ""); parse_safetensors(b.data(), b.size(), "json.safetensors"); },
       {"json.safetensors", "JSON"}},
      {"safetensors_unknown_dtype", K::FormatError,
       [] { std::string b = st(R"({"w": {"dtype": "Q7", "shape": [1], "data_offsets": [0, 1]}})", "x");
            parse_safetensors(b.data(), b.size(), "dtype.safetensors"); },
       {"dtype.safetensors", "Q7"}},
      {"safetensors_uint64_dtype", K::FormatError,
       [] { std::string b = st(R"({"w": {"dtype": "U64", "shape": [1], "data_offsets": [0, 8]}})", std::string(8, '\0'));
            parse_safetensors(b.data(), b.size(), "u64.safetensors"); },
       {"u64.safetensors", "'w'", "U64", "INT64_MAX", "torch.int64"}},
      {"safetensors_size_disagrees_with_shape", K::FormatError,
       [] { std::string b = st(R"({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 8]}})", std::string(8, '\0'));
            parse_safetensors(b.data(), b.size(), "size.safetensors"); },
       {"size.safetensors", "'w'"}},
      {"safetensors_overlapping_offsets", K::FormatError,
       [] { std::string b = st(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                               std::string(12, '\0'));
            parse_safetensors(b.data(), b.size(), "overlap.safetensors"); },
       {"overlap.safetensors"}},
      {"safetensors_offsets_past_end", K::FormatError,
       [] { std::string b = st(R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})", std::string(8, '\0'));
            parse_safetensors(b.data(), b.size(), "past.safetensors"); },
       {"past.safetensors", "'w'"}},
      {"safetensors_huge_shape", K::FormatError,
       [] { std::string b = st(R"({"w": {"dtype": "F32", "shape": [2147483648, 2147483648, 2147483648], "data_offsets": [0, 4]}})",
                               std::string(4, '\0'));
            parse_safetensors(b.data(), b.size(), "hugeshape.safetensors"); },
       {"hugeshape.safetensors", "'w'"}},
      {"safetensors_missing_file", K::Error, [] { load(scratch() + "/absent.safetensors"); }, {"absent.safetensors"}},
      {"safetensors_save_into_missing_folder", K::Error,
       [] { save({}, scratch() + "/no-such-folder/model.safetensors"); }, {"no-such-folder/model.safetensors"}},
      {"safetensors_save_over_a_folder", K::Error,
       [] { fs::create_directories(scratch() + "/a-folder"); save({}, scratch() + "/a-folder"); }, {"a-folder"}},
      // ---- torch.save files (fixtures written by tests/reference/make_pt_fixtures.py) ----
      {"pytorch_checkpoint_dict_without_key", K::Error,
       [] { load_pytorch(std::string(WICK_TEST_DATA_DIR) + "/pytorch/checkpoint.pt"); },
       {"checkpoint.pt", "'model_state_dict'", "key="}},
      {"pytorch_whole_module", K::FormatError,
       [] { load_pytorch(std::string(WICK_TEST_DATA_DIR) + "/pytorch/module.pt"); },
       {"module.pt", "torch.nn.modules.linear.Linear", "model.state_dict()"}},
      {"pytorch_legacy_format", K::FormatError,
       [] { load_pytorch(std::string(WICK_TEST_DATA_DIR) + "/pytorch/legacy.pt"); },
       {"legacy.pt", "legacy", "torch.save"}},
      {"pytorch_not_a_zip", K::FormatError,
       [] { load_pytorch(write_bytes("garbage.pt", "this is not a torch.save file")); }, {"garbage.pt"}},
  };
}

class FileErrors : public ::testing::TestWithParam<Row> {};
TEST_P(FileErrors, RejectedCleanly) { check_row(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Catalogue, FileErrors, ::testing::ValuesIn(rows()),
                         [](const ::testing::TestParamInfo<Row>& i) { return i.param.id; });

}  // namespace
}  // namespace wick::errors_test
