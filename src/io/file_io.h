#pragma once
// What the file readers (npy, safetensors) share: their error form and
// reading exactly N bytes from an open file.
#include <cstdio>
#include <memory>
#include <string>

namespace wick::io_detail {

// Throws FormatError "<file>: <problem>; <fix>".
[[noreturn]] void fail(const std::string& file, const std::string& problem, const std::string& fix);

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// Reads exactly n bytes or fails naming `path` (short file or I/O error).
void read_exact(std::FILE* f, void* dst, size_t n, const std::string& path);

}  // namespace wick::io_detail
