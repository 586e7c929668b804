#pragma once
// Private helpers of src/data: whole-file reads (gzip-aware), locating files.
#include <cstdint>
#include <string>
#include <vector>

namespace wick::data::detail {

// The bytes of `path`; gzip data (magic 1f 8b) is decompressed. Errors name the file.
std::vector<uint8_t> read_file(const std::string& path);

// The same, without a copy for plain files: they are memory-mapped (read-only,
// pre-faulted), which halves the time to load MNIST.
class FileBytes {
 public:
  explicit FileBytes(const std::string& path);
  ~FileBytes();
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;
  const uint8_t* data() const { return map_ ? static_cast<const uint8_t*>(map_) : owned_.data(); }
  size_t size() const { return map_ ? map_size_ : owned_.size(); }

 private:
  void* map_ = nullptr;
  size_t map_size_ = 0;
  std::vector<uint8_t> owned_;
};
// Raw bytes, no decompression.
std::vector<uint8_t> read_raw(const std::string& path);
bool is_gzip(const std::vector<uint8_t>& bytes);
std::vector<uint8_t> gunzip(const std::vector<uint8_t>& bytes, const std::string& path);

// The first of dir/name, dir/name.gz over `dirs` that exists; "" if none.
std::string find_file(const std::vector<std::string>& dirs, const std::string& name, bool allow_gz = true);

// 'text' quoted for /bin/sh.
std::string shell_quote(const std::string& text);

// Human-readable byte counts for messages: "47040016 bytes".
std::string bytes_str(uint64_t n);

}  // namespace wick::data::detail
