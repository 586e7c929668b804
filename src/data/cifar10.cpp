// CIFAR-10 binary batches: 3073-byte records (label, then R, G, B planes).
#include "wick/data/cifar10.h"

#include <cstring>
#include <filesystem>
#include <sstream>

#include "core/core.h"
#include "data/file_util.h"

namespace wick::data {

using wick::detail::concat;

namespace {
constexpr int64_t kPixels = 3 * 32 * 32;
constexpr int64_t kRecord = 1 + kPixels;

const std::vector<std::string> kDefaultClasses = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                  "dog",      "frog",       "horse", "ship", "truck"};

std::string fix_text(const std::string& root) {
  return concat("download the \"CIFAR-10 binary version\" from https://www.cs.toronto.edu/~kriz/cifar.html and "
                "unpack it so that data_batch_1.bin ... data_batch_5.bin, test_batch.bin and batches.meta.txt are in ",
                root);
}
}  // namespace

CIFAR10::CIFAR10(const std::string& root, Split split) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    throw Error(concat("CIFAR10: data folder ", root,
                       fs::exists(root, ec) ? " exists but is not a folder" : " does not exist", "; ", fix_text(root)));
  const std::vector<std::string> dirs = {root, (fs::path(root) / "cifar-10-batches-bin").string()};
  std::vector<std::string> names;
  if (split == Split::Train)
    for (int i = 1; i <= 5; ++i) names.push_back(concat("data_batch_", i, ".bin"));
  else
    names.push_back("test_batch.bin");

  std::vector<std::string> paths;
  std::vector<std::vector<uint8_t>> files;
  int64_t n = 0;
  for (const std::string& name : names) {
    std::string p = detail::find_file(dirs, name, /*allow_gz=*/false);
    if (p.empty()) throw Error(concat("CIFAR10: ", name, " not found in ", root, "; ", fix_text(root)));
    std::vector<uint8_t> bytes = detail::read_raw(p);
    if (bytes.empty())
      throw FormatError(concat(p, ": the file is empty (0 bytes), expected 3073-byte CIFAR-10 records; ",
                               "download and unpack it again"));
    if (bytes.size() % kRecord != 0)
      throw FormatError(concat(p, ": ", bytes.size(), " bytes is not a whole number of 3073-byte CIFAR-10 records (",
                               bytes.size() / kRecord, " records and ", bytes.size() % kRecord,
                               " bytes left over); truncated or not the binary version"));
    n += static_cast<int64_t>(bytes.size()) / kRecord;
    paths.push_back(p);
    files.push_back(std::move(bytes));
  }

  images_ = core::make_tensor({n, 3, 32, 32}, kFloat32, Device::cpu());
  targets_ = core::make_tensor({n}, kInt64, Device::cpu());
  float* x = images_.data_ptr<float>();
  int64_t* y = targets_.data_ptr<int64_t>();
  int64_t k = 0;
  for (size_t f = 0; f < files.size(); ++f) {
    const int64_t records = static_cast<int64_t>(files[f].size()) / kRecord;
    const uint8_t* rec = files[f].data();
    for (int64_t r = 0; r < records; ++r, ++k, rec += kRecord) {
      if (rec[0] > 9)
        throw FormatError(concat(paths[f], ": record ", r, " has label ", int(rec[0]),
                                 "; CIFAR-10 labels are 0..9 (is this the CIFAR-100 binary, or a corrupt file?)"));
      y[k] = rec[0];
      float* dst = x + k * kPixels;
      for (int64_t j = 0; j < kPixels; ++j) dst[j] = static_cast<float>(rec[1 + j]) / 255.0f;
    }
  }

  classes_ = kDefaultClasses;
  // The first of the folders that has batches.meta.txt. Something else of
  // that name (a folder) is an error rather than silently the default names.
  std::string meta;
  for (const std::string& d : dirs) {
    const fs::path p = fs::path(d) / "batches.meta.txt";
    if (!fs::exists(p, ec)) continue;
    if (!fs::is_regular_file(p, ec))
      throw Error(concat(p.string(), ": not a regular file; batches.meta.txt should be a text file of the 10 ",
                         "class names, one per line (or absent, for the standard names)"));
    meta = p.string();
    break;
  }
  if (!meta.empty()) {
    std::vector<uint8_t> bytes = detail::read_raw(meta);
    std::string text(bytes.begin(), bytes.end());
    if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);  // UTF-8 BOM (Windows editors)
    std::vector<std::string> names_read;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      const size_t b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r");
      if (b != std::string::npos) names_read.push_back(line.substr(b, e - b + 1));
    }
    if (names_read.size() != 10)
      throw FormatError(concat(meta, ": expected 10 class names (one per line), found ", names_read.size()));
    classes_ = names_read;
  }
}

Example CIFAR10::get(int64_t index) const {
  check_index("CIFAR10::get", index);
  Batch b = get_batch({index});
  return {b.inputs.select(0, 0), b.targets.select(0, 0)};
}

Batch CIFAR10::get_batch(const std::vector<int64_t>& indices) const {
  const auto b = static_cast<int64_t>(indices.size());
  Tensor x = core::make_tensor({b, 3, 32, 32}, kFloat32, Device::cpu());
  Tensor y = core::make_tensor({b}, kInt64, Device::cpu());
  for (int64_t k = 0; k < b; ++k) {
    const int64_t i = indices[static_cast<size_t>(k)];
    check_index("CIFAR10::get_batch", i);
    std::memcpy(x.data_ptr<float>() + k * kPixels, images_.data_ptr<float>() + i * kPixels, kPixels * sizeof(float));
    y.data_ptr<int64_t>()[k] = targets_.data_ptr<int64_t>()[i];
  }
  return {x, y};
}

}  // namespace wick::data
