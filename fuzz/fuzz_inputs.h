#pragma once
// What each fuzz target does with one input, shared by the libFuzzer targets
// (fuzz/fuzz_*.cpp) and the regression tests (tests/errors/), so a crashing
// input found by the fuzzer is replayed through exactly the same code.
//
// Every function throws wick::Error (usually wick::FormatError) when the
// input is rejected; anything else escaping (std::bad_alloc, std::length_error,
// a nlohmann::json exception, a crash) is a bug the fuzzer reports.
//
// The data layer reads IDX, CIFAR-10 and CSV files by path (there is no
// in-memory entry point), so those targets write each input to a file in a
// private folder on tmpfs first.
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "wick/data/cifar10.h"
#include "wick/data/csv.h"
#include "wick/data/mnist.h"
#include "wick/error.h"
#include "io/zip_archive.h"
#include "wick/io/pytorch.h"
#include "wick/io/safetensors.h"
#include "wick/npy.h"

namespace wick::fuzz {

// A private folder, created on first use and removed at exit.
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
    std::string tmpl = (base / "wick-fuzz-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) std::abort();
    static std::string to_remove = tmpl;
    std::atexit([] {
      std::error_code e;
      std::filesystem::remove_all(to_remove, e);
    });
    return tmpl;
  }();
  return dir;
}

inline std::string write_scratch(const std::string& name, const uint8_t* data, size_t size) {
  std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) std::abort();  // the scratch folder itself failed: not the input's fault
  return path;
}

// IDX (plain or gzip, whichever the bytes are), through the reader MNIST uses.
// Byte 0 picks the expected number of dims (any, 1 = labels, 3 = images).
inline void run_idx(const uint8_t* data, size_t size) {
  if (size < 1) return;
  static constexpr int kDims[3] = {0, 1, 3};
  std::string path = write_scratch("input-idx", data + 1, size - 1);
  data::read_idx(path, kDims[data[0] % 3]);
}

// gzip-compressed IDX. Byte 0: bit 0 set = the rest is a valid IDX body that
// this function gzips (fuzzes the IDX parser behind the decompressor); clear
// = the rest is written as is, seeds being .gz files (fuzzes the gzip stream:
// truncation, bad CRC, lying size trailer, concatenated members). Bits 1-2
// pick the expected dims as in run_idx.
inline void run_idx_gz(const uint8_t* data, size_t size) {
  if (size < 1) return;
  static constexpr int kDims[3] = {0, 1, 3};
  const int dims = kDims[(data[0] >> 1) % 3];
  std::string path;
  if (data[0] & 1) {
    z_stream s{};
    if (deflateInit2(&s, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
    std::string out(deflateBound(&s, static_cast<uLong>(size)) + 64, '\0');
    s.next_in = const_cast<Bytef*>(data + 1);
    s.avail_in = static_cast<uInt>(size - 1);
    s.next_out = reinterpret_cast<Bytef*>(out.data());
    s.avail_out = static_cast<uInt>(out.size());
    if (deflate(&s, Z_FINISH) != Z_STREAM_END) std::abort();
    out.resize(s.total_out);
    deflateEnd(&s);
    path = write_scratch("input-idx.gz", reinterpret_cast<const uint8_t*>(out.data()), out.size());
  } else {
    path = write_scratch("input-idx.gz", data + 1, size - 1);
  }
  data::read_idx(path, dims);
}

// MNIST as a folder: byte 0 and 1 give the length L (big-endian) of the labels
// file; the next L bytes are t10k-labels-idx1-ubyte, the rest
// t10k-images-idx3-ubyte. Exercises the cross-file checks (counts, labels).
inline void run_mnist(const uint8_t* data, size_t size) {
  if (size < 2) return;
  size_t n_labels = std::min<size_t>(size - 2, static_cast<size_t>(data[0]) << 8 | data[1]);
  std::string dir = scratch_dir() + "/mnist";
  std::filesystem::create_directories(dir);
  write_scratch("mnist/t10k-labels-idx1-ubyte", data + 2, n_labels);
  write_scratch("mnist/t10k-images-idx3-ubyte", data + 2 + n_labels, size - 2 - n_labels);
  data::MNIST mnist(dir, data::Split::Test);
  if (mnist.size() > 0) mnist.get_batch({0, mnist.size() - 1});
}

// CIFAR-10 test split: byte 0 is the length L of batches.meta.txt, the next L
// bytes are that file, the rest test_batch.bin.
inline void run_cifar10(const uint8_t* data, size_t size) {
  if (size < 1) return;
  size_t n_meta = std::min<size_t>(size - 1, data[0]);
  std::string dir = scratch_dir() + "/cifar";
  std::filesystem::create_directories(dir);
  write_scratch("cifar/batches.meta.txt", data + 1, n_meta);
  write_scratch("cifar/test_batch.bin", data + 1 + n_meta, size - 1 - n_meta);
  data::CIFAR10 cifar(dir, data::Split::Test);
  if (cifar.size() > 0) cifar.get_batch({0, cifar.size() - 1});
}

// CSV with target column "y". Byte 0: bits 0-1 the task (auto,
// classification, regression), bit 2 the delimiter (',' or ';'), bit 3 an
// explicit feature list {"a", "b"}.
inline void run_csv(const uint8_t* data, size_t size) {
  if (size < 1) return;
  const uint8_t mode = data[0];
  data::CSVOptions o{.target = "y"};
  o.task = static_cast<data::Task>(mode % 3);
  o.delimiter = (mode & 4) ? ';' : ',';
  if (mode & 8) o.features = {"a", "b"};
  std::string path = write_scratch("input.csv", data + 1, size - 1);
  data::CSV csv(path, o);
  if (csv.size() > 0) csv.get_batch({0, csv.size() - 1});
}

// .npy in memory; whatever parses must serialize and parse back to the same
// shape and dtype (a failure there aborts: it is a bug, not a bad input).
inline void run_npy(const uint8_t* data, size_t size) {
  Tensor t = parse_npy(data, size, "fuzz.npy");
  std::string again = serialize_npy(t);
  Tensor u;
  try {
    u = parse_npy(again.data(), again.size(), "fuzz-roundtrip.npy");
  } catch (const Error&) {
    std::abort();
  }
  if (u.sizes() != t.sizes() || u.dtype() != t.dtype()) std::abort();
}

// safetensors in memory, with the same round-trip check.
inline void run_safetensors(const uint8_t* data, size_t size) {
  SafetensorsContents c = parse_safetensors(data, size, "fuzz.safetensors");
  std::string again = serialize_safetensors(c.tensors, c.metadata);
  SafetensorsContents d;
  try {
    d = parse_safetensors(again.data(), again.size(), "fuzz-roundtrip.safetensors");
  } catch (const Error&) {
    std::abort();
  }
  if (d.tensors.size() != c.tensors.size() || d.metadata != c.metadata) std::abort();
}

// torch.save files in memory (parse_pytorch). Byte 0 picks what the rest is:
//   even: a whole torch.save file (the zip container through libzip, then
//         everything behind it);
//   odd:  byte 1 = n storages (at most 32), n little-endian u16 storage sizes
//         in bytes, then data.pkl, zipped here as archive/data.pkl and
//         archive/data/0..n-1 (filled with a byte pattern). Mutations of
//         data.pkl inside a real file almost always break the zip CRC, so
//         this is how the unpickler and the view checks get fuzzed.
// Whatever parses must serialize and parse back to the same names, dtypes
// and shapes (a failure there aborts: it is a bug, not a bad input).
inline std::string pytorch_archive(const uint8_t* data, size_t size) {
  if (size < 2) return "";
  const size_t n = std::min<size_t>(data[1], 32);
  if (size < 2 + 2 * n) return "";
  std::vector<std::string> storages(n), names(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t bytes = data[2 + 2 * i] | static_cast<size_t>(data[3 + 2 * i]) << 8;
    storages[i].resize(bytes);
    for (size_t j = 0; j < bytes; ++j) storages[i][j] = static_cast<char>(i * 31 + j * 7);
    names[i] = "archive/data/" + std::to_string(i);
  }
  const size_t pkl = 2 + 2 * n;
  std::vector<zip_detail::ZipEntry> entries{{"archive/data.pkl", data + pkl, size - pkl}};
  for (size_t i = 0; i < n; ++i) entries.push_back({names[i], storages[i].data(), storages[i].size()});
  entries.push_back({"archive/version", "3\n", 2});
  return zip_detail::write_zip(entries, "fuzz");
}

inline void run_pytorch(const uint8_t* data, size_t size) {
  if (size < 1) return;
  std::string archive;
  if (data[0] & 1) {
    archive = pytorch_archive(data, size);
    if (archive.empty()) return;
    data = reinterpret_cast<const uint8_t*>(archive.data());
    size = archive.size();
  } else {
    ++data;
    --size;
  }
  TensorDict d = parse_pytorch(data, size, "fuzz.pt");
  const std::string again = serialize_pytorch(d);
  TensorDict e;
  try {
    e = parse_pytorch(again.data(), again.size(), "fuzz-roundtrip.pt");
  } catch (const Error&) {
    std::abort();
  }
  if (e.keys() != d.keys()) std::abort();
  for (const auto& [k, t] : d)
    if (e.at(k).dtype() != t.dtype() || e.at(k).sizes() != t.sizes()) std::abort();
}

}  // namespace wick::fuzz
