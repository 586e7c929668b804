#pragma once
// Private to src/io: the zip container of torch.save files, through libzip.
// Reading goes through a libzip source over bytes in memory or over an open
// file, so load_pytorch and parse_pytorch share every check; writing builds
// the archive in memory for the caller to write atomically.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

struct zip;

namespace wick::zip_detail {

class ZipReader {
 public:
  // `data` is not copied and must outlive the reader.
  static ZipReader from_memory(const void* data, size_t size, const std::string& file);
  // Takes ownership of `f` (closed with the reader).
  static ZipReader from_file(std::FILE* f, uint64_t size, const std::string& file);

  ZipReader(ZipReader&&) noexcept;
  ~ZipReader();

  uint64_t archive_size() const { return size_; }
  std::vector<std::string> names() const;
  // The index of the entry, or -1.
  int64_t locate(const std::string& name) const;
  // The entry's size; refuses compressed or encrypted entries and sizes past
  // the archive's (torch.save stores entries as they are).
  uint64_t entry_size(int64_t index) const;
  // Reads the whole entry (exactly entry_size bytes) into dst and checks its CRC.
  void read(int64_t index, void* dst, uint64_t size) const;
  // The whole entry as a string, refused when larger than max_size.
  std::string read_string(int64_t index, uint64_t max_size) const;

 private:
  ZipReader(struct zip* za, uint64_t size, std::string file) : za_(za), size_(size), file_(std::move(file)) {}
  std::string entry_name(int64_t index) const;
  struct zip* za_;
  uint64_t size_;
  std::string file_;
};

struct ZipEntry {
  std::string name;
  const void* data;
  size_t size;
};

// A zip archive of the entries, in order, stored (not compressed), each
// entry's data starting at a multiple of 64 bytes in the archive as
// PyTorch's own writer does (so the data can be mapped in place). `context`
// starts the message of a failure.
std::string write_zip(const std::vector<ZipEntry>& entries, const std::string& context);

}  // namespace wick::zip_detail
