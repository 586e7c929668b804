#pragma once
// Helpers of the tests/datasets suites: a scratch folder per test, writers of
// small IDX / CIFAR-10 / CSV files, gzip via the system's gzip, and error checks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "core/expect_error.h"
#include "wick/error.h"

namespace wick::testing {

namespace fs = std::filesystem;

// A fresh folder under the system temp dir, removed at scope exit.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / "wick-data-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& str() const { return path_; }
  std::string operator/(const std::string& name) const { return (fs::path(path_) / name).string(); }

 private:
  std::string path_;
};

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

// Compresses `path` into `path`.gz with the system's gzip and removes `path`.
inline void gzip_file(const std::string& path) {
  std::string cmd = "gzip -n -f '" + path + "'";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("gzip failed: " + cmd);
}

inline void put_be32(std::vector<uint8_t>& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}

// An IDX file of unsigned bytes: magic 0x000008<ndims>, big-endian dims, data.
inline std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> b = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) put_be32(b, d);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

// Pixel (i, y, x) of the generated images: a pattern that differs per image.
inline uint8_t pixel(int64_t i, int64_t y, int64_t x) { return static_cast<uint8_t>((i * 37 + y * 5 + x * 3) % 256); }

// Writes {prefix}-images-idx3-ubyte and {prefix}-labels-idx1-ubyte with n
// images of h x w (label of image i: labels[i]) into dir.
inline void write_mnist(const std::string& dir, const std::string& prefix, const std::vector<uint8_t>& labels,
                        int64_t h = 28, int64_t w = 28, bool gz = false) {
  const auto n = static_cast<int64_t>(labels.size());
  std::vector<uint8_t> pixels;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) pixels.push_back(pixel(i, y, x));
  std::string images = dir + "/" + prefix + "-images-idx3-ubyte";
  std::string labels_path = dir + "/" + prefix + "-labels-idx1-ubyte";
  write_bytes(images, idx_bytes({static_cast<uint32_t>(n), static_cast<uint32_t>(h), static_cast<uint32_t>(w)}, pixels));
  write_bytes(labels_path, idx_bytes({static_cast<uint32_t>(n)}, labels));
  if (gz) {
    gzip_file(images);
    gzip_file(labels_path);
  }
}

// CIFAR-10 pixel (record r, channel c, offset j within the 32x32 plane).
inline uint8_t cifar_pixel(int64_t r, int64_t c, int64_t j) { return static_cast<uint8_t>((r * 11 + c * 101 + j) % 256); }

inline std::vector<uint8_t> cifar_bytes(const std::vector<uint8_t>& labels, int64_t first_record = 0) {
  std::vector<uint8_t> b;
  for (size_t k = 0; k < labels.size(); ++k) {
    b.push_back(labels[k]);
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t j = 0; j < 1024; ++j) b.push_back(cifar_pixel(first_record + static_cast<int64_t>(k), c, j));
  }
  return b;
}

// The message of the wick::FormatError `f` throws (a failure otherwise).
inline std::string format_error_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const wick::FormatError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected a wick::FormatError, got another exception: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected a wick::FormatError, but nothing was thrown";
  return "";
}

// Where scripts/fetch-data.sh puts MNIST (the repository's data/mnist), or
// $WICK_MNIST_DIR.
inline std::string real_mnist_dir() {
  if (const char* env = std::getenv("WICK_MNIST_DIR")) return env;
  return (fs::path(WICK_TEST_DATA_DIR) / ".." / ".." / "data" / "mnist").lexically_normal().string();
}
inline std::string real_fashion_dir() {
  if (const char* env = std::getenv("WICK_FASHION_MNIST_DIR")) return env;
  return (fs::path(WICK_TEST_DATA_DIR) / ".." / ".." / "data" / "fashion-mnist").lexically_normal().string();
}

}  // namespace wick::testing
