#pragma once
// What the file readers and writers (npy, safetensors) share: their error
// form, reading exactly N bytes from an open file, and the one atomic writer.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace wick::io_detail {

// Throws FormatError "<file>: <problem>; <fix>".
[[noreturn]] void fail(const std::string& file, const std::string& problem, const std::string& fix);

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// Opens `path` for reading, refusing what is not a regular file ("pass the
// path of a <kind>, not a directory"); the file's size goes to *size.
File open_regular(const std::string& path, const std::string& kind, uint64_t* size);

// A bool byte other than 0/1 would be undefined behaviour as a C++ bool;
// PyTorch and NumPy read any nonzero byte as true, so the readers do the same.
void normalize_bools(uint8_t* bytes, size_t n);

// Reads exactly n bytes or fails naming `path` (short file or I/O error).
void read_exact(std::FILE* f, void* dst, size_t n, const std::string& path);

// One run of bytes of the file being written.
struct Piece {
  const void* data;
  size_t size;
};

// How a failed write is reported: "<context>: <problem>: <strerror>; <fix>",
// as a FormatError when `format_error` (save_npy's historical form), else a
// plain wick::Error.
struct WriteErrors {
  std::string context;
  bool format_error = false;
};

// The temporary name of a save to `path`: "<path>.tmp.<pid>". The suffix
// keeps it from ever ending in .safetensors or .npy, so nothing that looks
// for checkpoints by extension picks it up, and the pid keeps two processes
// saving the same path out of each other's way.
std::string temp_path_for(const std::string& path);

// Writes the pieces, in order, to temp_path_for(path); fsyncs and closes it;
// renames it over `path`; fsyncs the directory so the rename survives a power
// loss. A crash at any moment leaves either the old file or the new one
// under `path`. On failure the temporary file is removed and the old file is
// untouched. Before writing, temporary files of earlier saves to the same
// path whose process is gone (a kill mid-save) are removed.
void write_file_atomic(const std::string& path, const std::vector<Piece>& pieces, const WriteErrors& errors);

}  // namespace wick::io_detail
